import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as CheckpointStore from "@dla/analyser/CheckpointStore"
import * as Heartbeats from "@dla/analyser/Heartbeats"
import * as ResultChannel from "@dla/analyser/ResultChannel"
import * as TaskQueue from "@dla/analyser/TaskQueue"
import { Layer } from "effect"
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
