/**
 * Canonical log levels and their aliases.
 *
 * @since 0.1.0
 */

/** Canonical levels, least to most severe. The index of a level is its id in count arrays. */
export const all = ["TRACE", "DEBUG", "INFO", "NOTICE", "WARN", "ERROR", "FATAL"] as const

export type Level = (typeof all)[number]

const aliases: Record<string, Level> = {
  TRACE: "TRACE",
  VERBOSE: "TRACE",
  V: "TRACE",
  FINEST: "TRACE",
  FINER: "TRACE",
  DEBUG: "DEBUG",
  D: "DEBUG",
  FINE: "DEBUG",
  INFO: "INFO",
  I: "INFO",
  NOTICE: "NOTICE",
  WARN: "WARN",
  WARNING: "WARN",
  W: "WARN",
  ERROR: "ERROR",
  ERR: "ERROR",
  E: "ERROR",
  SEVERE: "ERROR",
  FATAL: "FATAL",
  F: "FATAL",
  CRITICAL: "FATAL",
  CRIT: "FATAL",
  EMERG: "FATAL",
  ALERT: "FATAL",
  PANIC: "FATAL",
  // BGL (Blue Gene/L RAS logs) ranks FAILURE with FATAL, above SEVERE.
  FAILURE: "FATAL"
}

/** The canonical level for a level word in any case (`warning` -> `WARN`), or undefined when it is not one. */
export const fromWord = (word: string): Level | undefined => aliases[word.toUpperCase()]

/** The id of a level: its index in {@link all}. */
export const id = (level: Level): number => all.indexOf(level)

// A word of up to 8 ASCII letters packs into one number (5 bits a letter, case folded): a Map lookup, no string.
const MAX_WORD = 8
const keyOf = (bytes: ArrayLike<number>, start: number, end: number): number => {
  if (end - start > MAX_WORD || end <= start) return -1
  let key = 0
  for (let i = start; i < end; i++) {
    const letter = (bytes[i]! | 0x20) - 0x60 // 'a'/'A' -> 1 ... 'z'/'Z' -> 26
    if (letter < 1 || letter > 26) return -1
    key = key * 32 + letter
  }
  return key
}
const idByKey = new Map<number, number>(
  Object.entries(aliases).map(([word, level]) => [
    keyOf(
      Array.from(word, (c) => c.charCodeAt(0)),
      0,
      word.length
    ),
    id(level)
  ])
)

/**
 * The level id of the word `bytes[start, end)` in any case (`warning`, `WARN`, `W` -> id of WARN), or -1. Reads
 * bytes only, allocates nothing: this is what every format calls once per line.
 */
export const idOfBytes = (bytes: Uint8Array, start: number, end: number): number => {
  const key = keyOf(bytes, start, end)
  return key < 0 ? -1 : (idByKey.get(key) ?? -1)
}
