/**
 * @dla/logger: rank-aware logging for distributed jobs (console prefixes, per-rank files, node-local aggregation),
 * as a plain synchronous facade and as an Effect logger writing through the same sinks.
 *
 * @since 0.1.0
 */
export * as Aggregator from "./Aggregator.ts"
export * as EffectLogger from "./EffectLogger.ts"
export * as Format from "./Format.ts"
export * as LogConfig from "./LogConfig.ts"
export * as Logging from "./Logging.ts"
