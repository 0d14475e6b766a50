/**
 * Counting the levels of one file, or of one byte range of it, streaming in large chunks.
 *
 * A byte range `[start, end)` owns exactly the lines that *start* inside it, so any split of a file into adjacent
 * ranges counts every line once, and splitting needs no I/O.
 *
 * @since 0.1.0
 */
import { open } from "node:fs/promises"
import { Effect } from "effect"
import * as Counts from "./Counts.ts"
import * as FileError from "./FileError.ts"
import * as Level from "./Level.ts"
import * as LogFormat from "./LogFormat.ts"

export interface ByteRange {
  readonly start: number
  readonly end: number
}

export interface FileResult extends Counts.Counts {
  readonly path: string
  readonly durationMs: number
}

export interface AnalyseOptions {
  readonly format?: LogFormat.LogFormat
  readonly range?: ByteRange
}

const NEWLINE = 0x0a
const CARRIAGE_RETURN = 0x0d
const CHUNK = 4 * 1024 * 1024

/** Counts the levels of a file (or of `options.range` of it). */
export const analyseFile = async (path: string, options: AnalyseOptions = {}): Promise<FileResult> => {
  const began = performance.now()
  const format = options.format ?? LogFormat.bracketed
  const perLevel = new Array<number>(Level.all.length).fill(0)
  let lines = 0
  let unmatched = 0
  const count = (bytes: Uint8Array, start: number, end: number) => {
    if (end > start && bytes[end - 1] === CARRIAGE_RETURN) end--
    lines++
    const id = format.levelOf(bytes, start, end)
    if (id < 0) unmatched++
    else perLevel[id]!++
  }

  const handle = await open(path, "r")
  try {
    const size = (await handle.stat()).size
    const rangeStart = Math.min(options.range?.start ?? 0, size)
    const rangeEnd = Math.min(options.range?.end ?? size, size)
    let buffer = new Uint8Array(CHUNK)
    let position = rangeStart
    let skipFirst = false
    if (rangeStart > 0) {
      // The line under `rangeStart` belongs to the previous range unless a newline ends right before it.
      const probe = new Uint8Array(1)
      await handle.read(probe, 0, 1, rangeStart - 1)
      skipFirst = probe[0] !== NEWLINE
    }
    let carry = 0 // bytes of an unfinished line kept at the front of `buffer`
    let lineStartPosition = position // file offset of buffer[0]
    let done = false
    while (!done) {
      if (carry === buffer.length) {
        const bigger = new Uint8Array(buffer.length * 2)
        bigger.set(buffer)
        buffer = bigger
      }
      const { bytesRead } = await handle.read(buffer, carry, buffer.length - carry, position)
      position += bytesRead
      const filled = carry + bytesRead
      let lineStart = 0
      if (bytesRead === 0) {
        if (carry > 0 && !skipFirst && lineStartPosition < rangeEnd) count(buffer, 0, carry)
        break
      }
      let newline = buffer.indexOf(NEWLINE, 0)
      while (newline >= 0 && newline < filled) {
        if (skipFirst) skipFirst = false
        else if (lineStartPosition + lineStart >= rangeEnd) {
          done = true
          break
        } else count(buffer, lineStart, newline)
        lineStart = newline + 1
        newline = buffer.indexOf(NEWLINE, lineStart)
      }
      if (done) break
      if (lineStartPosition + lineStart >= rangeEnd) break
      carry = filled - lineStart
      buffer.copyWithin(0, lineStart, filled)
      lineStartPosition += lineStart
    }
    return {
      path,
      ...Counts.fromArray(perLevel, lines, unmatched, rangeEnd - rangeStart),
      durationMs: performance.now() - began
    }
  } finally {
    await handle.close()
  }
}

/** {@link analyseFile} as an Effect whose failures are {@link FileError.FileError}s. */
export const analyse = (path: string, options: AnalyseOptions = {}): Effect.Effect<FileResult, FileError.FileError> =>
  Effect.tryPromise({ try: () => analyseFile(path, options), catch: (cause) => FileError.fromSystemError(path, cause) })

/** Splits a file of `size` bytes into ranges of about `target` bytes (no I/O: see the module note). */
export const splitRanges = (size: number, target: number): Array<ByteRange> => {
  if (size <= target) return [{ start: 0, end: size }]
  const ranges: Array<ByteRange> = []
  for (let start = 0; start < size; start += target) ranges.push({ start, end: Math.min(size, start + target) })
  return ranges
}
