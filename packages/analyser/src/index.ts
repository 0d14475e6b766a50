/**
 * @dla/analyser: master/worker log analysis over NATS JetStream or in-process worker threads, with checkpoints,
 * failure detection and exactly-once counts. This entry is the in-process engine and the services' contracts; it
 * never loads the NATS client. The engine over NATS is `@dla/analyser/nats`.
 *
 * @since 0.1.0
 */
export * as AnalyserError from "./AnalyserError.ts"
export * as CheckpointStore from "./CheckpointStore.ts"
export * as Counter from "./Counter.ts"
export * as Embedded from "./Embedded.ts"
export * as Fence from "./Fence.ts"
export * as Heartbeats from "./Heartbeats.ts"
export * as Master from "./Master.ts"
export * as ResultChannel from "./ResultChannel.ts"
export * as RunMonitor from "./RunMonitor.ts"
export * as Task from "./Task.ts"
export * as TaskQueue from "./TaskQueue.ts"
export * as Worker from "./Worker.ts"
export * as WorkerId from "./WorkerId.ts"
