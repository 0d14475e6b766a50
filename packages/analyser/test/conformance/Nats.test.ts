import { type NatsServer, startNatsServer } from "@dla/testing"
import type { NatsConnection } from "@nats-io/nats-core"
import { connect } from "@nats-io/transport-node"
import { Effect, Layer } from "effect"
import { afterAll, beforeAll } from "vitest"
import * as Fence from "../../src/Fence.ts"
import * as NatsTransport from "../../src/NatsTransport.ts"
import { conformance } from "./suite.ts"

let server: NatsServer
let nc: NatsConnection

beforeAll(async () => {
  server = await startNatsServer()
  nc = await connect({ servers: server.url })
})

afterAll(async () => {
  await nc?.close()
  await server?.stop()
})

conformance({
  name: "NATS JetStream",
  layer: (runId, options) =>
    Layer.unwrap(
      NatsTransport.setupRun(nc, runId, "/logs", options).pipe(
        Effect.as(
          Layer.merge(
            NatsTransport.layer(nc, runId, options),
            NatsTransport.layerCheckpoints(nc, runId).pipe(Layer.provide(Fence.layerUnfenced))
          )
        )
      )
    )
})
