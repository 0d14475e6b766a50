/**
 * The Promise face of {@link DirectoryAnalysis}: the sequential analyser of a directory, for code without Effect.
 *
 * @since 0.1.0
 */

import * as EffectFace from "../DirectoryAnalysis.ts"
import { fn } from "../PromiseFace.ts"

/**
 * The same options and result as the Effect face.
 *
 * @since 0.1.0
 * @category models
 */
export type { AnalyseOptions, DirectoryResult, Progress } from "../DirectoryAnalysis.ts"

/**
 * Counts every file under `root` ({@link EffectFace.analyse}); rejects with the first `FileError` that is not
 * a skip (binary and unsupported compressed files are skipped and listed in the result).
 *
 * @since 0.1.0
 * @category analysis
 */
export const analyse = fn(EffectFace.analyse)
