/**
 * The Promise face of {@link EffectFace}: the stored logs listed, read back, counted, mirrored and removed, for code
 * without Effect. Each function rejects with a `StoreError`.
 *
 * @since 0.1.0
 */
import { PromiseFace } from "@dla/core"
import * as EffectFace from "../Store.ts"

/**
 * The same models as the Effect face.
 *
 * @since 0.1.0
 * @category models
 */
export type {
  CountOptions,
  CountResult,
  Cut,
  Layout,
  MirrorResult,
  Options,
  Range,
  RangeCount,
  Reader,
  Selection,
  StoredFile
} from "../Store.ts"

/**
 * Where a stored file is mirrored, and the store opened once for many reads: the same functions in both faces.
 *
 * @since 0.1.0
 * @category reading
 */
export { mirrorPath, reader } from "../Store.ts"

/**
 * The stored files of the selection.
 *
 * @since 0.1.0
 * @category reading
 */
export const list = PromiseFace.fn(EffectFace.list)

/**
 * Passes the stored bytes of the selected file to `write`, in order; resolves to the bytes read.
 *
 * @since 0.1.0
 * @category reading
 */
export const read = PromiseFace.fn(EffectFace.read)

/**
 * Counts the levels of every stored line of the selection.
 *
 * @since 0.1.0
 * @category reading
 */
export const count = PromiseFace.fn(EffectFace.count)

/**
 * The selected files with where they may be split (what a distributed count plans its tasks from).
 *
 * @since 0.1.0
 * @category reading
 */
export const layout = PromiseFace.fn(EffectFace.layout)

/**
 * Brings `dir/<node>/<file>` up to date with the store, appending only what is new.
 *
 * @since 0.1.0
 * @category reading
 */
export const mirror = PromiseFace.fn(EffectFace.mirror)

/**
 * Removes the selected data (a node's, or one file's every generation) and its shipping state.
 *
 * @since 0.1.0
 * @category writing
 */
export const remove = PromiseFace.fn(EffectFace.remove)
