/**
 * @dla/logger: rank-aware logging for distributed jobs (console prefixes, per-rank files, node-local aggregation),
 * as a plain synchronous facade and as an Effect logger writing through the same sinks.
 *
 * @since 0.1.0
 */
/**
 * Merges the ranks' message files of a node into its per-node file.
 *
 * @since 0.1.0
 * @category modules
 */
export * as Aggregator from "./Aggregator.ts"
/**
 * Effect integration.
 *
 * @since 0.1.0
 * @category modules
 */
export * as EffectLogger from "./EffectLogger.ts"
/**
 * How a record looks on the console, in per-rank files, in node-local message files and in the per-node file.
 *
 * @since 0.1.0
 * @category modules
 */
export * as Format from "./Format.ts"
/**
 * What the logger does, decided once from `initLogging` options and the environment (pure.
 *
 * @since 0.1.0
 * @category modules
 */
export * as LogConfig from "./LogConfig.ts"
/**
 * The plain synchronous facade, for code with or without Effect.
 *
 * @since 0.1.0
 * @category modules
 */
export * as Logging from "./Logging.ts"
