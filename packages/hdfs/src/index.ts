/**
 * @dla/hdfs: coordinated, atomic, incremental copy of logs to HDFS (WebHDFS) or mounted storage, only on the
 * coordinator, and with NATS only on the lease holder.
 *
 * @since 0.1.0
 */
export * as CopyConfig from "./CopyConfig.ts"
export * as CopyGate from "./CopyGate.ts"
export * as Destination from "./Destination.ts"
export * as HdfsCopier from "./HdfsCopier.ts"
export * as HdfsError from "./HdfsError.ts"
export * as Lease from "./Lease.ts"
export * as WebHdfs from "./WebHdfs.ts"
