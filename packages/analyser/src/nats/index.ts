/**
 * @dla/analyser/nats: the analyser over NATS JetStream (nats.js v3; the caller brings the `NatsConnection`). One
 * module per concept: runs in KV, the task stream, the results stream, heartbeat subjects, checkpoints in KV, and
 * the master and worker processes built on them. The package's root entry never loads this (nor the NATS client).
 *
 * @since 0.1.0
 */
/**
 * Checkpoints in a KV bucket.
 *
 * @since 0.1.0
 * @category modules
 */
export * as CheckpointKv from "./CheckpointKv.ts"

/**
 * The master and worker processes over NATS.
 *
 * @since 0.1.0
 * @category modules
 */
export * as Distributed from "./Distributed.ts"

/**
 * Heartbeats on NATS subjects.
 *
 * @since 0.1.0
 * @category modules
 */
export * as HeartbeatSubjects from "./HeartbeatSubjects.ts"

/**
 * The results stream.
 *
 * @since 0.1.0
 * @category modules
 */
export * as ResultStream from "./ResultStream.ts"

/**
 * Runs in the `dla_runs` KV bucket.
 *
 * @since 0.1.0
 * @category modules
 */
export * as RunsKv from "./RunsKv.ts"

/**
 * The task stream and its consumer.
 *
 * @since 0.1.0
 * @category modules
 */
export * as TaskStream from "./TaskStream.ts"
