/**
 * The Promise face of {@link Lease}: one copier per copy name across processes and hosts, for code without Effect.
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
export type { LeaseOptions } from "../Lease.ts"

/**
 * The bucket, the default ttl and the key of a copy name, shared with the Effect face.
 *
 * @since 0.1.0
 * @category keys
 */
export { BUCKET, DEFAULT_TTL_SECONDS, keyFor } from "../Lease.ts"

/**
 * A running lease: `isHeld()`, `term()`, `assertHeld()` (rejects with an `HdfsError` when not held) and `close()`,
 * which stops renewing and releases a held lease.
 *
 * @since 0.1.0
 * @category models
 */
export type Lease = PromiseFace.Promised<EffectFace.Lease> & PromiseFace.Closeable

/**
 * Starts contending for the lease ({@link EffectFace.make}); renews it until `close()`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: EffectFace.LeaseOptions): Promise<Lease> => PromiseFace.scoped(EffectFace.make(options))
