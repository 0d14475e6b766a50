/**
 * The Promise face of {@link EffectFace}: opening a KV bucket, creating it when missing, for code without Effect.
 *
 * @since 0.1.0
 */
import { PromiseFace } from "@dla/core"
import * as EffectFace from "../KvBucket.ts"

/**
 * The same settings and error as the Effect face.
 *
 * @since 0.1.0
 * @category models
 */
export type { Settings } from "../KvBucket.ts"

/**
 * The error of a bucket that cannot be opened or created.
 *
 * @since 0.1.0
 * @category errors
 */
export { BucketError } from "../KvBucket.ts"

/**
 * Opens the bucket, creating it with `settings` when missing; rejects with a `BucketError`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const create = PromiseFace.fn(EffectFace.create)
