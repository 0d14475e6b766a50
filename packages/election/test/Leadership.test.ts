import { type ElectionError, FencedKv, Leadership } from "@dla/election"
import { type NatsServer, startNatsServer } from "@dla/testing"
import { describe, expect, it } from "@effect/vitest"
import { type KV, Kvm } from "@nats-io/kv"
import type { NatsConnection } from "@nats-io/nats-core"
import { connect } from "@nats-io/transport-node"
import { Deferred, Effect, Exit, Fiber, Option, Ref, Schedule, Scope, Stream } from "effect"
import { afterAll, beforeAll } from "vitest"

// Short timing keeps these in-process tests fast; the process tests run the defaults.
const timing = { heartbeatMs: 50, leaderTimeoutMs: 300, answerTimeoutMs: 60, coordinatorTimeoutMs: 300 }

let server: NatsServer
const connections: Array<NatsConnection> = []
let kv: KV

beforeAll(async () => {
  server = await startNatsServer()
  const nc = await connect({ servers: server.url })
  connections.push(nc)
  kv = await new Kvm(nc).create("leadership_test", { history: 10 })
})

afterAll(async () => {
  await Promise.all(connections.map((nc) => nc.close()))
  await server.stop()
})

let scopes = 0
const newScope = () => `lt-${++scopes}-${Math.random().toString(36).slice(2, 6)}`

const connection = Effect.promise(async () => {
  const nc = await connect({ servers: server.url })
  connections.push(nc)
  return nc
})

/** A candidate in its own closable scope, on its own connection. */
const join = (options: Leadership.Options) =>
  Effect.gen(function* () {
    const nc = yield* connection
    const scope = yield* Scope.make()
    const leadership = yield* Leadership.make(nc, { ...timing, ...options }).pipe(Scope.provide(scope))
    return { leadership, close: Scope.close(scope, Exit.void) }
  })

const waitFor = (leadership: Leadership.Leadership["Service"], predicate: (s: Leadership.State) => boolean) =>
  leadership.changes.pipe(
    Stream.filter(predicate),
    Stream.runHead,
    Effect.map(Option.getOrThrow),
    Effect.timeout("5 seconds")
  )

describe("Leadership", () => {
  it.live("a lone candidate leads; guard, fenced and writeFenced succeed with its term", () =>
    Effect.gen(function* () {
      const { leadership, close } = yield* join({ scope: newScope(), id: "solo" })
      expect(yield* leadership.isLeader).toBe(false)
      const term = yield* leadership.awaitLeadership.pipe(Effect.timeout("5 seconds"))
      expect(term).toBeGreaterThan(0)
      expect(yield* leadership.isLeader).toBe(true)
      expect(yield* leadership.state).toEqual({ role: "leader", term, leader: "solo" })
      expect(yield* leadership.guard).toBe(term)
      expect(yield* leadership.fenced(Effect.succeed("done"))).toBe("done")
      const key = `${leadership.scope}.checkpoint`
      const written = yield* leadership.writeFenced(kv, key, { tasks: 3 })
      expect(written.term).toBe(term)
      expect(yield* FencedKv.read(kv, key)).toEqual({
        term,
        leader: "solo",
        value: { tasks: 3 },
        revision: written.revision
      })
      const adopted = yield* leadership.adoptFenced(kv, key)
      expect(adopted).toMatchObject({ term, leader: "solo", value: { tasks: 3 } })
      expect(adopted!.revision).toBeGreaterThan(written.revision)
      yield* close
    })
  )

  it.live("a follower's guard fails with NotLeader and its fenced effect never runs", () =>
    Effect.gen(function* () {
      const scope = newScope()
      const high = yield* join({ scope, id: "high", priority: 2 })
      yield* high.leadership.awaitLeadership.pipe(Effect.timeout("5 seconds"))
      const low = yield* join({ scope, id: "low", priority: 1 })
      yield* waitFor(low.leadership, (s) => s.role === "follower" && s.leader === "high")
      const ran = yield* Ref.make(false)
      const error = yield* low.leadership.fenced(Ref.set(ran, true)).pipe(Effect.flip)
      expect(error._tag).toBe("Fenced")
      expect(error.reason).toBe("NotLeader")
      expect(error.message).toContain("not the leader (leader is high")
      expect(yield* Ref.get(ran)).toBe(false)
      yield* low.close
      yield* high.close
    })
  )

  it.live(
    "changes reports the election from the follower's side, then the leader's resignation and the successor",
    () =>
      Effect.gen(function* () {
        const scope = newScope()
        const high = yield* join({ scope, id: "high", priority: 2 })
        const low = yield* join({ scope, id: "low", priority: 1 })
        const seen = yield* low.leadership.changes.pipe(
          Stream.takeUntil((s) => s.role === "leader"),
          Stream.runCollect,
          Effect.forkChild
        )
        const first = yield* high.leadership.awaitLeadership.pipe(Effect.timeout("5 seconds"))
        yield* waitFor(low.leadership, (s) => s.role === "follower" && s.leader === "high")
        yield* high.leadership.resign
        expect(yield* high.leadership.isLeader).toBe(false)
        expect((yield* high.leadership.state).role).toBe("resigned")
        const next = yield* low.leadership.awaitLeadership.pipe(Effect.timeout("5 seconds"))
        expect(next).toBeGreaterThan(first)
        const states = yield* Fiber.join(seen)
        expect(states).toContainEqual({ role: "follower", term: first, leader: "high" })
        expect(states.at(-1)).toEqual({ role: "leader", term: next, leader: "low" })
        // The resigned node keeps following but never runs for leadership again.
        yield* waitFor(high.leadership, (s) => s.leader === "low")
        expect((yield* high.leadership.state).role).toBe("resigned")
        yield* low.close
        yield* high.close
      })
  )

  it.live("closing the leader's scope hands leadership over", () =>
    Effect.gen(function* () {
      const scope = newScope()
      const high = yield* join({ scope, id: "high", priority: 2 })
      const low = yield* join({ scope, id: "low", priority: 1 })
      yield* high.leadership.awaitLeadership.pipe(Effect.timeout("5 seconds"))
      yield* high.close
      yield* low.leadership.awaitLeadership.pipe(Effect.timeout("5 seconds"))
      yield* low.close
    })
  )

  it.live("a leader that missed a takeover finds the newer term at its next guard, steps down and cannot write", () =>
    Effect.gen(function* () {
      const scope = newScope()
      const { leadership, close } = yield* join({ scope, id: "old" })
      const term = yield* leadership.awaitLeadership.pipe(Effect.timeout("5 seconds"))
      const key = `${scope}.checkpoint`
      yield* leadership.writeFenced(kv, key, { step: 1 })
      // Another node claims the next term without this one hearing of it (as if it had been paused).
      const leases = yield* Effect.promise(() => new Kvm(connections[0]!).open("dla_leases"))
      const held = yield* Effect.promise(() => leases.get(`election.${scope}.term`))
      const record = { term: term + 1, leader: "new", priority: 9, at: Date.now() }
      yield* Effect.promise(() => leases.update(`election.${scope}.term`, JSON.stringify(record), held!.revision))
      const error = yield* leadership.writeFenced(kv, key, { step: 2 }).pipe(Effect.flip)
      expect(error).toMatchObject({
        _tag: "Fenced",
        reason: "Superseded",
        term,
        currentTerm: term + 1,
        currentLeader: "new"
      })
      expect(error.message).toBe(
        `election ${scope}: term ${term} was superseded by term ${term + 1} (leader new); stepped down`
      )
      expect(yield* leadership.isLeader).toBe(false)
      expect((yield* FencedKv.read(kv, key))?.value).toEqual({ step: 1 })
      yield* close
    })
  )

  it.live("layer provides the service and resigns when its scope closes", () =>
    Effect.gen(function* () {
      const nc = yield* connection
      const scope = newScope()
      const term = yield* Effect.scoped(
        Effect.gen(function* () {
          const leadership = yield* Leadership.Leadership
          return yield* leadership.awaitLeadership
        }).pipe(Effect.provide(Leadership.layer(nc, { ...timing, scope, id: "layered", replicas: 1 })))
      )
      expect(term).toBeGreaterThan(0)
      // The resignation announced on close lets a newcomer lead with the next term.
      const next = yield* join({ scope, id: "next" })
      expect(yield* next.leadership.awaitLeadership.pipe(Effect.timeout("5 seconds"))).toBeGreaterThan(term)
      yield* next.close
    })
  )

  it.live("bad options fail with a one-line ElectionError", () =>
    Effect.gen(function* () {
      const nc = yield* connection
      const badScope = yield* Effect.scoped(Leadership.make(nc, { scope: "run.1" })).pipe(Effect.flip)
      expect(badScope._tag).toBe("ElectionError")
      expect(badScope.message).toBe(
        "election run.1: scope must be letters, digits, '-' or '_' (it becomes a NATS subject token)"
      )
      const badTiming = yield* Effect.scoped(
        Leadership.make(nc, { scope: "ok", heartbeatMs: 500, leaderTimeoutMs: 400 })
      ).pipe(Effect.flip)
      expect(badTiming.message).toBe("election ok: heartbeatMs (500) must be below leaderTimeoutMs (400)")
      const negative = yield* Effect.scoped(Leadership.make(nc, { scope: "ok", answerTimeoutMs: -1 })).pipe(Effect.flip)
      expect(negative.message).toBe("election ok: answerTimeoutMs must be a positive number of ms, got -1")
    })
  )
})

describe("Leadership.whileLeading", () => {
  /** Leads once, has its term stolen, and must finish in a later term; `wrap` turns the guard's error into the caller's. */
  const stolenTerm = <E>(wrap: (e: ElectionError.Fenced) => E) =>
    Effect.gen(function* () {
      const scope = newScope()
      const { leadership, close } = yield* join({ scope, id: "master" })
      const terms: Array<number> = []
      const leases = yield* Effect.promise(() => new Kvm(connections[0]!).open("dla_leases"))
      const stealTerm = Effect.promise(async () => {
        const held = await leases.get(`election.${scope}.term`)
        const record = { ...held!.json<{ term: number }>(), leader: "thief", priority: 9, at: Date.now() }
        await leases.update(
          `election.${scope}.term`,
          JSON.stringify({ ...record, term: record.term + 1 }),
          held!.revision
        )
      })
      const result = yield* leadership
        .whileLeading((term) =>
          Effect.gen(function* () {
            terms.push(term)
            // First term: someone else claims the next one; the next guard finds out and the loop is abandoned.
            if (terms.length === 1) yield* stealTerm
            yield* leadership.guard.pipe(Effect.mapError(wrap))
            return `finished in term ${term}`
          })
        )
        .pipe(Effect.timeout("10 seconds"))
      // The thief never announces itself, so this node elects again and leads a later term.
      expect(terms).toHaveLength(2)
      expect(terms[1]).toBeGreaterThan(terms[0]! + 1)
      expect(result).toBe(`finished in term ${terms[1]}`)
      yield* close
    })

  it.live("runs the leader's loop per term, abandoning it when the term is lost, until it completes", () =>
    stolenTerm((e) => e)
  )

  it.live("treats the caller's own error after a lost term as the loss, not as a failure", () =>
    stolenTerm((e) => new Error(`checkpoint refused: ${e.message}`))
  )

  it.live("interrupts the loop when leadership moves to a higher candidate", () =>
    Effect.gen(function* () {
      const scope = newScope()
      const low = yield* join({ scope, id: "low", priority: 1 })
      const interrupted = yield* Deferred.make<void>()
      const loop = yield* low.leadership
        .whileLeading(() => Effect.never.pipe(Effect.onInterrupt(() => Deferred.succeed(interrupted, undefined))))
        .pipe(Effect.forkChild)
      yield* low.leadership.awaitLeadership.pipe(Effect.timeout("5 seconds"))
      const high = yield* join({ scope, id: "high", priority: 2 })
      yield* high.leadership.awaitLeadership.pipe(Effect.timeout("5 seconds"))
      yield* waitFor(low.leadership, (s) => s.role === "follower" && s.leader === "high")
      yield* Deferred.await(interrupted).pipe(Effect.timeout("5 seconds"))
      yield* Fiber.interrupt(loop)
      yield* high.close
      yield* low.close
    })
  )
})

describe("Leadership while NATS is down", () => {
  it.live("a guard that cannot reach KV fails Unverified and leadership holds once the server is back", () =>
    Effect.gen(function* () {
      const own = yield* Effect.promise(() => startNatsServer())
      yield* Effect.addFinalizer(() => Effect.promise(() => own.stop()))
      const nc = yield* Effect.acquireRelease(
        Effect.promise(() => connect({ servers: own.url, maxReconnectAttempts: -1, reconnectTimeWait: 50 })),
        (c) => Effect.promise(() => c.close())
      )
      const scope = newScope()
      const leadership = yield* Leadership.make(nc, { ...timing, scope, id: "alone", requestTimeoutMs: 300 })
      const term = yield* leadership.awaitLeadership.pipe(Effect.timeout("5 seconds"))
      yield* Effect.promise(() => own.kill())
      const error = yield* leadership.guard.pipe(Effect.flip)
      expect(error.reason).toBe("Unverified")
      expect(error.message).toMatch(new RegExp(`^election ${scope}: cannot verify term ${term}: `))
      yield* Effect.promise(() => own.restart())
      // Alone in its scope it never stopped leading: once the server is back it proves the same term.
      const proven = yield* leadership.guard.pipe(
        Effect.retry({ schedule: Schedule.spaced("200 millis"), times: 50 }),
        Effect.timeout("15 seconds")
      )
      expect(proven).toBe(term)
    })
  )
})
