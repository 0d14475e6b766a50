/**
 * Python `logging` layouts that are not {@link log4j}'s `%(asctime)s %(levelname)s`: `basicConfig`'s default (and
 * uvicorn's), the cookbook's dashes (Dask's default), and Hydra's brackets.
 */
import * as Level from "../Level.ts"
import {
  COLON,
  DASH,
  find,
  isBlank,
  isDigit,
  isLower,
  isTimestampish,
  isUpper,
  isUpperWord,
  LEFT_BRACKET,
  logFormat,
  RIGHT_BRACKET,
  skipBlanks,
  tokenEnd,
  wordLevel
} from "./shared.ts"

/** `CRITICAL` is the longest level name Python prints. */
const MAX_PREFIX = 8
/** Shorter upper-case words before a colon (`E:`, `ID:`) are too common in messages to be a level. */
const MIN_PREFIX = 4

/**
 * Python logging's other common layouts: `basicConfig`'s default `LEVEL:logger:message` (uvicorn's `LEVEL:  message`
 * too), and the cookbook's `%(asctime)s - %(name)s - %(levelname)s - %(message)s` (Dask's default). The basicConfig
 * level must be upper case, as Python prints it, so `Error: ...` in a traceback is no level.
 */
export const python = logFormat(
  "python",
  "2023-05-01 12:00:00,123 - app.db - WARNING - message",
  (bytes, start, end) => {
    const firstColon = find(bytes, COLON, start, Math.min(end, start + MAX_PREFIX + 1))
    if (firstColon - start >= MIN_PREFIX && isUpperWord(bytes, start, firstColon)) {
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
    // Without a timestamp (`%(name)s - %(levelname)s - %(message)s`, older Dask), the line starts with the name.
    if (timestamps === 0) {
      if (!isLetter(bytes[i])) return -1
      i = skipBlanks(bytes, tokenEnd(bytes, i, end), end)
    }
    for (let field = timestamps === 0 ? 1 : 0; field < 2; field++) {
      if (!isSeparator(bytes, i, end)) return -1
      i = skipBlanks(bytes, i + 1, end)
      const wordEnd = tokenEnd(bytes, i, end)
      if (field === 1) {
        if (timestamps === 0 && !isSeparator(bytes, skipBlanks(bytes, wordEnd, end), end)) return -1
        return wordEnd < end ? wordLevel(bytes, i, wordEnd) : -1
      }
      i = skipBlanks(bytes, wordEnd, end)
    }
    return -1
  }
)

const isLetter = (byte: number | undefined) => isUpper(byte) || isLower(byte)
/** ` - ` between the fields. */
const isSeparator = (bytes: Uint8Array, i: number, end: number) =>
  i + 1 < end && bytes[i] === DASH && isBlank(bytes[i + 1])

/**
 * Hydra's job logging, `[%(asctime)s][%(name)s][%(levelname)s] - %(message)s`:
 * `[2024-11-30 12:00:00,123][__main__][INFO] - message`. The level is the third of three adjoining bracket groups.
 */
export const hydra = logFormat("hydra", "[2024-11-30 12:00:00,123][__main__][INFO] - message", (bytes, start, end) => {
  if (bytes[start] !== LEFT_BRACKET || !isDigit(bytes[start + 1])) return -1
  const time = find(bytes, RIGHT_BRACKET, start + 1, end)
  if (time < 0 || bytes[time + 1] !== LEFT_BRACKET) return -1
  const name = find(bytes, RIGHT_BRACKET, time + 2, end)
  if (name < 0 || bytes[name + 1] !== LEFT_BRACKET) return -1
  const level = find(bytes, RIGHT_BRACKET, name + 2, end)
  return level < 0 ? -1 : Level.idOfBytes(bytes, name + 2, level)
})
