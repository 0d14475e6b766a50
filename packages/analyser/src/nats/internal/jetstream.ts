/**
 * What every JetStream module of the analyser shares: errors as `AnalyserError`s, "not found" told apart, the
 * JetStream clients of a connection, streams created or checked, core-NATS subscriptions as streams.
 */
import {
  JetStreamApiError,
  type JetStreamClient,
  type JetStreamManager,
  jetstream,
  jetstreamManager,
  type RetentionPolicy,
  StorageType
} from "@nats-io/jetstream"
import type { Msg, NatsConnection } from "@nats-io/nats-core"
import { Effect, Queue, Stream } from "effect"
import * as AnalyserError from "../../AnalyserError.ts"

export const transport = (what: string) => (cause: unknown) => AnalyserError.make("Transport", what, cause)

export const tryNats = <A>(what: string, f: () => Promise<A>) => Effect.tryPromise({ try: f, catch: transport(what) })

export const notFound = (error: unknown) =>
  error instanceof JetStreamApiError && [10059, 10014].includes(error.apiError().err_code)

export const ignoreNotFound = (error: unknown): undefined => {
  if (notFound(error)) return undefined
  throw error
}

export interface Clients {
  readonly js: JetStreamClient
  readonly jsm: JetStreamManager
}

/**
 * The connection's JetStream clients, made once per connection. They do not ask the server first whether JetStream
 * is there (nats.js's `checkAPI`, a round trip before every run's set-up could start): a server without it answers
 * the first request with "jetstream is not enabled", which the caller's error names.
 */
const made = new WeakMap<NatsConnection, Promise<Clients>>()
export const clients = (nc: NatsConnection) =>
  tryNats("JetStream is not available", () => {
    const known = made.get(nc)
    if (known !== undefined) return known
    const making = jetstreamManager(nc, { checkAPI: false }).then((jsm) => ({ js: jetstream(nc), jsm }))
    made.set(nc, making)
    making.catch(() => {
      if (made.get(nc) === making) made.delete(nc)
    })
    return making
  })

export interface StreamSpec {
  readonly name: string
  readonly subjects: ReadonlyArray<string>
  readonly retention: RetentionPolicy
  readonly duplicateWindow: number
  readonly replicas: number
  /** Start over: a left-over stream of an earlier run is deleted and made again, whatever its config. */
  readonly fresh?: boolean
}

/** "Stream name already in use with a different configuration": the answer to creating a stream that exists. */
const inUseOtherwise = (error: unknown) => error instanceof JetStreamApiError && error.apiError().err_code === 10058

/**
 * Creates the stream, or checks that a left-over one fits: another retention or other subjects is a Conflict (one
 * line naming it), another dedupe window or replica count is updated. One round trip when the stream is absent or
 * fits already (creating a stream that exists with the same config is a no-op that answers with its state); only a
 * misfit is looked at. `fresh`: a stream that ever held a message or has a consumer is an earlier run's, deleted and
 * made again (its messages and consumer go, and so do the message ids it remembers for dedupe, which would drop this
 * run's tasks as duplicates); a stream with neither is as good as new, and costs no delete.
 */
export const ensureStream = (
  jsm: JetStreamManager,
  spec: StreamSpec
): Effect.Effect<void, AnalyserError.AnalyserError> =>
  Effect.gen(function* () {
    const create = tryNats(`cannot create stream ${spec.name}`, () =>
      jsm.streams
        .add({
          name: spec.name,
          subjects: [...spec.subjects],
          retention: spec.retention,
          storage: StorageType.File,
          duplicate_window: spec.duplicateWindow,
          num_replicas: spec.replicas
        })
        .catch((error: unknown) => (inUseOtherwise(error) ? undefined : Promise.reject(error)))
    )
    const created = yield* create
    if (spec.fresh === true) {
      if (created !== undefined && created.state.last_seq === 0 && created.state.consumer_count === 0) return
      yield* deleteStream(jsm, spec.name)
      return yield* ensureStream(jsm, { ...spec, fresh: false })
    }
    if (created !== undefined) return
    const existing = yield* tryNats(`cannot read stream ${spec.name}`, () => jsm.streams.info(spec.name))
    const config = existing.config
    const sameSubjects = [...config.subjects].sort().join(",") === [...spec.subjects].sort().join(",")
    if (config.retention !== spec.retention || !sameSubjects) {
      return yield* AnalyserError.make(
        "Conflict",
        `stream ${spec.name} exists with another config (retention ${config.retention}, subjects ${config.subjects.join(" ")}; expected ${spec.retention}, ${spec.subjects.join(" ")}): start over with --fresh or pick another --run`
      )
    }
    if (config.duplicate_window !== spec.duplicateWindow || config.num_replicas !== spec.replicas) {
      yield* tryNats(`cannot update stream ${spec.name}`, () =>
        jsm.streams.update(spec.name, { duplicate_window: spec.duplicateWindow, num_replicas: spec.replicas })
      )
    }
  })

/** Removes a stream (gone already is fine). */
export const deleteStream = (jsm: JetStreamManager, stream: string) =>
  tryNats(`cannot delete stream ${stream}`, () => jsm.streams.delete(stream).catch(ignoreNotFound))

/**
 * Subscribes to core-NATS `subject` now, for the scope, and gives what arrives as a stream. The SUB goes out before
 * anything this connection publishes afterwards, and the server keeps that order.
 */
export const listening = (nc: NatsConnection, subject: string) =>
  Effect.gen(function* () {
    const queue = yield* Queue.unbounded<Msg>()
    yield* Effect.acquireRelease(
      Effect.sync(() => nc.subscribe(subject, { callback: (_error, msg) => void Queue.offerUnsafe(queue, msg) })),
      (sub) => Effect.sync(() => sub.unsubscribe())
    )
    return Stream.fromQueue(queue)
  })

/** The payloads of core-NATS messages on `subject` as a stream, subscribed while it runs. */
export const subscription = (nc: NatsConnection, subject: string) =>
  Stream.unwrap(listening(nc, subject)).pipe(Stream.map((msg) => msg.data))

export const parseJson = (data: Uint8Array): unknown => {
  try {
    return JSON.parse(new TextDecoder().decode(data))
  } catch {
    return undefined
  }
}
