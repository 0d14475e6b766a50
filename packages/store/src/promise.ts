/**
 * @dla/store's Promise face (`@dla/store/promise`): the same modules, functions and options as `@dla/store`, for code
 * without Effect (see `@dla/core`'s `PromiseFace`).
 *
 * @since 0.1.0
 */
/**
 * @since 0.1.0
 * @category modules
 */
export * as Shipper from "./promise/Shipper.ts"
/**
 * @since 0.1.0
 * @category modules
 */
export * as Store from "./promise/Store.ts"
/**
 * @since 0.1.0
 * @category modules
 */
export * as StoreError from "./StoreError.ts"
