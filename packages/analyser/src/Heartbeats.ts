/**
 * Heartbeats: each worker says it is alive (and what it is working on) every interval; the master marks a worker
 * silent past its timeout as failed.
 *
 * @since 0.1.0
 */
import { Context, Effect, Layer, PubSub, Schema, type Scope, Stream } from "effect"
import type * as AnalyserError from "./AnalyserError.ts"

/**
 * What a worker says it holds and has done, every heartbeat interval.
 *
 * @since 0.1.0
 * @category models
 */
export const Heartbeat = Schema.Struct({
  workerId: Schema.String,
  /** Task ids the worker holds right now. */
  inFlight: Schema.Array(Schema.String),
  /** Tasks finished by this worker so far. */
  done: Schema.Number
})

/**
 * A decoded {@link Heartbeat}.
 *
 * @since 0.1.0
 * @category models
 */
export type Heartbeat = typeof Heartbeat.Type

/**
 * How workers send heartbeats and the master hears them.
 *
 * @since 0.1.0
 * @category services
 */
export class Heartbeats extends Context.Service<
  Heartbeats,
  {
    readonly beat: (heartbeat: Heartbeat) => Effect.Effect<void, AnalyserError.AnalyserError>
    /**
     * Starts listening: every heartbeat sent after this returns is in the stream, for the rest of the scope (earlier
     * ones are not replayed: only liveness matters). The master listens before it publishes any task, so a worker
     * that takes a task and dies at once is still seen, and marked failed.
     */
    readonly listen: Effect.Effect<Stream.Stream<Heartbeat, AnalyserError.AnalyserError>, never, Scope.Scope>
  }
>()("@dla/analyser/Heartbeats") {}

/**
 * Default interval between two heartbeats of a worker, and the silence after which the master marks it failed.
 *
 * @since 0.1.0
 * @category constants
 */
export const defaults = { interval: "1 second", timeout: "5 seconds" } as const

/**
 * In-process heartbeats: what is beaten here is heard by whoever listens here.
 *
 * @since 0.2.0
 * @category constructors
 */
export const makeMemory = Effect.gen(function* () {
  const hub = yield* PubSub.unbounded<Heartbeat>()
  return Heartbeats.of({
    beat: (heartbeat) => PubSub.publish(hub, heartbeat).pipe(Effect.asVoid),
    listen: PubSub.subscribe(hub).pipe(Effect.map(Stream.fromSubscription))
  })
})

/**
 * In-process heartbeats (the embedded engine).
 *
 * @since 0.1.0
 * @category layers
 */
export const layerMemory = Layer.effect(Heartbeats, makeMemory)

/**
 * A listener's heartbeats heard from two places, e.g. a master's own workers in process beside the others over NATS;
 * beats go out through the first.
 *
 * @since 0.2.0
 * @category combinators
 */
export const merge = (first: Heartbeats["Service"], second: Heartbeats["Service"]): Heartbeats["Service"] =>
  Heartbeats.of({
    beat: first.beat,
    listen: Effect.zipWith(first.listen, second.listen, (a, b) => Stream.merge(a, b))
  })

/**
 * `heartbeats` listened to from now on, for one listener: its `listen` hands out the stream of every beat since, so a
 * listener that starts late still hears who joined meanwhile (a master's workers may join as it sets the run up).
 *
 * @since 0.2.0
 * @category combinators
 */
export const listenNow = (
  heartbeats: Heartbeats["Service"]
): Effect.Effect<Heartbeats["Service"], never, Scope.Scope> =>
  Effect.map(heartbeats.listen, (since) => Heartbeats.of({ beat: heartbeats.beat, listen: Effect.succeed(since) }))
