/**
 * @dla/store: node-local logs shipped into a replicated JetStream stream exactly once, then listed, read back
 * byte-identical, counted and mirrored to a directory from there.
 *
 * @since 0.1.0
 */
/**
 * Ships node-local log files into the store, exactly once.
 *
 * @since 0.1.0
 * @category modules
 */
export * as Shipper from "./Shipper.ts"
/**
 * What the store holds, read back.
 *
 * @since 0.1.0
 * @category modules
 */
export * as Store from "./Store.ts"
/**
 * The one error of `@dla/store`.
 *
 * @since 0.1.0
 * @category modules
 */
export * as StoreError from "./StoreError.ts"
