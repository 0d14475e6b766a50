/**
 * Canonical log levels and their aliases.
 *
 * @since 0.1.0
 */

/**
 * Canonical levels, least to most severe. The index of a level is its id in count arrays.
 *
 * @since 0.1.0
 * @category constants
 */
export const all = ["TRACE", "DEBUG", "INFO", "NOTICE", "WARN", "ERROR", "FATAL"] as const

/**
 * A canonical level name.
 *
 * @since 0.1.0
 * @category models
 */
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
  // Serilog and .NET write `Information`; zerolog's and Serilog's consoles the three-letter codes.
  INFORMATION: "INFO",
  INF: "INFO",
  DBG: "DEBUG",
  TRC: "TRACE",
  WRN: "WARN",
  FTL: "FATAL",
  // log15 (Grafana's `lvl=eror`) spells four letters.
  DBUG: "DEBUG",
  EROR: "ERROR",
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
  EMERGENCY: "FATAL",
  ALERT: "FATAL",
  PANIC: "FATAL",
  // BGL (Blue Gene/L RAS logs) ranks FAILURE with FATAL, above SEVERE.
  FAILURE: "FATAL"
}

/**
 * The canonical level for a level word in any case (`warning` -> `WARN`), or undefined when it is not one.
 *
 * @since 0.1.0
 * @category parsing
 */
export const fromWord = (word: string): Level | undefined => aliases[word.toUpperCase()]

/**
 * The id of a level: its index in {@link all}.
 *
 * @since 0.1.0
 * @category ids
 */
export const id = (level: Level): number => all.indexOf(level)

// The hot path looks words up without making strings: a word of up to 11 ASCII letters folds (5 bits a letter, case
// ignored) into an int32 key, hashed into a small table. Keys of up to 6 letters are exact; longer words wrap, so a
// hit on one of them is confirmed letter by letter.
const MAX_WORD = 11
const EXACT_WORD = 6
const TABLE_BITS = 11
const TABLE_SIZE = 1 << TABLE_BITS
const slotKey = new Int32Array(TABLE_SIZE)
const slotLength = new Int8Array(TABLE_SIZE)
const slotId = new Int8Array(TABLE_SIZE).fill(-1)
const slotWord: Array<Uint8Array | undefined> = new Array(TABLE_SIZE)
const slotOf = (key: number, length: number) => Math.imul(key ^ (key >>> 9) ^ length, 0x9e3779b1) >>> (32 - TABLE_BITS)
for (const [word, level] of Object.entries(aliases)) {
  const letters = Uint8Array.from(word, (c) => c.charCodeAt(0))
  let key = 0
  for (const letter of letters) key = (key * 32 + (letter - 0x40)) | 0
  const slot = slotOf(key, letters.length)
  if (slotId[slot] !== -1) throw new Error(`Level: hash collision for ${word}, change TABLE_BITS`)
  slotKey[slot] = key
  slotLength[slot] = letters.length
  slotId[slot] = id(level)
  slotWord[slot] = letters
}

/**
 * The level id of the word `bytes[start, end)` in any case (`warning`, `WARN`, `W` -> id of WARN), or -1. Reads
 * bytes only, allocates nothing: this is what every format calls once per line.
 *
 * @since 0.1.0
 * @category parsing
 */
export const idOfBytes = (bytes: Uint8Array, start: number, end: number): number => {
  const length = end - start
  if (length < 1 || length > MAX_WORD) return -1
  let key = 0
  for (let i = start; i < end; i++) {
    const letter = (bytes[i]! | 0x20) - 0x60 // 'a'/'A' -> 1 ... 'z'/'Z' -> 26
    if (letter < 1 || letter > 26) return -1
    key = (key * 32 + letter) | 0
  }
  const slot = slotOf(key, length)
  if (slotKey[slot] !== key || slotLength[slot] !== length) return -1
  if (length > EXACT_WORD) {
    const word = slotWord[slot]!
    for (let i = 0; i < length; i++) if ((bytes[start + i]! | 0x20) !== (word[i]! | 0x20)) return -1
  }
  return slotId[slot]!
}
