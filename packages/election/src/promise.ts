/**
 * @dla/election's Promise face (`@dla/election/promise`): the same modules, functions and options as `@dla/election`,
 * for code without Effect (see `@dla/core`'s `PromiseFace`). Modules without effects are the same modules.
 *
 * @since 0.1.0
 */
/**
 * @since 0.1.0
 * @category modules
 */
export * as Candidate from "./Candidate.ts"
/**
 * @since 0.1.0
 * @category modules
 */
export * as ElectionError from "./ElectionError.ts"
/**
 * @since 0.1.0
 * @category modules
 */
export * as FencedKv from "./promise/FencedKv.ts"
/**
 * @since 0.1.0
 * @category modules
 */
export * as KvBucket from "./promise/KvBucket.ts"
/**
 * @since 0.1.0
 * @category modules
 */
export * as Leadership from "./promise/Leadership.ts"
/**
 * @since 0.1.0
 * @category modules
 */
export * as Lease from "./promise/Lease.ts"
