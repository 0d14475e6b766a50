/**
 * The Promise face of {@link EffectFace}: a time-bounded lease on a KV key, for code without Effect.
 *
 * @since 0.1.0
 */
import { PromiseFace } from "@dla/core"
import * as EffectFace from "../Lease.ts"

/**
 * The same options as the Effect face.
 *
 * @since 0.1.0
 * @category models
 */
export type { BucketOptions, LeaseOptions } from "../Lease.ts"

/**
 * The bucket, the default ttl and the error, shared with the Effect face.
 *
 * @since 0.1.0
 * @category constants
 */
export { DEFAULT_TTL_SECONDS, defaultBucket, LeaseError } from "../Lease.ts"

/**
 * A running contender: `isHeld()`, `term()`, `assertHeld()` (rejects with a `LeaseError` when not held) and
 * `close()`, which stops renewing and releases a held lease.
 *
 * @since 0.1.0
 * @category models
 */
export type Lease = PromiseFace.Promised<EffectFace.Lease> & PromiseFace.Closeable

/**
 * Opens the lease bucket, creating it when missing; rejects with a `BucketError`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const openBucket = PromiseFace.fn(EffectFace.openBucket)

/**
 * Starts contending for the lease ({@link EffectFace.make}); renews it until `close()`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: EffectFace.LeaseOptions): Promise<Lease> => PromiseFace.scoped(EffectFace.make(options))
