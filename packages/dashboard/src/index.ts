/**
 * @dla/dashboard: a live web page of a dla run (workers, tasks, counts per level over time, throughput per worker,
 * recoveries, checkpoints, leader, past runs) and its Prometheus `/metrics`, fed by a RunMonitor in this process or
 * by the snapshots masters publish to NATS.
 *
 * @since 0.1.0
 */
export * as Handler from "./Handler.ts"
export * as History from "./History.ts"
export * as Metrics from "./Metrics.ts"
export * as Page from "./Page.ts"
export * as Server from "./Server.ts"
export * as Source from "./Source.ts"
