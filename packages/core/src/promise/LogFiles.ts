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
export type { ListOptions, LogFile } from "../LogFiles.ts"

/**
 * The files under `root` ({@link EffectFace.list}); rejects with a `FileError`.
 *
 * @since 0.1.0
 * @category listing
 */
export const list = fn(EffectFace.list)
