/**
 * @dla/dashboard: a live web page of a dla run (workers, tasks, counts per level over time, throughput per worker,
 * recoveries, checkpoints, leader, past runs) and its Prometheus `/metrics`, fed by a RunMonitor in this process or
 * by the snapshots masters publish to NATS.
 *
 * @since 0.1.0
 */
/**
 * The page, its SSE stream and `/metrics` as one request handler.
 *
 * @since 0.1.0
 * @category modules
 */
export * as Handler from "./Handler.ts"
/**
 * What a run's snapshots say over time, which no single snapshot holds.
 *
 * @since 0.1.0
 * @category modules
 */
export * as History from "./History.ts"
/**
 * `/metrics`.
 *
 * @since 0.1.0
 * @category modules
 */
export * as Metrics from "./Metrics.ts"
/**
 * The dashboard page.
 *
 * @since 0.1.0
 * @category modules
 */
export * as Page from "./Page.ts"
/**
 * Serves a `Handler` with node:http (also available on Bun and Deno) for as long as the scope lives.
 *
 * @since 0.1.0
 * @category modules
 */
export * as Server from "./Server.ts"
/**
 * Where the dashboard gets its runs' states.
 *
 * @since 0.1.0
 * @category modules
 */
export * as Source from "./Source.ts"
