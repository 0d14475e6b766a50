/**
 * @dla/hdfs's Promise face (`@dla/hdfs/promise`): the same modules, functions and options as `@dla/hdfs`, for code
 * without Effect (see `@dla/core`'s `PromiseFace`). Modules without effects are the same modules.
 *
 * @since 0.1.0
 */
/**
 * @since 0.1.0
 * @category modules
 */
export * as CopyConfig from "./CopyConfig.ts"
/**
 * @since 0.1.0
 * @category modules
 */
export * as CopyGate from "./CopyGate.ts"
/**
 * @since 0.1.0
 * @category modules
 */
export * as Destination from "./Destination.ts"
/**
 * @since 0.1.0
 * @category modules
 */
export * as HdfsError from "./HdfsError.ts"
/**
 * @since 0.1.0
 * @category modules
 */
export * as HdfsCopier from "./promise/HdfsCopier.ts"
/**
 * @since 0.1.0
 * @category modules
 */
export * as Lease from "./promise/Lease.ts"
/**
 * @since 0.1.0
 * @category modules
 */
export * as WebHdfs from "./promise/WebHdfs.ts"
