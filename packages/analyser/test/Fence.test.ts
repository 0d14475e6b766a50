import { Leadership } from "@dla/election"
import { type NatsServer, startNatsServer } from "@dla/testing"
import { describe, expect, it } from "@effect/vitest"
import type { NatsConnection } from "@nats-io/nats-core"
import { connect } from "@nats-io/transport-node"
import { Effect, Stream } from "effect"
import { afterAll, beforeAll } from "vitest"
import * as Fence from "../src/Fence.ts"

let server: NatsServer
const connections: Array<NatsConnection> = []

beforeAll(async () => {
  server = await startNatsServer()
})

afterAll(async () => {
  await Promise.all(connections.map((nc) => nc.close()))
  await server.stop()
})

const timing = { heartbeatMs: 50, leaderTimeoutMs: 300, answerTimeoutMs: 60, requestTimeoutMs: 300 }

const candidate = (scope: string, id: string, priority: number) =>
  Effect.gen(function* () {
    const nc = yield* Effect.promise(() => connect({ servers: server.url }))
    connections.push(nc)
    const leadership = yield* Leadership.make(nc, { ...timing, scope, id, priority })
    return { leadership, fence: (yield* Fence.Fence.pipe(Effect.provide(Fence.layerLeadership(leadership)))).guard }
  })

describe("Fence.layerLeadership", () => {
  it.live("runs the leader's actions, refuses a standby's (Fenced) and reports an unreachable KV as Transport", () =>
    Effect.gen(function* () {
      const leader = yield* candidate("fence-run", "leader", 2)
      yield* leader.leadership.awaitLeadership.pipe(Effect.timeout("5 seconds"))
      const standby = yield* candidate("fence-run", "standby", 1)
      yield* standby.leadership.changes.pipe(
        Stream.filter((s) => s.role === "follower" && s.leader === "leader"),
        Stream.runHead,
        Effect.timeout("5 seconds")
      )
      expect(yield* leader.fence(Effect.succeed("published"))).toBe("published")
      let ran = false
      const error = yield* standby.fence(Effect.sync(() => (ran = true))).pipe(Effect.flip)
      expect(error).toMatchObject({ _tag: "AnalyserError", reason: "Fenced" })
      expect(error.message).toContain("election fence-run: not the leader")
      expect(ran).toBe(false)
      // NATS down: leadership cannot be proven, which the master treats as a transport error it rides out.
      yield* Effect.promise(() => server.kill())
      const unverified = yield* leader.fence(Effect.succeed("published")).pipe(Effect.flip)
      expect(unverified).toMatchObject({ _tag: "AnalyserError", reason: "Transport" })
      yield* Effect.promise(() => server.restart())
    }).pipe(Effect.scoped)
  )
})
