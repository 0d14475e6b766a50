/**
 * @dla/core: shared types and pure logic for dla.
 *
 * @since 0.1.0
 */
/**
 * One atomic file write: temporary file, fsync, rename, fsync of the directory.
 *
 * @since 0.1.0
 * @category modules
 */
export * as AtomicFile from "./AtomicFile.ts"
/**
 * Level counts of one file, one byte range or a whole run, and how to merge them.
 *
 * @since 0.1.0
 * @category modules
 */
export * as Counts from "./Counts.ts"
/**
 * The sequential analyser: every log file of a directory, counted and merged.
 *
 * @since 0.1.0
 * @category modules
 */
export * as DirectoryAnalysis from "./DirectoryAnalysis.ts"
/**
 * Who this process is in a distributed job, read from its environment.
 *
 * @since 0.1.0
 * @category modules
 */
export * as DistributedContext from "./DistributedContext.ts"
/**
 * One way to turn anything thrown or failed into the one-line text of an error message.
 *
 * @since 0.1.0
 * @category modules
 */
export * as ErrorMessage from "./ErrorMessage.ts"
/**
 * Counting the levels of one file, or of one byte range of it, or of many small files in one call.
 *
 * @since 0.1.0
 * @category modules
 */
export * as FileAnalysis from "./FileAnalysis.ts"
/**
 * The one error of file work in core.
 *
 * @since 0.1.0
 * @category modules
 */
export * as FileError from "./FileError.ts"
/**
 * Following a directory of logs as they grow (tail -F semantics), keeping exact counts.
 *
 * @since 0.1.0
 * @category modules
 */
export * as Follow from "./Follow.ts"
/**
 * Sample logs.
 *
 * @since 0.1.0
 * @category modules
 */
export * as Generator from "./Generator.ts"
/**
 * Glob patterns to regular expressions, one dialect for every dla package.
 *
 * @since 0.1.0
 * @category modules
 */
export * as Glob from "./Glob.ts"
/**
 * Canonical log levels and their aliases.
 *
 * @since 0.1.0
 * @category modules
 */
export * as Level from "./Level.ts"
/**
 * Promise work over many items, a few at once.
 *
 * @since 0.2.0
 * @category modules
 */
export * as Limited from "./Limited.ts"
/**
 * Finding the files to analyse.
 *
 * @since 0.1.0
 * @category modules
 */
export * as LogFiles from "./LogFiles.ts"
/**
 * Log formats.
 *
 * @since 0.1.0
 * @category modules
 */
export * as LogFormat from "./LogFormat.ts"
/**
 * The Promise face's one derivation: Effect operations, services and scoped resources as Promises.
 *
 * @since 0.1.0
 * @category modules
 */
export * as PromiseFace from "./PromiseFace.ts"
/**
 * A small seeded pseudo-random generator (mulberry32).
 *
 * @since 0.1.0
 * @category modules
 */
export * as Random from "./Random.ts"
