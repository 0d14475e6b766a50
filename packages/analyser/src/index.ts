/**
 * @dla/analyser: master/worker log analysis over NATS JetStream or in-process worker threads, with checkpoints,
 * failure detection and exactly-once counts. This entry is the in-process engine and the services' contracts; it
 * never loads the NATS client. The engine over NATS is `@dla/analyser/nats`.
 *
 * @since 0.1.0
 */
/**
 * The analyser's tagged error.
 *
 * @since 0.1.0
 * @category modules
 */
export * as AnalyserError from "./AnalyserError.ts"
/**
 * Checkpoints.
 *
 * @since 0.1.0
 * @category modules
 */
export * as CheckpointStore from "./CheckpointStore.ts"
/**
 * How a worker counts one task.
 *
 * @since 0.1.0
 * @category modules
 */
export * as Counter from "./Counter.ts"
/**
 * The embedded engine.
 *
 * @since 0.1.0
 * @category modules
 */
export * as Embedded from "./Embedded.ts"
/**
 * The fencing seam.
 *
 * @since 0.1.0
 * @category modules
 */
export * as Fence from "./Fence.ts"
/**
 * Heartbeats.
 *
 * @since 0.1.0
 * @category modules
 */
export * as Heartbeats from "./Heartbeats.ts"
/**
 * The master loop, written once against the services.
 *
 * @since 0.1.0
 * @category modules
 */
export * as Master from "./Master.ts"
/**
 * The result channel.
 *
 * @since 0.1.0
 * @category modules
 */
export * as ResultChannel from "./ResultChannel.ts"
/**
 * What a run looks like from outside.
 *
 * @since 0.1.0
 * @category modules
 */
export * as RunMonitor from "./RunMonitor.ts"
/**
 * Tasks and their results.
 *
 * @since 0.1.0
 * @category modules
 */
export * as Task from "./Task.ts"
/**
 * The task queue.
 *
 * @since 0.1.0
 * @category modules
 */
export * as TaskQueue from "./TaskQueue.ts"
/**
 * The worker loop, written once against the services.
 *
 * @since 0.1.0
 * @category modules
 */
export * as Worker from "./Worker.ts"
/**
 * Worker ids and the launch ranks they carry.
 *
 * @since 0.1.0
 * @category modules
 */
export * as WorkerId from "./WorkerId.ts"
