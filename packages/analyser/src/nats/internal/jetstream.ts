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
 * The connection's JetStream clients. Making the manager asks the server once whether JetStream is there (a round
 * trip), so it is made once per connection, not once per module that needs it.
 */
const made = new WeakMap<NatsConnection, Clients>()
export const clients = (nc: NatsConnection) =>
  Effect.suspend(() => {
    const known = made.get(nc)
    if (known !== undefined) return Effect.succeed(known)
    return tryNats("JetStream is not available", () => jetstreamManager(nc)).pipe(
      Effect.map((jsm) => {
        const found = { js: jetstream(nc), jsm }
        made.set(nc, found)
        return found
      })
    )
  })

export interface StreamSpec {
  readonly name: string
  readonly subjects: ReadonlyArray<string>
  readonly retention: RetentionPolicy
  readonly duplicateWindow: number
  readonly replicas: number
}

/** "Stream name already in use with a different configuration": the answer to creating a stream that exists. */
const inUseOtherwise = (error: unknown) => error instanceof JetStreamApiError && error.apiError().err_code === 10058

/**
 * Creates the stream, or checks that a left-over one fits: another retention or other subjects is a Conflict (one
 * line naming it), another dedupe window or replica count is updated. One round trip when the stream is absent or
 * fits already (creating a stream that exists with the same config is a no-op); only a misfit is looked at.
 */
export const ensureStream = (jsm: JetStreamManager, spec: StreamSpec) =>
  Effect.gen(function* () {
    const created = yield* tryNats(`cannot create stream ${spec.name}`, () =>
      jsm.streams
        .add({
          name: spec.name,
          subjects: [...spec.subjects],
          retention: spec.retention,
          storage: StorageType.File,
          duplicate_window: spec.duplicateWindow,
          num_replicas: spec.replicas
        })
        .then(
          () => true,
          (error: unknown) => (inUseOtherwise(error) ? false : Promise.reject(error))
        )
    )
    if (created) return
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
