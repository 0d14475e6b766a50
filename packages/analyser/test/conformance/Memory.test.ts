import { Layer } from "effect"
import * as CheckpointStore from "../../src/CheckpointStore.ts"
import * as Heartbeats from "../../src/Heartbeats.ts"
import * as ResultChannel from "../../src/ResultChannel.ts"
import * as TaskQueue from "../../src/TaskQueue.ts"
import { conformance } from "./suite.ts"

conformance({
  name: "in-process",
  layer: (_runId, options) =>
    Layer.mergeAll(
      TaskQueue.layerMemory(options),
      ResultChannel.layerMemory,
      Heartbeats.layerMemory,
      CheckpointStore.layerMemory
    )
})
