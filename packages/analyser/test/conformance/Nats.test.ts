import * as Fence from "@dla/analyser/Fence"
import { CheckpointKv, Distributed } from "@dla/analyser/nats"
import { natsPerFile } from "@dla/testing"
import { Effect, Layer } from "effect"
import { conformance } from "./suite.ts"

const nats = natsPerFile()

conformance({
  name: "NATS JetStream",
  layer: (runId, options) => {
    const nc = nats.nc()
    return Layer.unwrap(
      Distributed.setupRun(nc, runId, "/logs", options).pipe(
        Effect.as(
          Layer.merge(
            Distributed.layer(nc, runId, options),
            CheckpointKv.layer(nc, runId).pipe(Layer.provide(Fence.layerUnfenced))
          )
        )
      )
    )
  }
})
