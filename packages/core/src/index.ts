/**
 * @dla/core: shared types and pure logic for dla.
 *
 * @since 0.1.0
 */
export * as Counts from "./Counts.ts"
export * as DistributedContext from "./DistributedContext.ts"
export * as FileAnalysis from "./FileAnalysis.ts"
export * as Level from "./Level.ts"
export * as LogFormat from "./LogFormat.ts"
