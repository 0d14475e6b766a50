/**
 * @dla/hdfs: coordinated, atomic, incremental copy of logs to HDFS (WebHDFS) or mounted storage, only on the
 * coordinator, and with NATS only on the lease holder.
 *
 * @since 0.1.0
 */
/**
 * A copy's options, checked and resolved.
 *
 * @since 0.1.0
 * @category modules
 */
export * as CopyConfig from "./CopyConfig.ts"
/**
 * Whether this process copies logs at all.
 *
 * @since 0.1.0
 * @category modules
 */
export * as CopyGate from "./CopyGate.ts"
/**
 * Where copies go, and the operations the copier needs from it.
 *
 * @since 0.1.0
 * @category modules
 */
export * as Destination from "./Destination.ts"
/**
 * The copier: coordinated, atomic, incremental copies.
 *
 * @since 0.1.0
 * @category modules
 */
export * as HdfsCopier from "./HdfsCopier.ts"
/**
 * The one error of `@dla/hdfs`.
 *
 * @since 0.1.0
 * @category modules
 */
export * as HdfsError from "./HdfsError.ts"
/**
 * One copier per copy name across processes and hosts.
 *
 * @since 0.1.0
 * @category modules
 */
export * as Lease from "./Lease.ts"
/**
 * What the copier reports: operation status, copier status, health.
 *
 * @since 0.1.0
 * @category modules
 */
export * as OperationStatus from "./OperationStatus.ts"
/**
 * The copier for code without Effect: every operation returns a Promise.
 *
 * @since 0.1.0
 * @category modules
 */
export * as PromiseCopier from "./PromiseCopier.ts"
/**
 * The WebHDFS client.
 *
 * @since 0.1.0
 * @category modules
 */
export * as WebHdfs from "./WebHdfs.ts"
