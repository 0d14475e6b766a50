/**
 * A small seeded pseudo-random generator (mulberry32): the same seed gives the same sequence on Node, Bun and Deno.
 * For reproducible test data, never for anything secret.
 *
 * @since 0.1.0
 */

/**
 * A seeded generator of floats and integers.
 *
 * @since 0.1.0
 * @category models
 */
export interface Random {
  /** A float in [0, 1). */
  readonly next: () => number
  /** An integer in [0, bound). */
  readonly int: (bound: number) => number
}

/**
 * A generator from `seed`: the same seed, the same sequence.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (seed: number): Random => {
  let state = seed >>> 0
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  return { next, int: (bound) => Math.floor(next() * bound) }
}

/**
 * An independent stream for item `index` of a seeded whole (file 3 of seed 1), so items can be made in any order.
 *
 * @since 0.1.0
 * @category constructors
 */
export const derive = (seed: number, index: number): Random => make(seed ^ Math.imul(index + 1, 0x9e3779b9))
