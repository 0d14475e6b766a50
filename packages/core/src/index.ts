/**
 * @dla/core: shared types and pure logic for dla.
 *
 * @since 0.1.0
 */
export * as AtomicFile from "./AtomicFile.ts"
export * as Counts from "./Counts.ts"
export * as DirectoryAnalysis from "./DirectoryAnalysis.ts"
export * as DistributedContext from "./DistributedContext.ts"
export * as ErrorMessage from "./ErrorMessage.ts"
export * as FileAnalysis from "./FileAnalysis.ts"
export * as FileError from "./FileError.ts"
export * as Follow from "./Follow.ts"
export * as Generator from "./Generator.ts"
export * as Glob from "./Glob.ts"
export * as Level from "./Level.ts"
export * as LogFiles from "./LogFiles.ts"
export * as LogFormat from "./LogFormat.ts"
export * as Random from "./Random.ts"
