/**
 * Counting the levels of one file, or of one byte range of it, streaming in large chunks.
 *
 * A byte range `[start, end)` owns exactly the lines that *start* inside it, so any split of a file into adjacent
 * ranges counts every line once, and splitting needs no I/O.
 *
 * The scan reads into one reused buffer, jumps from newline to newline with the native `indexOf`, and asks the
 * format for the level of each line on the bytes themselves: no line is ever decoded to a string. CRLF endings, a
 * last line without a newline and bytes that are not UTF-8 need no special care. Gzip files (recognised by their
 * magic bytes) are inflated as a stream; they cannot be split into ranges. A file with NUL bytes in its first 64 KiB
 * is binary and fails with reason `Binary` rather than being counted as noise.
 *
 * @since 0.1.0
 */
import { Buffer } from "node:buffer"
import type { FileHandle } from "node:fs/promises"
import { open } from "node:fs/promises"
import { pipeline } from "node:stream/promises"
import { createGunzip, gunzipSync, constants as zlibConstants } from "node:zlib"
import * as Effect from "effect/Effect"
import type * as Counts from "./Counts.ts"
import * as FileError from "./FileError.ts"
import { NEWLINE, Tally } from "./internal/tally.ts"
import * as LogFormat from "./LogFormat.ts"

export interface ByteRange {
  readonly start: number
  readonly end: number
}

export interface FileResult extends Counts.Counts {
  readonly path: string
  /** The name of the format the lines were read in: the one given, or the one detected (`klog`, `cri+json`...). */
  readonly format: string
  readonly durationMs: number
}

export interface AnalyseOptions {
  /** The format of every line; by default detected from the first lines of the file (the same for every range). */
  readonly format?: LogFormat.LogFormat
  /** Only the lines that start in this byte range (uncompressed files only). */
  readonly range?: ByteRange
  /** Called after each chunk with the bytes of the file (or range) done so far; compressed bytes for gzip. */
  readonly onProgress?: (bytesDone: number) => void
}

const CHUNK = 1024 * 1024
/** Bytes looked at to detect the format, gzip and binary content. */
const HEAD = 64 * 1024

/**
 * Counts the levels of a file (or of `options.range` of it). Rejects with a {@link FileError.FileError}: `NotFound`,
 * `NotAFile`, `Unreadable`, `Binary`, `Corrupt` (bad gzip data) or `RangeOnCompressed`.
 */
export const analyseFile = (path: string, options: AnalyseOptions = {}): Promise<FileResult> => {
  const began = performance.now()
  return withFile(path, async (handle) => {
    const info = await handle.stat()
    if (!info.isFile()) throw new FileError.FileError({ path, reason: "NotAFile", detail: "" })
    const { gzip, text } = await readHead(handle)
    if (hasNul(text)) throw new FileError.FileError({ path, reason: "Binary", detail: "NUL bytes in the first 64 KiB" })
    const format = options.format ?? LogFormat.detect(text)
    const tally = new Tally(format.levelOf)
    const counts = gzip
      ? await countGzip(path, handle, info.size, tally, options)
      : await countPlain(handle, info.size, tally, options)
    return { path, format: format.name, ...counts, durationMs: performance.now() - began }
  })
}

/** {@link analyseFile} as an Effect whose failures are {@link FileError.FileError}s. */
export const analyse = (path: string, options: AnalyseOptions = {}): Effect.Effect<FileResult, FileError.FileError> =>
  Effect.tryPromise({ try: () => analyseFile(path, options), catch: (cause) => FileError.fromSystemError(path, cause) })

/** Splits a file of `size` bytes into ranges of about `target` bytes (no I/O: see the module note). */
export const splitRanges = (size: number, target: number): Array<ByteRange> => {
  if (!(target > 0)) throw new RangeError(`splitRanges: target must be a positive number of bytes, got ${target}`)
  if (size <= target) return [{ start: 0, end: size }]
  const ranges: Array<ByteRange> = []
  for (let start = 0; start < size; start += target) ranges.push({ start, end: Math.min(size, start + target) })
  return ranges
}

/** Whether a file name says gzip (`.gz`): such files are analysed whole, never split into ranges. */
export const isCompressedName = (path: string): boolean => path.toLowerCase().endsWith(".gz")

/** Detects the format of a file from its first lines (inflated first when it is gzip). */
export const detectFormat = (path: string): Promise<LogFormat.LogFormat> =>
  withFile(path, async (handle) => LogFormat.detect((await readHead(handle)).text))

/** Runs `use` on the open file, always closing it; every failure becomes a {@link FileError.FileError}. */
const withFile = async <A>(path: string, use: (handle: FileHandle) => Promise<A>): Promise<A> => {
  const handle = await open(path, "r").catch((cause) => {
    throw FileError.fromSystemError(path, cause)
  })
  try {
    return await use(handle)
  } catch (cause) {
    throw FileError.fromSystemError(path, cause)
  } finally {
    await handle.close()
  }
}

/** The text at the start of a file (inflated when it is gzip), for detection and the binary check. */
const readHead = async (handle: FileHandle): Promise<{ readonly gzip: boolean; readonly text: Uint8Array }> => {
  const buffer = new Uint8Array(HEAD)
  const { bytesRead } = await handle.read(buffer, 0, HEAD, 0)
  const head = buffer.subarray(0, bytesRead)
  const gzip = isGzip(head)
  return { gzip, text: gzip ? inflateHead(head) : head }
}

const isGzip = (head: Uint8Array) => head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b

const hasNul = (bytes: Uint8Array) => bytes.subarray(0, HEAD).indexOf(0) >= 0

const countPlain = async (
  handle: FileHandle,
  size: number,
  tally: Tally,
  { range, onProgress }: AnalyseOptions
): Promise<Counts.Counts> => {
  const rangeStart = Math.min(range?.start ?? 0, size)
  const rangeEnd = Math.min(range?.end ?? size, size)
  if (rangeEnd <= rangeStart) return tally.counts(0)
  // The line under `rangeStart` belongs to the previous range unless a newline ends right before it.
  let skipFirst = false
  if (rangeStart > 0) {
    const before = new Uint8Array(1)
    await handle.read(before, 0, 1, rangeStart - 1)
    skipFirst = before[0] !== NEWLINE
  }
  // A Buffer, not a bare Uint8Array: its indexOf is memchr, about twice as fast at finding newlines.
  let buffer = Buffer.allocUnsafe(Math.min(CHUNK, rangeEnd - rangeStart + HEAD))
  let carry = 0 // bytes of an unfinished line kept at the front of `buffer`
  let offset = rangeStart // file offset of buffer[0]
  for (;;) {
    if (carry === buffer.length) buffer = grow(buffer)
    const { bytesRead } = await handle.read(buffer, carry, buffer.length - carry, offset + carry)
    const filled = carry + bytesRead
    if (bytesRead === 0) {
      if (carry > 0 && !skipFirst && offset < rangeEnd) tally.last(buffer, 0, carry)
      break
    }
    const view = buffer.subarray(0, filled)
    let from = 0
    if (skipFirst) {
      const newline = view.indexOf(NEWLINE)
      if (newline < 0) {
        offset += filled
        carry = 0
        continue
      }
      from = newline + 1
      skipFirst = false
    }
    const next = tally.scan(view, from, Math.min(filled, rangeEnd - offset))
    onProgress?.(Math.min(offset + filled, rangeEnd) - rangeStart)
    if (offset + next >= rangeEnd) break
    carry = filled - next
    buffer.copyWithin(0, next, filled)
    offset += next
  }
  return tally.counts(rangeEnd - rangeStart)
}

const countGzip = async (
  path: string,
  handle: FileHandle,
  size: number,
  tally: Tally,
  { range, onProgress }: AnalyseOptions
): Promise<Counts.Counts> => {
  if (range !== undefined && !(range.start <= 0 && range.end >= size)) {
    throw new FileError.FileError({ path, reason: "RangeOnCompressed", detail: `${range.start}-${range.end}` })
  }
  let buffer = Buffer.allocUnsafe(CHUNK)
  let carry = 0
  const compressed = handle.createReadStream({ autoClose: false, start: 0, highWaterMark: CHUNK })
  // pipeline() destroys every stream on success and on failure, so the handle is free when we close it.
  await pipeline(compressed, createGunzip({ chunkSize: 256 * 1024 }), async (inflated: AsyncIterable<Uint8Array>) => {
    for await (const chunk of inflated) {
      while (carry + chunk.length > buffer.length) buffer = grow(buffer)
      buffer.set(chunk, carry)
      const filled = carry + chunk.length
      const next = tally.scan(buffer.subarray(0, filled), 0, filled)
      carry = filled - next
      buffer.copyWithin(0, next, filled)
      onProgress?.(compressed.bytesRead)
    }
  })
  if (carry > 0) tally.last(buffer, 0, carry)
  return tally.counts(size)
}

/** The start of the text inside a gzip file's first compressed bytes (a partial stream inflates as far as it goes). */
const inflateHead = (compressed: Uint8Array): Uint8Array =>
  gunzipSync(compressed, { finishFlush: zlibConstants.Z_SYNC_FLUSH }).subarray(0, HEAD)

// A line longer than the buffer: double it (rare; logs with megabyte lines).
const grow = (buffer: Buffer) => {
  const bigger = Buffer.allocUnsafe(buffer.length * 2)
  bigger.set(buffer)
  return bigger
}
