/**
 * The Promise face of {@link HdfsCopier}: the same copier for code without Effect. Each method of the service returns
 * a Promise; `close()` stops every copy (after the file in flight) and releases the leases, as the end of the
 * Layer's scope does in the Effect face.
 *
 * @since 0.1.0
 */
import { PromiseFace } from "@dla/core"
import * as EffectFace from "../HdfsCopier.ts"

/**
 * The same models as the Effect face.
 *
 * @since 0.1.0
 * @category models
 */
export type { CopierOptions, Health, OperationState, OperationStatus, Status } from "../HdfsCopier.ts"

/**
 * The copier: the methods of the Effect service, each returning a Promise, and `close()`.
 *
 * @since 0.1.0
 * @category models
 */
export type HdfsCopier = PromiseFace.Promised<EffectFace.HdfsCopier["Service"]> & PromiseFace.Closeable

/**
 * Builds the copier ({@link EffectFace.make}): reads the environment, detects the role with `@dla/core` and rejects
 * with an `HdfsError` (`BadConfig`) on a malformed setting. `close()` ends the calls still running, then stops every
 * copy (after the file in flight) and releases the leases.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: EffectFace.CopierOptions = {}): Promise<HdfsCopier> =>
  PromiseFace.scoped(EffectFace.make(options))
