/**
 * @dla/analyser: master/worker log analysis over NATS JetStream or in-process worker threads, with checkpoints,
 * failure detection and exactly-once counts.
 *
 * @since 0.1.0
 */
export * as AnalyserError from "./AnalyserError.ts"
export * as CheckpointStore from "./CheckpointStore.ts"
export * as Counter from "./Counter.ts"
export * as Distributed from "./Distributed.ts"
export * as Embedded from "./Embedded.ts"
export * as Fence from "./Fence.ts"
export * as Heartbeats from "./Heartbeats.ts"
export * as Master from "./Master.ts"
export * as NatsTransport from "./NatsTransport.ts"
export * as ResultChannel from "./ResultChannel.ts"
export * as RunMonitor from "./RunMonitor.ts"
export * as Task from "./Task.ts"
export * as TaskQueue from "./TaskQueue.ts"
export * as Worker from "./Worker.ts"
export * as WorkerId from "./WorkerId.ts"
