/**
 * The copier for code without Effect under the name it had before the Promise faces (`PromiseCopier.createCopier`):
 * the same copier as `@dla/hdfs/promise`'s `HdfsCopier.make`, derived once through `@dla/core`'s `PromiseFace`.
 *
 * @since 0.1.0
 */
import type * as HdfsCopier from "./HdfsCopier.ts"
import * as PromiseFace from "./promise/HdfsCopier.ts"

/**
 * The copier's operations as Promises; `close()` stops everything.
 *
 * @since 0.1.0
 * @category models
 */
export type PromiseCopier = PromiseFace.HdfsCopier

/**
 * Starts a copier (as {@link HdfsCopier.layer}) that lives until `close()`: `@dla/hdfs/promise`'s `HdfsCopier.make`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const createCopier = (options: HdfsCopier.CopierOptions = {}): Promise<PromiseCopier> =>
  PromiseFace.make(options)
