/**
 * @dla/analyser's Promise face (`@dla/analyser/promise`): a run in this process (`Embedded`), with the same
 * functions and options as `@dla/analyser`, for code without Effect (see `@dla/core`'s `PromiseFace`); runs on NATS
 * are in `@dla/analyser/nats/promise`. The services and Layers the runs are built from (`Master`, `Worker`, `TaskQueue`, ...) are the
 * Effect face's alone.
 *
 * @since 0.1.0
 */
/**
 * @since 0.1.0
 * @category modules
 */
export * as AnalyserError from "./AnalyserError.ts"
/**
 * @since 0.1.0
 * @category modules
 */
export * as Embedded from "./promise/Embedded.ts"
