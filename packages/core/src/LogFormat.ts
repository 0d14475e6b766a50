/**
 * Log formats: how to find the level of one line, working on bytes (the hot path never decodes lines).
 *
 * @since 0.1.0
 */
import * as Level from "./Level.ts"

export interface LogFormat {
  readonly name: string
  /** Level id (index in `Level.all`) of the line `bytes[start, end)` (no newline), or -1 when it has none. */
  readonly levelOf: (bytes: Uint8Array, start: number, end: number) => number
}

const RIGHT_BRACKET = 0x5d
const LEFT_BRACKET = 0x5b
const SPACE = 0x20
const latin1 = new TextDecoder("latin1")

/** `[2025-01-01T00:00:00] [INFO] message`: the seed generator's format. */
export const bracketed: LogFormat = {
  name: "bracketed",
  levelOf: (bytes, start, end) => {
    if (bytes[start] !== LEFT_BRACKET) return -1
    const close = bytes.indexOf(RIGHT_BRACKET, start + 1)
    if (close < 0 || close + 3 >= end || bytes[close + 1] !== SPACE || bytes[close + 2] !== LEFT_BRACKET) return -1
    const levelEnd = bytes.indexOf(RIGHT_BRACKET, close + 3)
    if (levelEnd < 0 || levelEnd >= end) return -1
    const level = Level.fromWord(latin1.decode(bytes.subarray(close + 3, levelEnd)))
    return level === undefined ? -1 : Level.id(level)
  }
}

const utf8 = new TextDecoder("utf-8")

/**
 * A format from a regular expression with a named group `level` (`^\S+ (?<level>\w+) `). The group's text is mapped
 * through the level aliases; a line where it does not match, or names no level, is unmatched. Slower than the
 * built-in formats: each line is decoded to a string.
 */
export const regex = (source: string): LogFormat => {
  const pattern = new RegExp(source)
  if (!source.includes("(?<level>")) throw new Error(`format regex needs a named group (?<level>...): ${source}`)
  return {
    name: `regex:${source}`,
    levelOf: (bytes, start, end) => {
      const word = pattern.exec(utf8.decode(bytes.subarray(start, end)))?.groups?.level
      const level = word === undefined ? undefined : Level.fromWord(word.trim())
      return level === undefined ? -1 : Level.id(level)
    }
  }
}

/** The built-in formats, by name. */
export const named: ReadonlyArray<LogFormat> = [bracketed]

/** A format from a `--format` value: a built-in name, or else a regular expression with a `level` group. */
export const fromSpec = (spec: string): LogFormat => {
  const builtIn = named.find((format) => format.name === spec)
  if (builtIn !== undefined) return builtIn
  if (!spec.includes("(?<level>")) {
    throw new Error(
      `unknown format '${spec}': use one of ${named.map((f) => f.name).join(", ")} or a regex with (?<level>...)`
    )
  }
  return regex(spec)
}
