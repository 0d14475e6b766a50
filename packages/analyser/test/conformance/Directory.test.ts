import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Layer } from "effect"
import * as CheckpointStore from "../../src/CheckpointStore.ts"
import * as Heartbeats from "../../src/Heartbeats.ts"
import * as ResultChannel from "../../src/ResultChannel.ts"
import * as TaskQueue from "../../src/TaskQueue.ts"
import { conformance } from "./suite.ts"

// The in-process transport with the checkpoint directory as its store: the store part of the suite covers it.
conformance({
  name: "in-process with a checkpoint directory",
  layer: (runId, options) =>
    Layer.mergeAll(
      TaskQueue.layerMemory(options),
      ResultChannel.layerMemory,
      Heartbeats.layerMemory,
      CheckpointStore.layerDirectory({ dir: mkdtempSync(join(tmpdir(), "dla-ckpt-")), runId, root: tmpdir() })
    )
})
