/**
 * The Promise face of {@link EffectFace}: KV values stamped with the writer's term, for code without Effect. Each
 * function rejects with the Effect face's error (`Fenced` when a newer term wrote the key).
 *
 * @since 0.1.0
 */
import { PromiseFace } from "@dla/core"
import * as EffectFace from "../FencedKv.ts"

/**
 * The same models as the Effect face.
 *
 * @since 0.1.0
 * @category models
 */
export type { Stamped, Writer, Written } from "../FencedKv.ts"

/**
 * The stamped value of `key`, `undefined` when absent.
 *
 * @since 0.1.0
 * @category reading
 */
export const read = PromiseFace.fn(EffectFace.read)

/**
 * Writes `value` stamped with `writer`'s term, unless a newer term wrote the key.
 *
 * @since 0.1.0
 * @category writing
 */
export const write = PromiseFace.fn(EffectFace.write)

/**
 * Re-stamps the current value of `key` with `writer`'s term and returns it.
 *
 * @since 0.1.0
 * @category writing
 */
export const adopt = PromiseFace.fn(EffectFace.adopt)
