/**
 * The Promise face of {@link WebHdfs}: the WebHDFS client, for code without Effect.
 *
 * @since 0.1.0
 */
import { PromiseFace } from "@dla/core"
import type * as Destination from "../Destination.ts"
import * as EffectFace from "../WebHdfs.ts"

/**
 * The operations of {@link Destination.Storage}, each returning a Promise that rejects with an `HdfsError`.
 *
 * @since 0.1.0
 * @category models
 */
export type Storage = PromiseFace.Promised<Destination.Storage>

/**
 * A client for one destination ({@link EffectFace.make}).
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (destination: Destination.WebHdfsDestination): Storage =>
  PromiseFace.promised(EffectFace.make(destination))
