/**
 * The formats of loghub's collections and of the seed generator: bracketed (Apache), log4j (Hadoop, Spark, Zookeeper,
 * HDFS, OpenStack, Ray's Python logs, Rust's tracing), Android logcat and Blue Gene/L.
 */
import * as Level from "../Level.ts"
import {
  bracketEnd,
  COLON,
  DASH,
  isBlank,
  isTimestampish,
  LEFT_BRACKET,
  type LogFormat,
  logFormat,
  RIGHT_BRACKET,
  SPACE,
  skipBlanks,
  tokenEnd,
  wordLevel
} from "./shared.ts"

/**
 * `[2025-01-01T00:00:00] [INFO] message`: the seed generator's format, and the Apache error log
 * (`[Sun Dec 04 04:47:44 2005] [error] ...`, Apache 2.4's `[... 2017] [core:error] [pid 1] ...`). The level is the
 * whole second bracket group.
 */
export const bracketed: LogFormat = {
  name: "bracketed",
  example: "[2025-01-01T00:00:00] [INFO] message",
  levelOf: (bytes, start, end) => {
    // Short walks in plain loops: cheaper than indexOf calls for the ~20 bytes of a timestamp.
    if (bytes[start] !== LEFT_BRACKET) return -1
    // Fast path for the generator's ISO timestamp (`2025-01-01T00:00:00`, 19 characters): its shape puts the bracket
    // at +20 with none before it.
    let close = start + 20
    if (
      bytes[close] !== RIGHT_BRACKET ||
      bytes[start + 5] !== DASH ||
      bytes[start + 8] !== DASH ||
      bytes[start + 14] !== COLON ||
      bytes[start + 17] !== COLON
    ) {
      close = start + 1
      while (close < end && bytes[close] !== RIGHT_BRACKET) close++
    }
    if (close + 3 >= end || bytes[close + 1] !== SPACE || bytes[close + 2] !== LEFT_BRACKET) return -1
    let levelStart = close + 3
    let levelEnd = levelStart
    while (levelEnd < end && bytes[levelEnd] !== RIGHT_BRACKET) {
      // Apache 2.4 names the module first: `[core:error]`.
      if (bytes[levelEnd] === COLON) levelStart = levelEnd + 1
      levelEnd++
    }
    return levelEnd < end ? Level.idOfBytes(bytes, levelStart, levelEnd) : -1
  }
}

const MAX_HEADER_TOKENS = 8

/**
 * A timestamp, then the level: log4j, Hadoop, Spark, Zookeeper, HDFS, Python's `%(asctime)s %(levelname)s` (and
 * `[%(asctime)s] %(levelname)s`), loguru, OpenStack. Before the level only timestamp-like words (dates, times, pids,
 * epochs), `-` and `|` separators and bracket groups (`[main]`) may come, plus one leading source name when a
 * timestamp follows it (OpenStack's `nova-api.log.1...`); a bracket group first must hold a time. The first other
 * word must be the level.
 */
export const log4j = logFormat(
  "log4j",
  "2015-10-18 18:01:47,978 INFO [main] org.apache.hadoop.Foo: message",
  (bytes, start, end) => {
    let i = skipBlanks(bytes, start, end)
    let timestamps = 0
    for (let token = 0; token < MAX_HEADER_TOKENS && i < end; token++) {
      if (bytes[i] === LEFT_BRACKET) {
        const close = bracketEnd(bytes, i, end)
        if (close < 0) return -1
        // `[2024-11-30 12:00:00,123] INFO ...` (`[%(asctime)s] %(levelname)s`): a bracketed time first.
        if (timestamps === 0) {
          // (A blank after it: Hydra's `[time][name][LEVEL]` is the hydra format's.)
          if (token > 0 || !isBlank(bytes[close]) || !isTimestampGroup(bytes, i + 1, close - 1)) return -1
          timestamps++
        }
        i = skipBlanks(bytes, close, end)
        continue
      }
      const wordEnd = tokenEnd(bytes, i, end)
      if (timestamps > 0) {
        const id = wordLevel(bytes, i, wordEnd)
        if (id >= 0) return id
      }
      if (isTimestampish(bytes, i, wordEnd)) timestamps++
      else if (!isSeparator(bytes, i, wordEnd) && !(token === 0 && followsTimestamp(bytes, wordEnd, end))) return -1
      i = skipBlanks(bytes, wordEnd, end)
    }
    return -1
  }
)
/** A `-` or `|` between fields (loguru: `2024-11-30 12:00:00.123 | INFO     | ...`). */
const PIPE = 0x7c
const isSeparator = (bytes: Uint8Array, start: number, end: number) =>
  end - start === 1 && (bytes[start] === DASH || bytes[start] === PIPE)
/** Whether `bytes[start, end)` holds timestamp-like words only (at least one). */
const isTimestampGroup = (bytes: Uint8Array, start: number, end: number) => {
  let i = skipBlanks(bytes, start, end)
  if (i >= end) return false
  while (i < end) {
    const wordEnd = tokenEnd(bytes, i, end)
    if (!isTimestampish(bytes, i, wordEnd)) return false
    i = skipBlanks(bytes, wordEnd, end)
  }
  return true
}
const followsTimestamp = (bytes: Uint8Array, i: number, end: number) => {
  const next = skipBlanks(bytes, i, end)
  return next < end && isTimestampish(bytes, next, tokenEnd(bytes, next, end))
}

const LOGCAT_LETTERS: Record<string, number> = { V: 0, D: 1, I: 2, W: 4, E: 5, F: 6, A: 6 }
const logcatIds = new Int8Array(128).fill(-1)
for (const [letter, id] of Object.entries(LOGCAT_LETTERS)) logcatIds[letter.charCodeAt(0)] = id

/**
 * Android logcat, `threadtime` layout: `03-17 16:13:38.811  1702  2395 D WindowManager: message`. The level is the
 * one letter after date, time, pid and tid: V D I W E F, and A (assert) as FATAL.
 */
export const logcat = logFormat(
  "logcat",
  "03-17 16:13:38.811  1702  2395 D WindowManager: message",
  (bytes, start, end) => {
    let i = start
    for (let field = 0; field < 4; field++) {
      i = skipBlanks(bytes, i, end)
      const wordEnd = tokenEnd(bytes, i, end)
      if (wordEnd === i || !isTimestampish(bytes, i, wordEnd)) return -1
      i = wordEnd
    }
    i = skipBlanks(bytes, i, end)
    if (i + 1 >= end || !isBlank(bytes[i + 1])) return -1
    const letter = bytes[i]!
    return letter < 128 ? logcatIds[letter]! : -1
  }
)

const RAS = [0x52, 0x41, 0x53] // "RAS"
/**
 * Blue Gene/L RAS logs (loghub's BGL): `- 1117838570 2005.06.03 R02-M1-N0-C:J12-U11 2005-06-03-15.42.50.675872
 * R02-M1-N0-C:J12-U11 RAS KERNEL INFO message`. The level follows `RAS` and the component.
 */
export const bgl = logFormat(
  "bgl",
  "- 1117838570 2005.06.03 R02-M1-N0-C:J12-U11 2005-06-03-15.42.50.675872 R02-M1-N0-C:J12-U11 RAS KERNEL INFO message",
  (bytes, start, end) => {
    let i = start
    for (let token = 0; token < MAX_HEADER_TOKENS && i < end; token++) {
      i = skipBlanks(bytes, i, end)
      const wordEnd = tokenEnd(bytes, i, end)
      if (wordEnd - i === 3 && bytes[i] === RAS[0] && bytes[i + 1] === RAS[1] && bytes[i + 2] === RAS[2]) {
        const component = skipBlanks(bytes, wordEnd, end)
        const levelStart = skipBlanks(bytes, tokenEnd(bytes, component, end), end)
        return Level.idOfBytes(bytes, levelStart, tokenEnd(bytes, levelStart, end))
      }
      i = wordEnd
    }
    return -1
  }
)
