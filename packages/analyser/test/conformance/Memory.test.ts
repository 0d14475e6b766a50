import * as CheckpointStore from "@dla/analyser/CheckpointStore"
import * as Heartbeats from "@dla/analyser/Heartbeats"
import * as ResultChannel from "@dla/analyser/ResultChannel"
import * as TaskQueue from "@dla/analyser/TaskQueue"
import { Layer } from "effect"
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
