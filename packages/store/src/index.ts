/**
 * @dla/store: node-local logs shipped into a replicated JetStream stream exactly once, then listed, read back
 * byte-identical, counted and mirrored to a directory from there.
 *
 * @since 0.1.0
 */
export * as Shipper from "./Shipper.ts"
export * as Store from "./Store.ts"
export * as StoreError from "./StoreError.ts"
