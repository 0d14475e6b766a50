/**
 * The Promise face of {@link LogFiles}: the files under a directory, for code without Effect.
 *
 * @since 0.1.0
 */

import * as EffectFace from "../LogFiles.ts"
import { fn } from "../PromiseFace.ts"

/**
 * The same models as the Effect face.
 *
 * @since 0.1.0
 * @category models
 */
export type { Found, ListOptions, LogFile } from "../LogFiles.ts"

/**
 * The files under `root` ({@link EffectFace.list}); rejects with a `FileError`.
 *
 * @since 0.1.0
 * @category listing
 */
export const list = fn(EffectFace.list)

/**
 * The files under `root` without a stat of each regular file ({@link EffectFace.find}); rejects with a `FileError`.
 *
 * @since 0.1.0
 * @category listing
 */
export const find = fn(EffectFace.find)

/**
 * Whether files found hold at least so many bytes, with few stats: a plain function in the Effect module too.
 *
 * @since 0.1.0
 * @category listing
 */
export { holdsAtLeast } from "../LogFiles.ts"
