/**
 * The Promise face of {@link EffectFace}: node-local logs shipped into the store, for code without Effect.
 *
 * @since 0.1.0
 */

import { PromiseFace } from "@dla/core"
import type { NatsConnection } from "@nats-io/nats-core"
import type * as Duration from "effect/Duration"
import * as Stream from "effect/Stream"
import * as EffectFace from "../Shipper.ts"

/**
 * The same models as the Effect face.
 *
 * @since 0.1.0
 * @category models
 */
export type { Event, Options, PassResult, Progress, Shipper } from "../Shipper.ts"

/**
 * A shipper of `root` (a file or directory): `pass()` ships what is new, `close()` closes its files (the end of the
 * scope in the Effect face). Rejects with a `StoreError`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const shipper: (nc: NatsConnection, root: string, options: EffectFace.Options) => Promise<EffectFace.Shipper> =
  EffectFace.make

/**
 * Ships the complete lines of `root` now, once; rejects with a `StoreError`.
 *
 * @since 0.1.0
 * @category shipping
 */
export const ship = PromiseFace.fn(EffectFace.ship)

/**
 * Ships `root` every `interval` (default 1 s), the first pass at once: `for await` the passes, `break` to stop (the
 * files are closed then). Iteration throws a `StoreError`.
 *
 * @since 0.1.0
 * @category shipping
 */
export const follow = (
  nc: NatsConnection,
  root: string,
  options: EffectFace.Options & { readonly interval?: Duration.Input }
): AsyncIterable<EffectFace.PassResult> => Stream.toAsyncIterable(EffectFace.follow(nc, root, options))
