/**
 * Opening a JetStream KV bucket, creating it when missing: the one place every dla component does it.
 *
 * @since 0.1.0
 */
import { jetstream } from "@nats-io/jetstream"
import { type KV, Kvm } from "@nats-io/kv"
import type { NatsConnection } from "@nats-io/nats-core"
import { Effect, Schedule, Schema } from "effect"
import { describe } from "./internal/kv.ts"

/**
 * How a bucket is made when this call creates it; an existing bucket is used as it is.
 *
 * @since 0.1.0
 * @category models
 */
export interface Settings {
  /** Copies on a cluster (1 by default; 3 on a 3-node cluster). */
  readonly replicas?: number
  /** Values kept per key (1 by default). */
  readonly history?: number
  /** JetStream request timeout in ms (the client's default when absent). */
  readonly timeoutMs?: number
}

/**
 * A bucket could not be created or opened.
 *
 * @since 0.1.0
 * @category errors
 */
export class BucketError extends Schema.TaggedError<BucketError>()("BucketError", {
  bucket: Schema.String,
  cause: Schema.Unknown
}) {
  override get message(): string {
    return `cannot open KV bucket ${this.bucket}: ${describe(this.cause)}`
  }
}

/**
 * Opens `bucket`, creating it with `settings` when it does not exist. Creators starting together can see one creation
 * refused on nats-server 2.9 ("subjects overlap with an existing stream"): the next try, 200 ms later, finds the
 * bucket made. Two round trips (look the bucket's stream up, create it when absent): nats.js would first ask whether
 * JetStream is there, a third one that tells nothing more, since a server without JetStream answers the look-up with
 * "jetstream is not enabled" just the same.
 *
 * @since 0.1.0
 * @category constructors
 */
export const create = (nc: NatsConnection, bucket: string, settings: Settings = {}): Effect.Effect<KV, BucketError> =>
  Effect.tryPromise({
    try: () =>
      new Kvm(
        jetstream(nc, { checkAPI: false, ...(settings.timeoutMs === undefined ? {} : { timeout: settings.timeoutMs }) })
      ).create(bucket, {
        history: settings.history ?? 1,
        replicas: settings.replicas ?? 1
      }),
    catch: (cause) => new BucketError({ bucket, cause })
  }).pipe(Effect.retry({ times: 3, schedule: Schedule.spaced("200 millis") }))
