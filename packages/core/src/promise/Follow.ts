/**
 * The Promise face of {@link Follow}: counting logs as they grow, for code without Effect. A `Stream` of the Effect
 * face is an `AsyncIterable` here: `for await` it, and `break` to stop (the files are closed then).
 *
 * @since 0.1.0
 */
import type * as Duration from "effect/Duration"
import * as Stream from "effect/Stream"
import * as EffectFace from "../Follow.ts"

/**
 * The same models as the Effect face.
 *
 * @since 0.1.0
 * @category models
 */
export type { Event, Follower, Options, Snapshot } from "../Follow.ts"

/**
 * A follower whose `poll` and `close` return Promises: the same function in both faces.
 *
 * @since 0.1.0
 * @category constructors
 */
export { make } from "../Follow.ts"

/**
 * Snapshots of `root` every `interval` (default 1 s), the first at once ({@link EffectFace.stream}); iteration throws a
 * `FileError`.
 *
 * @since 0.1.0
 * @category streams
 */
export const stream = (
  root: string,
  options: EffectFace.Options & {
    readonly interval?: Duration.Input
    readonly onClose?: (last: EffectFace.Snapshot) => void
  } = {}
): AsyncIterable<EffectFace.Snapshot> => Stream.toAsyncIterable(EffectFace.stream(root, options))
