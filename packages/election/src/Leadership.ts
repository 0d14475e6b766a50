/**
 * Leadership of one scope (a run id, a copy job) among any number of candidate processes: the bully algorithm over
 * NATS core subjects `dla.<scope>.election.*`, terms claimed by compare-and-set on the JetStream KV key
 * `election.<scope>.term` (bucket `dla_leases`), and fencing so that a replaced leader can never write.
 *
 * @since 0.1.0
 */

import type { KV } from "@nats-io/kv"
import type { NatsConnection } from "@nats-io/nats-core"
import { Clock, Context, Effect, Layer, Option, Queue, type Scope, Stream } from "effect"
import * as Candidate from "./Candidate.ts"
import { ElectionError, Fenced } from "./ElectionError.ts"
import * as FencedKv from "./FencedKv.ts"
import { Engine, type Role, type State, type Timing } from "./internal/engine.ts"
import { describe } from "./internal/kv.ts"
import { isValidScope } from "./internal/protocol.ts"
import * as Lease from "./Lease.ts"

/**
 * This node's view of the election: its role, the newest term it knows and that term's leader.
 *
 * @since 0.1.0
 * @category models
 */
export type { Role, State }

/**
 * Default timing, for candidates on one LAN or one machine (see docs/election.md):
 * heartbeats every 250 ms, a leader is presumed dead after 1 s of silence (4 missed beats, which tolerates GC and
 * scheduling hiccups on a loaded 2-core box), higher candidates must answer ELECTION within 250 ms (a NATS round
 * trip is well under 1 ms; the rest is event-loop slack), and a candidate that got an OK waits 1 s for COORDINATOR.
 * Failover (leader lost -> successor leads) is then 1.0-1.3 s.
 *
 * @since 0.1.0
 * @category constants
 */
export const defaultTiming: Timing = {
  heartbeatMs: 250,
  leaderTimeoutMs: 1_000,
  answerTimeoutMs: 250,
  coordinatorTimeoutMs: 1_000,
  requestTimeoutMs: 1_000
}

/**
 * The election's timing: heartbeats, the silence that starts an election, the wait for answers.
 *
 * @since 0.1.0
 * @category models
 */
export type { Timing }

/**
 * How to join an election: its scope, this candidate's id and priority, the term bucket and the timing.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options extends Partial<Timing> {
  /** What is being led, e.g. the run id: one token of letters, digits, `-` and `_`. */
  readonly scope: string
  /** Unique candidate id; `<host>/<pid>` by default. */
  readonly id?: string
  /** Higher wins; by default derived from `rank` (rank 0 first), else 0 with the id breaking ties. */
  readonly priority?: number
  readonly rank?: number
  /** KV bucket of the term keys; created when missing. */
  readonly bucket?: string
  /** Replicas of the bucket when this call creates it (1 by default; 3 on a 3-node cluster). */
  readonly replicas?: number
}

/**
 * The KV bucket of the term keys: `dla_leases`, shared with every {@link Lease}.
 *
 * @since 0.1.0
 * @category constants
 */
export const defaultBucket = Lease.defaultBucket

/**
 * This node's part in the election of one scope: its state, the wait for leadership, and fenced actions.
 *
 * @since 0.1.0
 * @category services
 */
export class Leadership extends Context.Service<
  Leadership,
  {
    readonly scope: string
    readonly self: Candidate.Candidate
    /** The current state, then every change. */
    readonly changes: Stream.Stream<State>
    readonly state: Effect.Effect<State>
    readonly isLeader: Effect.Effect<boolean>
    /** Waits until this node leads; returns its term. */
    readonly awaitLeadership: Effect.Effect<number>
    /** Gives up leadership and candidacy for the rest of the scope; followers elect a successor at once. */
    readonly resign: Effect.Effect<void>
    /**
     * Proves that this node leads the newest term (a CAS on the term key) and returns that term. Fails with
     * `Fenced` otherwise; on `Superseded` the node has already stepped down.
     */
    readonly guard: Effect.Effect<number, Fenced>
    /** Runs `effect` only after {@link guard} succeeds. */
    readonly fenced: <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E | Fenced, R>
    /**
     * {@link guard}, then `FencedKv.write` stamped with this node's term: the write that a stale leader can never
     * make. Returns the term written and the new revision of `key`.
     */
    readonly writeFenced: (kv: KV, key: string, value: unknown) => Effect.Effect<FencedKv.Written, Fenced>
    /**
     * {@link guard}, then `FencedKv.adopt`: on taking over, re-stamps a key's current value with this node's term and
     * returns it (`undefined` when absent). Resume from that value: nothing an older leader writes later can land.
     */
    readonly adoptFenced: (kv: KV, key: string) => Effect.Effect<FencedKv.Stamped | undefined, Fenced>
    /**
     * The leader's main loop: waits for leadership, runs `run(term)`, and interrupts it as soon as this node stops
     * leading that term, then waits to lead again. A failure of `run` with `Fenced`, or with any error once the
     * term is lost, counts as the loss; other failures end the loop. Returns what `run` returns when it completes
     * while still leading.
     */
    readonly whileLeading: <A, E, R>(
      run: (term: number) => Effect.Effect<A, E, R>
    ) => Effect.Effect<A, Exclude<E, Fenced>, R>
  }
>()("@dla/election/Leadership") {}

const validate = (options: Options, timing: Timing) =>
  Effect.gen(function* () {
    const fail = (detail: string) => new ElectionError({ scope: options.scope, detail })
    if (!isValidScope(options.scope)) {
      return yield* fail("scope must be letters, digits, '-' or '_' (it becomes a NATS subject token)")
    }
    for (const [name, ms] of Object.entries(timing)) {
      if (!(Number.isFinite(ms) && ms > 0)) return yield* fail(`${name} must be a positive number of ms, got ${ms}`)
    }
    if (timing.heartbeatMs >= timing.leaderTimeoutMs) {
      return yield* fail(
        `heartbeatMs (${timing.heartbeatMs}) must be below leaderTimeoutMs (${timing.leaderTimeoutMs})`
      )
    }
  })

/**
 * Joins the election of `options.scope`; leaving the scope resigns and stops every timer and subscription.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (
  nc: NatsConnection,
  options: Options
): Effect.Effect<Leadership["Service"], ElectionError, Scope.Scope> =>
  Effect.gen(function* () {
    const timing: Timing = {
      heartbeatMs: options.heartbeatMs ?? defaultTiming.heartbeatMs,
      leaderTimeoutMs: options.leaderTimeoutMs ?? defaultTiming.leaderTimeoutMs,
      answerTimeoutMs: options.answerTimeoutMs ?? defaultTiming.answerTimeoutMs,
      coordinatorTimeoutMs: options.coordinatorTimeoutMs ?? defaultTiming.coordinatorTimeoutMs,
      requestTimeoutMs: options.requestTimeoutMs ?? defaultTiming.requestTimeoutMs
    }
    yield* validate(options, timing)
    const self: Candidate.Candidate = {
      id: options.id ?? Candidate.defaultId(),
      priority: options.priority ?? Candidate.defaultPriority(options.rank)
    }
    const kv = yield* Lease.openBucket(nc, {
      bucket: options.bucket ?? defaultBucket,
      ...(options.replicas !== undefined ? { replicas: options.replicas } : {}),
      timeoutMs: timing.requestTimeoutMs
    }).pipe(Effect.mapError((cause) => new ElectionError({ scope: options.scope, detail: cause.message, cause })))
    const clock = yield* Clock.Clock
    const engine = new Engine({
      ...timing,
      nc,
      kv,
      scope: options.scope,
      self,
      now: () => clock.currentTimeMillisUnsafe()
    })
    yield* Effect.acquireRelease(
      Effect.tryPromise({
        try: () => engine.start(),
        catch: (e) =>
          new ElectionError({ scope: options.scope, detail: `cannot join the election: ${describe(e)}`, cause: e })
      }),
      () => Effect.promise(() => engine.stop())
    )

    const changes: Stream.Stream<State> = Stream.callback<State>((queue) =>
      Effect.acquireRelease(
        Effect.sync(() => {
          Queue.offerUnsafe(queue, engine.current)
          return engine.listen((state) => Queue.offerUnsafe(queue, state))
        }),
        (stop) => Effect.sync(stop)
      )
    )

    const guard: Effect.Effect<number, Fenced> = Effect.flatMap(
      Effect.promise(() => engine.guard()),
      (result) =>
        result.ok
          ? Effect.succeed(result.term)
          : Effect.fail(
              new Fenced({
                reason: result.reason,
                scope: options.scope,
                term: result.term,
                currentTerm: result.currentTerm,
                currentLeader: result.currentLeader,
                detail: result.detail,
                cause: result.cause
              })
            )
    )

    const awaitLeadership = changes.pipe(
      Stream.filter((state) => state.role === "leader"),
      Stream.runHead,
      Effect.map((state) => Option.getOrThrow(state).term)
    )

    const lost = (term: number) =>
      changes.pipe(
        Stream.filter((state) => state.role !== "leader" || state.term !== term),
        Stream.runHead,
        Effect.as(Option.none())
      )

    const writer = (term: number): FencedKv.Writer => ({ scope: options.scope, term, leader: self.id })

    const leads = (term: number) => engine.current.role === "leader" && engine.current.term === term

    const whileLeading = <A, E, R>(run: (term: number) => Effect.Effect<A, E, R>) =>
      Effect.gen(function* () {
        while (true) {
          const term = yield* awaitLeadership
          const led = run(term).pipe(
            Effect.map(Option.some),
            Effect.catchIf(
              (e): e is Extract<E, Fenced> => e instanceof Fenced,
              () => Effect.succeed(Option.none<A>())
            ),
            // Any other failure once the term is lost is a consequence of the loss (a Fenced the caller wrapped).
            Effect.catchIf(
              () => !leads(term),
              () => Effect.succeed(Option.none<A>())
            )
          )
          const outcome = yield* Effect.raceFirst(led, lost(term))
          if (Option.isSome(outcome)) return outcome.value
        }
        // Exclude<E, Extract<E, Fenced>> is Exclude<E, Fenced>; TypeScript cannot prove it for a generic E.
      }) as Effect.Effect<A, Exclude<E, Fenced>, R>

    return Leadership.of({
      scope: options.scope,
      self,
      changes,
      state: Effect.sync(() => engine.current),
      isLeader: Effect.sync(() => engine.current.role === "leader"),
      awaitLeadership,
      resign: Effect.sync(() => engine.resign()),
      guard,
      fenced: (effect) => Effect.andThen(guard, effect),
      writeFenced: (kv, key, value) => Effect.flatMap(guard, (term) => FencedKv.write(kv, key, value, writer(term))),
      adoptFenced: (kv, key) => Effect.flatMap(guard, (term) => FencedKv.adopt(kv, key, writer(term))),
      whileLeading
    })
  })

/**
 * The {@link Leadership} service for `options.scope`, scoped to the layer's lifetime.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (nc: NatsConnection, options: Options): Layer.Layer<Leadership, ElectionError> =>
  Layer.effect(Leadership, make(nc, options))
