/**
 * The copier for code without Effect: the same operations as the {@link HdfsCopier.HdfsCopier} service, each
 * returning a Promise.
 *
 * @since 0.1.0
 */
import { type Effect, ManagedRuntime } from "effect"
import type * as CopyConfig from "./CopyConfig.ts"
import * as HdfsCopier from "./HdfsCopier.ts"
import type { HdfsError } from "./HdfsError.ts"
import type { Health, OperationStatus, Status } from "./OperationStatus.ts"

/**
 * The copier's operations as Promises; `close()` stops everything.
 *
 * @since 0.1.0
 * @category models
 */
export interface PromiseCopier {
  readonly startCopy: (options: CopyConfig.CopyOptions) => Promise<boolean>
  readonly stopCopy: (name: string) => Promise<boolean>
  readonly stopAll: () => Promise<void>
  readonly runOnce: (name: string) => Promise<OperationStatus>
  readonly copyOnce: (
    options: CopyConfig.CopyOptions,
    leaseWaitSeconds?: number
  ) => Promise<OperationStatus | undefined>
  readonly listOperations: () => Promise<ReadonlyArray<OperationStatus>>
  readonly getStatus: () => Promise<Status>
  readonly healthCheck: () => Promise<Health>
  readonly close: () => Promise<void>
}

/**
 * Starts a copier (as {@link HdfsCopier.layer}) that lives until `close()`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const createCopier = async (options: HdfsCopier.CopierOptions = {}): Promise<PromiseCopier> => {
  const runtime = ManagedRuntime.make(HdfsCopier.layer(options))
  const copier = await runtime.runPromise(HdfsCopier.HdfsCopier)
  const run = <A>(effect: Effect.Effect<A, HdfsError>) => runtime.runPromise(effect)
  return {
    startCopy: (copyOptions) => run(copier.startCopy(copyOptions)),
    stopCopy: (name) => run(copier.stopCopy(name)),
    stopAll: () => run(copier.stopAll),
    runOnce: (name) => run(copier.runOnce(name)),
    copyOnce: (copyOptions, leaseWaitSeconds) => run(copier.copyOnce(copyOptions, leaseWaitSeconds)),
    listOperations: () => run(copier.listOperations),
    getStatus: () => run(copier.getStatus),
    healthCheck: () => run(copier.healthCheck),
    close: () => runtime.dispose()
  }
}
