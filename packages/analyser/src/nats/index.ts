/**
 * @dla/analyser/nats: the analyser over NATS JetStream (nats.js v3; the caller brings the `NatsConnection`). One
 * module per concept: runs in KV, the task stream, the results stream, heartbeat subjects, checkpoints in KV, and
 * the master and worker processes built on them. The package's root entry never loads this (nor the NATS client).
 *
 * @since 0.1.0
 */
export * as CheckpointKv from "./CheckpointKv.ts"
export * as Distributed from "./Distributed.ts"
export * as HeartbeatSubjects from "./HeartbeatSubjects.ts"
export * as ResultStream from "./ResultStream.ts"
export * as RunsKv from "./RunsKv.ts"
export * as TaskStream from "./TaskStream.ts"
