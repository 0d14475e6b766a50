/**
 * @dla/dashboard: a live web page of a dla run (workers, tasks, counts, throughput, recoveries, checkpoints,
 * leader), fed by a RunMonitor in this process or by the snapshots a master publishes to NATS.
 *
 * @since 0.1.0
 */
export * as Handler from "./Handler.ts"
export * as Page from "./Page.ts"
export * as Server from "./Server.ts"
export * as Source from "./Source.ts"
