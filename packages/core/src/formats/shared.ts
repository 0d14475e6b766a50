/**
 * What a format is, and the byte-level helpers the formats share: every helper reads `bytes[i, end)` only and
 * allocates nothing.
 */
import * as Level from "../Level.ts"

export interface LogFormat {
  readonly name: string
  /** What lines look like, for help texts and docs. */
  readonly example: string
  /** Level id (index in `Level.all`) of the line `bytes[start, end)` (no newline), or -1 when it has none. */
  readonly levelOf: (bytes: Uint8Array, start: number, end: number) => number
}

/** The format `name`, whose lines look like `example`, reading a line's level with `levelOf`. */
export const logFormat = (name: string, example: string, levelOf: LogFormat["levelOf"]): LogFormat => ({
  name,
  example,
  levelOf
})

export const TAB = 0x09
export const SPACE = 0x20
export const QUOTE = 0x22
export const DASH = 0x2d
export const DOT = 0x2e
export const SLASH = 0x2f
export const COLON = 0x3a
export const LESS = 0x3c
export const EQUALS = 0x3d
export const GREATER = 0x3e
export const LEFT_BRACKET = 0x5b
export const BACKSLASH = 0x5c
export const RIGHT_BRACKET = 0x5d
export const LEFT_BRACE = 0x7b
export const RIGHT_BRACE = 0x7d
export const ESCAPE = 0x1b

export const isBlank = (byte: number | undefined): boolean => byte === SPACE || byte === TAB
export const isDigit = (byte: number | undefined): boolean => byte !== undefined && byte >= 0x30 && byte <= 0x39
export const isUpper = (byte: number | undefined): boolean => byte !== undefined && byte >= 0x41 && byte <= 0x5a
export const isLower = (byte: number | undefined): boolean => byte !== undefined && byte >= 0x61 && byte <= 0x7a

export const skipBlanks = (bytes: Uint8Array, i: number, end: number): number => {
  while (i < end && isBlank(bytes[i])) i++
  return i
}
export const tokenEnd = (bytes: Uint8Array, i: number, end: number): number => {
  while (i < end && !isBlank(bytes[i])) i++
  return i
}
/** Index of the first `byte` in `bytes[i, end)`, or -1 (a bounded loop: `indexOf` would look past `end`). */
export const find = (bytes: Uint8Array, byte: number, i: number, end: number): number => {
  for (; i < end; i++) if (bytes[i] === byte) return i
  return -1
}
/** End of the bracket group opening at `i` (nested brackets included, spaces allowed), or -1. */
export const bracketEnd = (bytes: Uint8Array, i: number, end: number): number => {
  let depth = 0
  for (; i < end; i++) {
    if (bytes[i] === LEFT_BRACKET) depth++
    else if (bytes[i] === RIGHT_BRACKET && --depth === 0) return i + 1
  }
  return -1
}
/** A word of digits and `-/:.,T+Z`, with at least one digit: a date, a time, a pid, an epoch. */
export const isTimestampish = (bytes: Uint8Array, start: number, end: number): boolean => {
  let digits = 0
  for (let i = start; i < end; i++) {
    const b = bytes[i]!
    if (b >= 0x30 && b <= 0x39) digits++
    else if (
      b !== DASH &&
      b !== SLASH &&
      b !== COLON &&
      b !== DOT &&
      b !== 0x2c &&
      b !== 0x54 &&
      b !== 0x2b &&
      b !== 0x5a
    )
      return false
  }
  return digits > 0
}
/** Whether `bytes[start, end)` are all upper-case letters (levels as loggers print them: `WARNING`). */
export const isUpperWord = (bytes: Uint8Array, start: number, end: number): boolean => {
  if (end <= start) return false
  for (let i = start; i < end; i++) if (!isUpper(bytes[i])) return false
  return true
}
/** A level word of at least two letters, with an optional trailing `:` (`ERROR:`). */
export const wordLevel = (bytes: Uint8Array, start: number, end: number): number => {
  if (bytes[end - 1] === COLON) end--
  return end - start < 2 ? -1 : Level.idOfBytes(bytes, start, end)
}
/** Whether `bytes[i...]` starts with `word` (ASCII, exact case), within `end`. */
export const startsWith = (bytes: Uint8Array, i: number, end: number, word: Uint8Array): boolean => {
  if (i + word.length > end) return false
  for (let k = 0; k < word.length; k++) if (bytes[i + k] !== word[k]) return false
  return true
}
/** The byte with an upper-case ASCII letter made lower case. */
export const lower = (byte: number): number => (byte >= 0x41 && byte <= 0x5a ? byte | 0x20 : byte)
/** Whether `bytes[start, end)` is `key` (given in lower case), in any case. */
export const isKey = (bytes: Uint8Array, start: number, end: number, key: Uint8Array): boolean => {
  if (end - start !== key.length) return false
  for (let k = 0; k < key.length; k++) if (lower(bytes[start + k]!) !== key[k]) return false
  return true
}
/** Whether `bytes[start, end)` is one of `keys` (given in lower case), in any case. */
export const isOneOfKeys = (
  bytes: Uint8Array,
  start: number,
  end: number,
  keys: ReadonlyArray<Uint8Array>
): boolean => {
  for (const key of keys) if (isKey(bytes, start, end, key)) return true
  return false
}
/** `text` as ASCII bytes (for constants). */
export const ascii = (text: string): Uint8Array => Uint8Array.from(text, (c) => c.charCodeAt(0))

/** Level ids of the syslog severities 0..7 (RFC 5424): emerg, alert, crit = FATAL, err, warning, notice, info, debug. */
const syslogIds = Int8Array.from(
  ["FATAL", "FATAL", "FATAL", "ERROR", "WARN", "NOTICE", "INFO", "DEBUG"] as const,
  (l) => Level.id(l)
)
export const syslogSeverity = (severity: number): number => syslogIds[severity]!
