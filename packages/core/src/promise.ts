/**
 * @dla/core's Promise face (`@dla/core/promise`): the same modules, functions and options as `@dla/core`, for code
 * without Effect. An operation that is an Effect there returns a Promise here (rejecting with the same tagged error),
 * a Stream is an AsyncIterable; modules without effects are the same modules.
 *
 * @since 0.1.0
 */
/**
 * @since 0.1.0
 * @category modules
 */
export * as Counts from "./Counts.ts"
/**
 * @since 0.1.0
 * @category modules
 */
export * as FileError from "./FileError.ts"
/**
 * @since 0.1.0
 * @category modules
 */
export * as Glob from "./Glob.ts"
/**
 * @since 0.1.0
 * @category modules
 */
export * as Level from "./Level.ts"
/**
 * @since 0.1.0
 * @category modules
 */
export * as LogFormat from "./LogFormat.ts"
/**
 * @since 0.1.0
 * @category modules
 */
export * as DirectoryAnalysis from "./promise/DirectoryAnalysis.ts"
/**
 * @since 0.1.0
 * @category modules
 */
export * as DistributedContext from "./promise/DistributedContext.ts"
/**
 * @since 0.1.0
 * @category modules
 */
export * as FileAnalysis from "./promise/FileAnalysis.ts"
/**
 * @since 0.1.0
 * @category modules
 */
export * as Follow from "./promise/Follow.ts"
/**
 * @since 0.1.0
 * @category modules
 */
export * as Generator from "./promise/Generator.ts"
/**
 * @since 0.1.0
 * @category modules
 */
export * as LogFiles from "./promise/LogFiles.ts"
/**
 * @since 0.1.0
 * @category modules
 */
export * as Random from "./Random.ts"
