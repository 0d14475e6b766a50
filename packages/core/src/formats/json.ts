/**
 * JSON lines: the level is the value of a top-level level key, found by walking the object's keys on the bytes.
 */
import * as Level from "../Level.ts"
import {
  ascii,
  BACKSLASH,
  COLON,
  isBlank,
  isDigit,
  isKey,
  isOneOfKeys,
  LEFT_BRACE,
  LEFT_BRACKET,
  logFormat,
  QUOTE,
  RIGHT_BRACE,
  RIGHT_BRACKET,
  skipBlanks,
  syslogSeverity
} from "./shared.ts"

const COMMA = 0x2c

/** Keys whose value is the level, matched in any case (Serilog writes `Level`). */
const levelKeys = ["level", "lvl", "severity", "log.level", "@l", "levelname", "l"].map(ascii)
/** ECS nests the level: `{"log":{"level":"info"}}`. */
const LOG_KEY = ascii("log")
const NESTED_LEVEL_KEYS = [ascii("level")]

/** After the closing quote of the string opening at `i`, or -1 when it does not close before `end`. */
const stringEnd = (bytes: Uint8Array, i: number, end: number) => {
  for (i++; i < end; i++) {
    const b = bytes[i]
    if (b === QUOTE) return i + 1
    if (b === BACKSLASH) i++
  }
  return -1
}

/** After the value starting at `i` (a string, an object or array with everything in it, a number or literal). */
const valueEnd = (bytes: Uint8Array, i: number, end: number) => {
  const first = bytes[i]
  if (first === QUOTE) return stringEnd(bytes, i, end)
  if (first === LEFT_BRACE || first === LEFT_BRACKET) {
    let depth = 0
    while (i < end) {
      const b = bytes[i]
      if (b === QUOTE) {
        i = stringEnd(bytes, i, end)
        if (i < 0) return -1
        continue
      }
      if (b === LEFT_BRACE || b === LEFT_BRACKET) depth++
      else if ((b === RIGHT_BRACE || b === RIGHT_BRACKET) && --depth === 0) return i + 1
      i++
    }
    return -1
  }
  while (i < end) {
    const b = bytes[i]
    if (b === COMMA || b === RIGHT_BRACE || b === RIGHT_BRACKET || isBlank(b)) break
    i++
  }
  return i
}

/**
 * The level of a value: a level word in a string (any case), or a number: 0..7 a syslog severity (GELF), 10..69 by
 * tens the pino/bunyan scale (10 TRACE, 20 DEBUG, 30 INFO, 40 WARN, 50 ERROR, 60 FATAL).
 */
const valueLevel = (bytes: Uint8Array, i: number, end: number) => {
  if (bytes[i] === QUOTE) {
    const close = stringEnd(bytes, i, end)
    return close < 0 ? -1 : Level.idOfBytes(bytes, i + 1, close - 1)
  }
  let n = 0
  let digits = 0
  for (; digits < 3 && isDigit(bytes[i]); i++, digits++) n = n * 10 + bytes[i]! - 0x30
  if (digits === 0 || isDigit(bytes[i])) return -1
  if (n <= 7) return syslogSeverity(n)
  return n >= 10 && n < 70 ? NUMERIC_IDS[Math.floor(n / 10) - 1]! : -1
}
const NUMERIC_IDS = Int8Array.from(["TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"] as const, (l) => Level.id(l))

/** The level in the object opening at `i`: at its top level only, so a `"level"` inside a nested value never counts. */
const objectLevel = (bytes: Uint8Array, i: number, end: number, nested: boolean): number => {
  i++
  for (;;) {
    i = skipBlanks(bytes, i, end)
    if (bytes[i] !== QUOTE) return -1
    const keyEnd = stringEnd(bytes, i, end)
    if (keyEnd < 0) return -1
    const keyStart = i + 1
    i = skipBlanks(bytes, keyEnd, end)
    if (bytes[i] !== COLON) return -1
    i = skipBlanks(bytes, i + 1, end)
    if (isOneOfKeys(bytes, keyStart, keyEnd - 1, nested ? NESTED_LEVEL_KEYS : levelKeys)) {
      const id = valueLevel(bytes, i, end)
      if (id >= 0) return id
    } else if (!nested && bytes[i] === LEFT_BRACE && isKey(bytes, keyStart, keyEnd - 1, LOG_KEY)) {
      const id = objectLevel(bytes, i, end, true)
      if (id >= 0) return id
    }
    i = valueEnd(bytes, i, end)
    if (i < 0) return -1
    i = skipBlanks(bytes, i, end)
    if (bytes[i] !== COMMA) return -1
    i++
  }
}

/**
 * One JSON object per line (zap, zerolog, logrus, slog, pino, bunyan, winston, structlog, Serilog, ECS, Google Cloud
 * Logging, GELF, dla's JSON mode): the level is the value of the first top-level key among `level`, `lvl`,
 * `severity`, `log.level` (or ECS's nested `{"log":{"level":...}}`), `@l`, `levelname` and `l` (dla's message files)
 * that holds a level, in any order among the other keys.
 */
export const json = logFormat("json", '{"level":"info","ts":1732968000.123,"msg":"message"}', (bytes, start, end) => {
  const i = skipBlanks(bytes, start, end)
  return bytes[i] === LEFT_BRACE ? objectLevel(bytes, i, end, false) : -1
})
