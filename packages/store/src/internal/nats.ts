/**
 * The stream and KV bucket of a store, made on first use, and retries through the cluster's bad moments.
 */
import {
  type JetStreamApiError,
  type JetStreamClient,
  type JetStreamManager,
  jetstream,
  jetstreamManager,
  type StreamInfoRequestOptions
} from "@nats-io/jetstream"
import { type KV, Kvm } from "@nats-io/kv"
import type { NatsConnection } from "@nats-io/nats-core"
import * as StoreError from "../StoreError.ts"
import { bucketOf } from "./naming.ts"

export interface Handles {
  readonly js: JetStreamClient
  readonly jsm: JetStreamManager
  readonly kv: KV
  readonly stream: string
}

/** How long a message id is remembered: well beyond any retry of an unacknowledged publish. */
export const DUPLICATE_WINDOW_MS = 10 * 60_000
const nanos = (ms: number) => ms * 1_000_000

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** JetStream's API error code (10071: wrong last sequence), if `error` carries one. */
export const apiCode = (error: unknown): number | undefined =>
  typeof error === "object" &&
  error !== null &&
  "code" in error &&
  typeof (error as JetStreamApiError).code === "number"
    ? (error as JetStreamApiError).code
    : undefined

/**
 * Runs `attempt` until it succeeds, for at most `forMs` by `now` (the caller's clock: the Effect faces pass their
 * `Clock`'s): mid-election a cluster answers "no responders" or times out for a few seconds. `isFinal` errors are
 * thrown at once.
 */
export const retrier =
  (forMs: number, now: () => number) =>
  async <A>(
    what: string,
    attempt: () => Promise<A>,
    isFinal: (error: unknown) => boolean = () => false
  ): Promise<A> => {
    const deadline = now() + forMs
    for (let pause = 100; ; pause = Math.min(pause * 2, 2_000)) {
      try {
        return await attempt()
      } catch (error) {
        if (isFinal(error) || now() + pause > deadline) throw StoreError.fromUnknown("Unavailable", what)(error)
        await sleep(pause)
      }
    }
  }

/** A {@link retrier}'s retry. */
export type Retry = ReturnType<typeof retrier>

/**
 * STREAM.INFO as the stream's leader knows it. While a replicated stream has no leader (an election, a node just
 * restarted), nats-server 2.9 lets any of its members answer with that member's own state, which may be far behind:
 * such an answer (no leader named) fails, for the caller's retry to ask again.
 */
export const leaderInfo = async (jsm: JetStreamManager, name: string, options?: Partial<StreamInfoRequestOptions>) => {
  const info = await jsm.streams.info(name, options)
  if (info.cluster !== undefined && !info.cluster.leader) {
    throw new Error(`stream ${name} has no leader (an election is under way)`)
  }
  return info
}

const streamExists = (jsm: JetStreamManager, name: string) =>
  jsm.streams.info(name).then(
    () => true,
    (error: unknown) => {
      if (apiCode(error) === 10059) return false // stream not found
      throw error
    }
  )

export interface OpenOptions {
  readonly stream: string
  /** Replicas of a stream and bucket made here (an existing one keeps its own). */
  readonly replicas: number
  /** Make the stream and bucket when missing (shippers); readers fail with NotFound instead. */
  readonly create: boolean
  readonly retry: Retry
}

export const open = async (nc: NatsConnection, options: OpenOptions): Promise<Handles> => {
  const { stream, replicas, retry } = options
  const js = jetstream(nc, { timeout: 10_000 })
  const jsm = await retry("JetStream", () => jetstreamManager(nc, { timeout: 10_000 }))
  const exists = await retry(`stream ${stream}`, () => streamExists(jsm, stream))
  if (!exists) {
    if (!options.create) {
      throw new StoreError.StoreError({
        reason: "NotFound",
        message: `no log store '${stream}' on this NATS (ship some logs first)`
      })
    }
    await retry(`creating stream ${stream}`, () =>
      jsm.streams
        .add({
          name: stream,
          subjects: [`${stream}.>`],
          num_replicas: replicas,
          duplicate_window: nanos(DUPLICATE_WINDOW_MS)
        })
        .catch((error: unknown) => {
          if (apiCode(error) === 10058) return undefined // made by another shipper meanwhile
          throw error
        })
    )
  }
  const kvm = new Kvm(js)
  const bucket = bucketOf(stream)
  // Opened when it exists (whatever its replicas: `create` would fail on other replicas), made only when it does not.
  const kv = await retry(`KV bucket ${bucket}`, async () => {
    return (await streamExists(jsm, `KV_${bucket}`)) || !options.create
      ? kvm.open(bucket)
      : kvm.create(bucket, { replicas, history: 1 })
  })
  return { js, jsm, kv, stream }
}
