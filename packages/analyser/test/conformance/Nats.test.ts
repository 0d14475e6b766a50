import { natsPerFile } from "@dla/testing"
import { Effect, Layer } from "effect"
import * as Fence from "../../src/Fence.ts"
import * as NatsTransport from "../../src/NatsTransport.ts"
import { conformance } from "./suite.ts"

const nats = natsPerFile()

conformance({
  name: "NATS JetStream",
  layer: (runId, options) => {
    const nc = nats.nc()
    return Layer.unwrap(
      NatsTransport.setupRun(nc, runId, "/logs", options).pipe(
        Effect.as(
          Layer.merge(
            NatsTransport.layer(nc, runId, options),
            NatsTransport.layerCheckpoints(nc, runId).pipe(Layer.provide(Fence.layerUnfenced))
          )
        )
      )
    )
  }
})
