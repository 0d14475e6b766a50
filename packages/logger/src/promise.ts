/**
 * @dla/logger's Promise face (`@dla/logger/promise`), for code without Effect: logging is synchronous in this package
 * (a log call writes its line, as Python's `logging` does), so the face is `Logging` itself, with the aggregator and
 * the formats. The Effect face adds `EffectLogger`, which routes `Effect.log` through the same sinks.
 *
 * @since 0.1.0
 */
/**
 * @since 0.1.0
 * @category modules
 */
export * as Aggregator from "./Aggregator.ts"
/**
 * @since 0.1.0
 * @category modules
 */
export * as Format from "./Format.ts"
/**
 * @since 0.1.0
 * @category modules
 */
export * as LogConfig from "./LogConfig.ts"
/**
 * @since 0.1.0
 * @category modules
 */
export * as Logging from "./Logging.ts"
