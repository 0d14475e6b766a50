/**
 * dla's own text lines (`@dla/logger`): the console and per-rank file layouts, and the per-node file's.
 */
import * as Level from "../Level.ts"
import {
  COLON,
  DASH,
  DOT,
  ESCAPE,
  find,
  isDigit,
  isUpper,
  isUpperWord,
  LEFT_BRACKET,
  logFormat,
  RIGHT_BRACKET,
  SPACE
} from "./shared.ts"

/** `[12:34:56.789]` (console) closes at +13, `[2026-11-23 12:34:56.789]` (per-rank files) at +24. */
const CLOCK_CLOSE = 13
const DATE_CLOSE = 24
const MAX_RANK = 8
const MAX_COLOR = 8

/** After an ANSI colour sequence (`\x1b[32m`) at `i`, or `i` when there is none. */
const skipColor = (bytes: Uint8Array, i: number, end: number) => {
  if (bytes[i] !== ESCAPE) return i
  const m = find(bytes, 0x6d, i + 1, Math.min(end, i + MAX_COLOR))
  return m < 0 ? i : m + 1
}

/** The console and per-rank file line: `[time] [rank] LEVEL    message`, the rank optional, the level maybe coloured. */
const rankLine = (bytes: Uint8Array, start: number, end: number) => {
  let close = start + CLOCK_CLOSE
  if (bytes[close] !== RIGHT_BRACKET || bytes[start + 3] !== COLON) {
    close = start + DATE_CLOSE
    if (bytes[close] !== RIGHT_BRACKET || bytes[start + 5] !== DASH || bytes[start + 14] !== COLON) return -1
  }
  if (bytes[close + 1] !== SPACE) return -1
  let i = close + 2
  if (bytes[i] === LEFT_BRACKET) {
    const rankEnd = find(bytes, RIGHT_BRACKET, i + 1, Math.min(end, i + MAX_RANK))
    if (rankEnd < 0 || !isDigit(bytes[i + 1]) || bytes[rankEnd + 1] !== SPACE) return -1
    i = rankEnd + 2
  }
  i = skipColor(bytes, i, end)
  let levelEnd = i
  while (levelEnd < end && isUpper(bytes[levelEnd])) levelEnd++
  const after = bytes[levelEnd]
  if (levelEnd < end && after !== SPACE && after !== ESCAPE) return -1
  return Level.idOfBytes(bytes, i, levelEnd)
}

/** The per-node file line: `2026-11-23 12:34:56.789 [LEVEL] [node] [workload:rank(localRank)] message`. */
const nodeLine = (bytes: Uint8Array, start: number, end: number) => {
  if (
    bytes[start + 4] !== DASH ||
    bytes[start + 10] !== SPACE ||
    bytes[start + 13] !== COLON ||
    bytes[start + 19] !== DOT ||
    bytes[start + 23] !== SPACE ||
    bytes[start + 24] !== LEFT_BRACKET
  )
    return -1
  const close = find(bytes, RIGHT_BRACKET, start + 25, end)
  return close < 0 || bytes[close + 1] !== SPACE || !isUpperWord(bytes, start + 25, close)
    ? -1
    : Level.idOfBytes(bytes, start + 25, close)
}

/**
 * `@dla/logger`'s text lines: the console's `[12:34:56.789] [3] INFO     message` (the rank shown or not, the level
 * maybe coloured), the per-rank file's `[2026-11-23 12:34:56.789] [3] WARN     message`, and the per-node file's
 * `2026-11-23 12:34:56.789 [ERROR] [node-1] [workload:3(1)] train.ts:42 message`. Its JSON mode is {@link json}.
 */
export const dla = logFormat("dla", "[2026-11-23 12:34:56.789] [3] WARN     message", (bytes, start, end) =>
  bytes[start] === LEFT_BRACKET ? rankLine(bytes, start, end) : isDigit(bytes[start]) ? nodeLine(bytes, start, end) : -1
)
