/**
 * The Promise face of {@link FileAnalysis}: counting the levels of one file, a byte range of it, a batch of small
 * files or a stream, for code without Effect.
 *
 * @since 0.1.0
 */
import * as EffectFace from "../FileAnalysis.ts"

/**
 * The same models as the Effect face.
 *
 * @since 0.1.0
 * @category models
 */
export type { AnalyseOptions, BatchOutcome, BatchPart, ByteRange, FileResult } from "../FileAnalysis.ts"

/**
 * The operations that are plain functions or Promises in the Effect module too, and what the runtime can do.
 *
 * @since 0.1.0
 * @category analysis
 */
export {
  analyseBatch,
  analyseStream,
  detectFormat,
  hasZstd,
  isCompressedName,
  kernel,
  splitRanges
} from "../FileAnalysis.ts"

/**
 * Counts the levels of a file, or of `options.range` of it ({@link EffectFace.analyse}); rejects with a
 * `FileError` (`NotFound`, `NotAFile`, `Unreadable`, `Binary`, `Unsupported`, `Corrupt`, `RangeOnCompressed`).
 *
 * @since 0.1.0
 * @category analysis
 */
export const analyse: (path: string, options?: EffectFace.AnalyseOptions) => Promise<EffectFace.FileResult> =
  EffectFace.analyseFile
