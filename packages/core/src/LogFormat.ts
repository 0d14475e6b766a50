/**
 * Log formats: where the level of a line is, found on bytes (the built-in formats never decode a line).
 *
 * Each format knows the *position* of the level in its lines (after the timestamp, in the second bracket, after
 * `RAS <component>`...), so a level word inside the message never counts. A line whose level position holds no level
 * word has no level: it is counted as unmatched.
 *
 * @since 0.1.0
 */
import * as Level from "./Level.ts"

export interface LogFormat {
  readonly name: string
  /** What lines look like, for help texts and docs. */
  readonly example: string
  /** Level id (index in `Level.all`) of the line `bytes[start, end)` (no newline), or -1 when it has none. */
  readonly levelOf: (bytes: Uint8Array, start: number, end: number) => number
}

const SPACE = 0x20
const TAB = 0x09
const LEFT_BRACKET = 0x5b
const RIGHT_BRACKET = 0x5d
const COLON = 0x3a
const DASH = 0x2d

const isBlank = (byte: number | undefined) => byte === SPACE || byte === TAB
const skipBlanks = (bytes: Uint8Array, i: number, end: number) => {
  while (i < end && isBlank(bytes[i])) i++
  return i
}
const tokenEnd = (bytes: Uint8Array, i: number, end: number) => {
  while (i < end && !isBlank(bytes[i])) i++
  return i
}
/** End of the bracket group opening at `i` (nested brackets included, spaces allowed), or -1. */
const bracketEnd = (bytes: Uint8Array, i: number, end: number) => {
  let depth = 0
  for (; i < end; i++) {
    if (bytes[i] === LEFT_BRACKET) depth++
    else if (bytes[i] === RIGHT_BRACKET && --depth === 0) return i + 1
  }
  return -1
}
/** A word of digits and `-/:.,T+Z`, with at least one digit: a date, a time, a pid, an epoch. */
const isTimestampish = (bytes: Uint8Array, start: number, end: number) => {
  let digits = 0
  for (let i = start; i < end; i++) {
    const b = bytes[i]!
    if (b >= 0x30 && b <= 0x39) digits++
    else if (
      b !== DASH &&
      b !== 0x2f &&
      b !== COLON &&
      b !== 0x2e &&
      b !== 0x2c &&
      b !== 0x54 &&
      b !== 0x2b &&
      b !== 0x5a
    )
      return false
  }
  return digits > 0
}
/** A level word of at least two letters, with an optional trailing `:` (`ERROR:`). */
const wordLevel = (bytes: Uint8Array, start: number, end: number) => {
  if (bytes[end - 1] === COLON) end--
  return end - start < 2 ? -1 : Level.idOfBytes(bytes, start, end)
}

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
 * A timestamp, then the level: log4j, Hadoop, Spark, Zookeeper, HDFS, Python's `%(asctime)s %(levelname)s`, OpenStack.
 * Before the level only timestamp-like words (dates, times, pids, epochs), `-` separators and bracket groups
 * (`[main]`) may come, plus one leading source name when a timestamp follows it (OpenStack's `nova-api.log.1...`).
 * The first other word must be the level.
 */
export const log4j: LogFormat = {
  name: "log4j",
  example: "2015-10-18 18:01:47,978 INFO [main] org.apache.hadoop.Foo: message",
  levelOf: (bytes, start, end) => {
    let i = skipBlanks(bytes, start, end)
    let timestamps = 0
    for (let token = 0; token < MAX_HEADER_TOKENS && i < end; token++) {
      if (bytes[i] === LEFT_BRACKET) {
        const close = bracketEnd(bytes, i, end)
        if (close < 0 || timestamps === 0) return -1
        i = skipBlanks(bytes, close, end)
        continue
      }
      const wordEnd = tokenEnd(bytes, i, end)
      if (timestamps > 0) {
        const id = wordLevel(bytes, i, wordEnd)
        if (id >= 0) return id
      }
      if (isTimestampish(bytes, i, wordEnd)) timestamps++
      else if (!(wordEnd - i === 1 && bytes[i] === DASH) && !(token === 0 && followsTimestamp(bytes, wordEnd, end)))
        return -1
      i = skipBlanks(bytes, wordEnd, end)
    }
    return -1
  }
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
export const logcat: LogFormat = {
  name: "logcat",
  example: "03-17 16:13:38.811  1702  2395 D WindowManager: message",
  levelOf: (bytes, start, end) => {
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
}

/**
 * Python logging's other common layouts: the cookbook's `%(asctime)s - %(name)s - %(levelname)s - %(message)s`
 * and `basicConfig`'s default `LEVEL:logger:message`. (`%(asctime)s %(levelname)s ...` is {@link log4j}'s.)
 */
export const python: LogFormat = {
  name: "python",
  example: "2023-05-01 12:00:00,123 - app.db - WARNING - message",
  levelOf: (bytes, start, end) => {
    const firstColon = bytes.indexOf(COLON, start)
    if (firstColon > start && firstColon < end && firstColon - start <= 8) {
      const id = Level.idOfBytes(bytes, start, firstColon)
      if (id >= 0) return id
    }
    // Timestamp words, then ` - name - LEVEL - `.
    let i = skipBlanks(bytes, start, end)
    let timestamps = 0
    for (;;) {
      const wordEnd = tokenEnd(bytes, i, end)
      if (wordEnd === i || !isTimestampish(bytes, i, wordEnd)) break
      timestamps++
      i = skipBlanks(bytes, wordEnd, end)
    }
    if (timestamps === 0) return -1
    for (let field = 0; field < 2; field++) {
      if (bytes[i] !== DASH || !isBlank(bytes[i + 1])) return -1
      i = skipBlanks(bytes, i + 1, end)
      const wordEnd = tokenEnd(bytes, i, end)
      if (field === 1) return wordEnd < end ? wordLevel(bytes, i, wordEnd) : -1
      i = skipBlanks(bytes, wordEnd, end)
    }
    return -1
  }
}

const RAS = [0x52, 0x41, 0x53] // "RAS"
/**
 * Blue Gene/L RAS logs (loghub's BGL): `- 1117838570 2005.06.03 R02-M1-N0-C:J12-U11 2005-06-03-15.42.50.675872
 * R02-M1-N0-C:J12-U11 RAS KERNEL INFO message`. The level follows `RAS` and the component.
 */
export const bgl: LogFormat = {
  name: "bgl",
  example:
    "- 1117838570 2005.06.03 R02-M1-N0-C:J12-U11 2005-06-03-15.42.50.675872 R02-M1-N0-C:J12-U11 RAS KERNEL INFO message",
  levelOf: (bytes, start, end) => {
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
}

const utf8 = new TextDecoder("utf-8")

/**
 * A format from a regular expression with a named group `level` (`^\S+ (?<level>\w+) `). The group's text is mapped
 * through the level aliases; a line where it does not match, or names no level, is unmatched. Slower than the
 * built-in formats: each line is decoded to a string. Throws on an invalid pattern or one without a `level` group.
 */
export const regex = (source: string): LogFormat => {
  const pattern = new RegExp(source)
  if (!source.includes("(?<level>")) throw new Error(`format regex needs a named group (?<level>...): ${source}`)
  return {
    name: `regex:${source}`,
    example: source,
    levelOf: (bytes, start, end) => {
      const word = pattern.exec(utf8.decode(bytes.subarray(start, end)))?.groups?.level
      const level = word === undefined ? undefined : Level.fromWord(word.trim())
      return level === undefined ? -1 : Level.id(level)
    }
  }
}

/** The built-in formats, in the order detection prefers them on a tie. */
export const named: ReadonlyArray<LogFormat> = [bracketed, log4j, logcat, python, bgl]

/** Other names users know these formats by. */
const aliases: Record<string, LogFormat> = {
  apache: bracketed,
  hadoop: log4j,
  spark: log4j,
  zookeeper: log4j,
  hdfs: log4j,
  openstack: log4j,
  android: logcat
}

/** A format from a `--format` value: a built-in name or alias, or else a regular expression with a `level` group. */
export const fromSpec = (spec: string): LogFormat => {
  const builtIn = named.find((format) => format.name === spec) ?? aliases[spec]
  if (builtIn !== undefined) return builtIn
  if (!spec.includes("(?<level>")) {
    const names = [...named.map((f) => f.name), ...Object.keys(aliases)].join(", ")
    throw new Error(`unknown format '${spec}': use one of ${names} or a regex with a group (?<level>...)`)
  }
  return regex(spec)
}

const NEWLINE = 0x0a
const CARRIAGE_RETURN = 0x0d
/** How many lines detection looks at. */
export const SAMPLE_LINES = 200

/**
 * Picks the format that finds a level in the most of the first {@link SAMPLE_LINES} lines of `head` (the start of a
 * file). Ties go to the earlier format in {@link named}; with no level anywhere, {@link bracketed} (every line will
 * then be counted as unmatched, which is the truth).
 */
export const detect = (head: Uint8Array): LogFormat => {
  const hits = new Array<number>(named.length).fill(0)
  let start = 0
  for (let line = 0; line < SAMPLE_LINES && start < head.length; line++) {
    let end = head.indexOf(NEWLINE, start)
    // An unfinished last line is only sampled when it is all there is.
    if (end < 0) {
      if (line > 0) break
      end = head.length
    }
    const lineEnd = end > start && head[end - 1] === CARRIAGE_RETURN ? end - 1 : end
    named.forEach((format, i) => {
      if (format.levelOf(head, start, lineEnd) >= 0) hits[i]!++
    })
    start = end + 1
  }
  const best = hits.indexOf(Math.max(...hits))
  return hits[best]! > 0 ? named[best]! : bracketed
}
