/**
 * @dla/analyser/nats/promise: the Promise face of `@dla/analyser/nats`'s masters and workers, with the same functions
 * and options (see `@dla/core`'s `PromiseFace`), apart from `@dla/analyser/promise` so that code running the
 * embedded engine never loads the NATS client.
 *
 * @since 0.1.0
 */
/**
 * @since 0.1.0
 * @category modules
 */
export * as Distributed from "./promise/Distributed.ts"
