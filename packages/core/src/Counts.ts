/**
 * Level counts of one file, one byte range or a whole run, and how to merge them.
 *
 * @since 0.1.0
 */
import * as Level from "./Level.ts"

/**
 * Lines per level, all lines, lines without a level and bytes read.
 *
 * @since 0.1.0
 * @category models
 */
export interface Counts {
  /** Lines per canonical level; a level never seen is absent. */
  readonly levels: Readonly<Partial<Record<Level.Level, number>>>
  /** All lines, with or without a level. */
  readonly lines: number
  /** Lines in which no level was found (counted, never dropped). */
  readonly unmatched: number
  /** Bytes read. */
  readonly bytes: number
}

/**
 * The counts of nothing read.
 *
 * @since 0.1.0
 * @category constants
 */
export const empty: Counts = { levels: {}, lines: 0, unmatched: 0, bytes: 0 }

/**
 * Sum of two counts. Associative and commutative, with {@link empty} as identity, so merge order never matters.
 *
 * @since 0.1.0
 * @category combinators
 */
export const merge = (a: Counts, b: Counts): Counts => {
  const levels: Partial<Record<Level.Level, number>> = { ...a.levels }
  for (const level of Level.all) {
    const n = b.levels[level]
    if (n !== undefined) levels[level] = (levels[level] ?? 0) + n
  }
  return { levels, lines: a.lines + b.lines, unmatched: a.unmatched + b.unmatched, bytes: a.bytes + b.bytes }
}

/**
 * The sum of `all`: {@link merge} of each in turn, in one object (no copy per count: 20,000 files' counts add up).
 *
 * @since 0.1.0
 * @category combinators
 */
export const mergeAll = (all: Iterable<Counts>): Counts => {
  const levels: Partial<Record<Level.Level, number>> = {}
  let lines = 0
  let unmatched = 0
  let bytes = 0
  for (const c of all) {
    for (const level of Level.all) {
      const n = c.levels[level]
      if (n !== undefined) levels[level] = (levels[level] ?? 0) + n
    }
    lines += c.lines
    unmatched += c.unmatched
    bytes += c.bytes
  }
  return { levels, lines, unmatched, bytes }
}

/**
 * Builds counts from a per-level-id array (the hot path's representation).
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromArray = (perLevel: ArrayLike<number>, lines: number, unmatched: number, bytes: number): Counts => {
  const levels: Partial<Record<Level.Level, number>> = {}
  Level.all.forEach((level, i) => {
    const n = perLevel[i] ?? 0
    if (n > 0) levels[level] = n
  })
  return { levels, lines, unmatched, bytes }
}

/**
 * Whether two counts are the same, level by level.
 *
 * @since 0.1.0
 * @category predicates
 */
export const equals = (a: Counts, b: Counts): boolean =>
  a.lines === b.lines &&
  a.unmatched === b.unmatched &&
  a.bytes === b.bytes &&
  Level.all.every((level) => (a.levels[level] ?? 0) === (b.levels[level] ?? 0))
