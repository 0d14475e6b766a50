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
