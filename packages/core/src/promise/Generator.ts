/**
 * The Promise face of {@link Generator}: sample log files, for code without Effect.
 *
 * @since 0.1.0
 */

import * as EffectFace from "../Generator.ts"
import { fn } from "../PromiseFace.ts"

/**
 * The same models as the Effect face.
 *
 * @since 0.1.0
 * @category models
 */
export type { GeneratedFile, GenerateOptions, Style } from "../Generator.ts"

/**
 * The vocabulary and file names, shared with the Effect face.
 *
 * @since 0.1.0
 * @category constants
 */
export { assignmentFileName, assignmentMessages, fileName, levels, messages, styles } from "../Generator.ts"

/**
 * Writes the files into `dir` (created when missing) and resolves to what it wrote ({@link EffectFace.generate});
 * rejects with a `FileError`.
 *
 * @since 0.1.0
 * @category generation
 */
export const generate = fn(EffectFace.generate)
