import { CheckpointStore } from "@dla/analyser/CheckpointStore"
import * as Fence from "@dla/analyser/Fence"
import { CheckpointKv, Distributed, RunsKv } from "@dla/analyser/nats"
import { FencedKv, Leadership } from "@dla/election"
import { type NatsServer, startNatsServer } from "@dla/testing"
import { describe, expect, it } from "@effect/vitest"
import type { NatsConnection } from "@nats-io/nats-core"
import { connect } from "@nats-io/transport-node"
import { Effect, Option, Stream } from "effect"
import { afterAll, beforeAll } from "vitest"
import { checkpoint } from "./support/checkpoint.ts"

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
    const layer = Fence.layerLeadership(leadership)
    const fence = (yield* Fence.Fence.pipe(Effect.provide(layer))).guard
    /** The run's KV checkpoints as this candidate's master sees them. */
    const checkpoints = yield* CheckpointStore.pipe(
      Effect.provide(CheckpointKv.layer(nc, scope)),
      Effect.provide(layer)
    )
    return { nc, leadership, fence, checkpoints }
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

  it.live("KV checkpoints are term-stamped: once a new leader adopts the key, an older term can never write it", () =>
    Effect.gen(function* () {
      const runId = "fence-ckpt"
      const first = yield* candidate(runId, "first", 1)
      const firstTerm = yield* first.leadership.awaitLeadership.pipe(Effect.timeout("5 seconds"))
      yield* Distributed.setupRun(first.nc, runId, "/logs")
      yield* first.checkpoints.save(checkpoint(runId, 1))

      // A higher-priority master joins and takes the run over; resuming, it adopts the checkpoint.
      const second = yield* candidate(runId, "second", 2)
      const secondTerm = yield* second.leadership.awaitLeadership.pipe(Effect.timeout("5 seconds"))
      expect(secondTerm).toBeGreaterThan(firstTerm)
      const resumed = yield* second.checkpoints.load
      expect(Option.map(resumed, (c) => c.sequence)).toEqual(Option.some(1))

      // The first master paused right after passing its fence check, then wrote: the key refuses its term.
      const kv = yield* RunsKv.openRuns(first.nc)
      const key = RunsKv.names(runId).checkpointKey
      const stale = yield* FencedKv.write(kv, key, checkpoint(runId, 9), {
        scope: runId,
        term: firstTerm,
        leader: "first"
      }).pipe(Effect.flip)
      expect(stale).toMatchObject({ _tag: "Fenced", reason: "Superseded", currentTerm: secondTerm })
      // Through its store it is refused as well (it no longer leads), and a lone master never overwrites either.
      expect(yield* first.checkpoints.save(checkpoint(runId, 9)).pipe(Effect.flip)).toMatchObject({ reason: "Fenced" })
      const lone = yield* CheckpointStore.pipe(
        Effect.provide(CheckpointKv.layer(first.nc, runId)),
        Effect.provide(Fence.layerUnfenced)
      )
      expect(yield* lone.save(checkpoint(runId, 9)).pipe(Effect.flip)).toMatchObject({ reason: "Fenced" })

      yield* second.checkpoints.save(checkpoint(runId, 2))
      const read = yield* CheckpointKv.read(first.nc, runId)
      expect(Option.map(read, (c) => c.sequence)).toEqual(Option.some(2))
    }).pipe(Effect.scoped)
  )
})
