/**
 * Counting the levels of one file, or of one byte range of it, or of many small files in one call.
 *
 * A byte range `[start, end)` owns exactly the lines that *start* inside it, so any split of a file into adjacent
 * ranges counts every line once, and splitting needs no I/O.
 *
 * Files are read straight into the scan kernel's buffer (internal/kernel.ts), which finds the newlines many lines a
 * call; the format is asked for the level of each line on the bytes themselves: no line is ever decoded to a string.
 * CRLF endings, a last line without a newline and bytes that are not UTF-8 need no special care. Compressed files
 * (recognised by their magic bytes) are inflated as a stream: gzip everywhere, zstd where the runtime's `node:zlib`
 * has it; they cannot be split into ranges. xz and bzip2 files fail with reason `Unsupported`. A file with NUL bytes
 * in its first 64 KiB is binary and fails with reason `Binary` rather than being counted as noise.
 *
 * A file whose size moves while it is counted (appended to, truncated, rewritten) is counted as far as its scan read
 * (up to the end of its range or the size it started from, never past it) and its result says so in `changed`.
 *
 * @since 0.1.0
 */
import { Buffer } from "node:buffer"
import fs, { closeSync, fstatSync, openSync, readSync } from "node:fs"
import type { FileHandle } from "node:fs/promises"
import process from "node:process"
import type { Readable, Transform } from "node:stream"
import * as Effect from "effect/Effect"
import * as Counts from "./Counts.ts"
import * as FileError from "./FileError.ts"
import * as Kernel from "./internal/kernel.ts"
import * as Stopwatch from "./internal/stopwatch.ts"
import { NEWLINE, Tally } from "./internal/tally.ts"
import * as LogFormat from "./LogFormat.ts"

/**
 * A byte range of a file: `start` inclusive, `end` exclusive.
 *
 * @since 0.1.0
 * @category models
 */
export interface ByteRange {
  readonly start: number
  readonly end: number
}

/**
 * The counts of one file (or range of it), with its path, its format and how long counting took.
 *
 * @since 0.1.0
 * @category models
 */
export interface FileResult extends Counts.Counts {
  readonly path: string
  /** The name of the format the lines were read in: the one given, or the one detected (`klog`, `cri+json`...). */
  readonly format: string
  readonly durationMs: number
  /** Present when the file's size changed while it was counted: the counts cover what the scan read. */
  readonly changed?: SizeChange
}

/**
 * A file that grew or shrank during its scan: its size when the scan started (or as listed, for a batch part given
 * its `size`) and the size the scan found at its end.
 *
 * @since 0.1.0
 * @category models
 */
export interface SizeChange {
  readonly before: number
  readonly after: number
}

/**
 * How a file is counted: its format, a byte range of it, a progress callback.
 *
 * @since 0.1.0
 * @category models
 */
export interface AnalyseOptions {
  /** The format of every line; by default detected from the first lines of the file (the same for every range). */
  readonly format?: LogFormat.LogFormat
  /** Only the lines that start in this byte range (uncompressed files only). */
  readonly range?: ByteRange
  /** Called after each chunk with the bytes of the file (or range) done so far; compressed bytes when compressed. */
  readonly onProgress?: (bytesDone: number) => void
  /**
   * The file's size as it was listed (default: its size when it is opened): a scan that finds the file at another
   * size says so in `FileResult.changed` (plain files).
   */
  readonly size?: number
}

const CHUNK = 1024 * 1024
/** Bytes looked at to detect the format, compression and binary content. */
const HEAD = 64 * 1024

/**
 * How this runtime finds newlines: `"wasm"` (the WebAssembly SIMD kernel) or `"js"` (the fallback, one `indexOf`
 * per line). The counts are the same; only the speed differs.
 *
 * @since 0.1.0
 * @category constants
 */
export const kernel: "wasm" | "js" = Kernel.kind

/**
 * Whether this runtime's `node:zlib` inflates zstd (Node >= 22.15 or 23.8, Bun, Deno): else such files are skipped.
 *
 * @since 0.1.0
 * @category predicates
 */
export const hasZstd = (): boolean => zlib().createZstdDecompress !== undefined

/**
 * Counts the levels of a file (or of `options.range` of it). Rejects with a {@link FileError.FileError}: `NotFound`,
 * `NotAFile`, `Unreadable`, `Binary`, `Unsupported` (xz, bzip2, zstd on a runtime without it), `Corrupt` (bad
 * compressed data) or `RangeOnCompressed`.
 *
 * @since 0.1.0
 * @category analysis
 */
export const analyseFile = (path: string, options: AnalyseOptions = {}): Promise<FileResult> => {
  const began = Stopwatch.now()
  return withFile(path, async (handle) => {
    const info = await handle.stat()
    if (!info.isFile()) throw new FileError.FileError({ path, reason: "NotAFile", detail: "" })
    const scanner = Kernel.acquire(CHUNK)
    try {
      const rangeStart = Math.min(options.range?.start ?? 0, info.size)
      // From the start of the file: the head (format, compression, binary check) and, for a first range, its first chunk.
      const headLength = rangeStart === 0 ? scanner.bytes.length : HEAD
      const { bytesRead } = await handle.read(scanner.bytes, 0, headLength, 0)
      const compression = compressionOf(scanner.bytes.subarray(0, bytesRead))
      if (compression !== undefined) {
        const counts = await countCompressed(path, handle.createReadStream({ autoClose: false, start: 0 }), {
          compression,
          scanner,
          ...options,
          size: info.size
        })
        return { path, ...counts, durationMs: Stopwatch.now() - began }
      }
      const tally = tallyOf(path, scanner.bytes.subarray(0, Math.min(bytesRead, HEAD)), options.format)
      const scan = new PlainScan(scanner, tally, rangeStart, Math.min(options.range?.end ?? info.size, info.size))
      await readAhead(handle, scan, rangeStart === 0 ? { bytesRead, requested: headLength } : undefined, options)
      const before = options.size ?? info.size
      const found = sizeFound(scan, options.range, before, info.size) ?? (await handle.stat()).size
      const counts = tally.counts(scan.bytes())
      return {
        path,
        format: tally.format,
        ...counts,
        durationMs: Stopwatch.now() - began,
        ...sizeChange(before, found)
      }
    } finally {
      Kernel.release(scanner)
    }
  })
}

/**
 * {@link analyseFile} as an Effect whose failures are {@link FileError.FileError}s.
 *
 * @since 0.1.0
 * @category analysis
 */
export const analyse = (path: string, options: AnalyseOptions = {}): Effect.Effect<FileResult, FileError.FileError> =>
  Effect.tryPromise({ try: () => analyseFile(path, options), catch: (cause) => FileError.fromSystemError(path, cause) })

/**
 * One file (or byte range of it) of a batch.
 *
 * @since 0.1.0
 * @category models
 */
export interface BatchPart {
  readonly path: string
  readonly range?: ByteRange
  /**
   * The file's size as it was listed: a scan that finds another size says so (`FileResult.changed`). Without it, a
   * file longer than one read is measured when it is opened, as {@link analyseFile} does.
   */
  readonly size?: number
}

/**
 * A part's result: its counts, or why it could not be counted (the other parts are counted all the same).
 *
 * @since 0.1.0
 * @category models
 */
export type BatchOutcome = FileResult | FileError.FileError

/**
 * Counts many files (or ranges) in one call, with few system calls: each plain file is opened, read into one reused
 * buffer and closed synchronously (no promise per read, no stat: a small file costs open, one read and close).
 * Compressed files go through {@link analyseFile}. Made for tasks that carry many small files; a part's failure is
 * its outcome, in the order of `parts`. Blocks its thread while it reads: keep a batch to a few megabytes.
 *
 * @since 0.1.0
 * @category analysis
 */
export const analyseBatch = async (
  parts: ReadonlyArray<BatchPart>,
  options: { readonly format?: LogFormat.LogFormat } = {}
): Promise<Array<BatchOutcome>> => {
  const outcomes: Array<BatchOutcome> = []
  const scanner = Kernel.acquire(CHUNK)
  try {
    for (const part of parts) {
      const outcome = countSync(part, scanner, options.format)
      outcomes.push(
        outcome === "compressed"
          ? await analyseFile(part.path, { range: part.range, format: options.format }).catch((cause: unknown) =>
              FileError.fromSystemError(part.path, cause)
            )
          : outcome
      )
    }
  } finally {
    Kernel.release(scanner)
  }
  return outcomes
}

/** One part of a batch, read with blocking calls; `"compressed"` when it must take the streaming path. */
const countSync = (
  { path, range, size }: BatchPart,
  scanner: Kernel.Scanner,
  format: LogFormat.LogFormat | undefined
): BatchOutcome | "compressed" => {
  const began = Stopwatch.now()
  let fd: number | undefined
  try {
    fd = openSync(path, "r")
    const rangeStart = Math.max(0, range?.start ?? 0)
    const bytesRead = readSync(fd, scanner.bytes, 0, rangeStart === 0 ? scanner.bytes.length : HEAD, 0)
    if (compressionOf(scanner.bytes.subarray(0, bytesRead)) !== undefined) return "compressed"
    const tally = tallyOf(path, scanner.bytes.subarray(0, Math.min(bytesRead, HEAD)), format, scanner)
    // No stat: the range ends at the end of the file, wherever the reads find it.
    const scan = new PlainScan(scanner, tally, rangeStart, range?.end ?? Number.POSITIVE_INFINITY)
    if (rangeStart === 0) {
      scan.consume(bytesRead, scanner.bytes.length)
      // A regular file reads short only at its end: a small file needs no second read to find it.
      if (bytesRead < scanner.bytes.length && !scan.done) scan.consume(0, 0)
    }
    // No listed size: a file read whole in one call cannot move while it is counted; a longer one is measured now.
    const before = size ?? (scan.done ? undefined : fstatSync(fd).size)
    while (!scan.done) {
      const room = scan.room()
      scan.consume(readSync(fd, scanner.bytes, scan.carry, room, scan.position), room)
    }
    // As analyseFile does, against the listed size when there is one.
    const changed =
      before === undefined
        ? undefined
        : sizeChange(before, sizeFound(scan, range, before, before) ?? fstatSync(fd).size)
    return {
      path,
      format: tally.format,
      ...tally.counts(scan.bytes()),
      durationMs: Stopwatch.now() - began,
      ...changed
    }
  } catch (cause) {
    return FileError.fromSystemError(path, cause)
  } finally {
    if (fd !== undefined) closeSync(fd)
  }
}

/** Room kept before a chunk read ahead, for the unfinished line of the chunk before it. */
const SLACK = 64 * 1024

/**
 * Feeds `scan` from `handle` until it is done, `first` being a read already made into its buffer. While the kernel
 * scans a chunk, the next one is read into a second buffer by a libuv thread (after `SLACK` bytes, where the
 * unfinished line of the chunk before is then copied): on two cores the copy out of the page cache and the scan
 * overlap and the scan hides behind the reads (the 20-file corpus in process: 72-78 ms against 76-81 ms one chunk
 * after the other, docs/benchmarks.md).
 * A line longer than `SLACK` is read again behind itself, as a plain scan would.
 */
const readAhead = async (
  handle: FileHandle,
  scan: PlainScan,
  first: { bytesRead: number; requested: number } | undefined,
  { onProgress }: AnalyseOptions
) => {
  const buffers = [scan.scanner, Kernel.acquire(CHUNK + SLACK)]
  let pending: Promise<{ bytesRead: number }> | undefined
  try {
    const readHere = async () => {
      const requested = scan.room()
      return {
        bytesRead: (await handle.read(scan.scanner.bytes, scan.at, requested, scan.position)).bytesRead,
        requested
      }
    }
    let read = first ?? (await readHere())
    for (;;) {
      // Progress before the next read is asked for: a caller that changes the file then sees it in every later read.
      onProgress?.(scan.progress(read.bytesRead))
      const readEnd = scan.position + read.bytesRead
      const ahead = scan.scanner === buffers[0] ? buffers[1]! : buffers[0]!
      // (The first buffer has no room for SLACK more: it reads that much less.)
      const length = Math.min(CHUNK, ahead.bytes.length - SLACK)
      pending = readEnd < scan.end ? handle.read(ahead.bytes, SLACK, length, readEnd) : undefined
      scan.consume(read.bytesRead, read.requested)
      if (scan.done) return
      const next = pending
      pending = undefined
      if (next !== undefined && scan.moveTo(ahead, SLACK)) {
        read = { bytesRead: (await next).bytesRead, requested: length }
      } else {
        await next
        read = await readHere()
      }
    }
  } finally {
    // A read still under way writes into a buffer that must not be reused before it is done.
    await pending?.catch(() => undefined)
    Kernel.release(buffers[1]!)
  }
}

/**
 * The size a finished scan of a file listed at `before` bytes (`opened` when it was opened) knows it has, or
 * `undefined` when the caller must look again: the reads met the end of the file somewhere else than `before` (a read
 * past the end tells only that the file is no longer), or they stopped at the end of the file without meeting it
 * (bytes appended meanwhile were left out). A range that ends before the end of the file leaves that to the last one.
 */
const sizeFound = (scan: PlainScan, range: ByteRange | undefined, before: number, opened: number) =>
  scan.eof === before
    ? before
    : scan.eof === undefined && range !== undefined && range.end < opened
      ? opened
      : undefined

/** `{ changed }` when a scan found the file at another size than the `before` it started from. */
const sizeChange = (before: number, found: number): { changed: SizeChange } | undefined =>
  found === before ? undefined : { changed: { before, after: found } }

/**
 * Splits a file of `size` bytes into ranges of about `target` bytes (no I/O: see the module note).
 *
 * @since 0.1.0
 * @category utils
 */
export const splitRanges = (size: number, target: number): Array<ByteRange> => {
  if (!(target > 0)) throw new RangeError(`splitRanges: target must be a positive number of bytes, got ${target}`)
  if (size <= target) return [{ start: 0, end: size }]
  const ranges: Array<ByteRange> = []
  for (let start = 0; start < size; start += target) ranges.push({ start, end: Math.min(size, start + target) })
  return ranges
}

/**
 * Whether a file name says compressed (`.gz`, `.zst`, ...): such files are analysed whole, never split into ranges.
 *
 * @since 0.1.0
 * @category predicates
 */
export const isCompressedName = (path: string): boolean => /\.(gz|zst|xz|bz2)$/i.test(path)

/**
 * Detects the format of a file from its first lines (inflated first when it is compressed).
 *
 * @since 0.1.0
 * @category analysis
 */
export const detectFormat = (path: string): Promise<LogFormat.LogFormat> =>
  withFile(path, async (handle) => {
    const head = new Uint8Array(HEAD)
    const { bytesRead } = await handle.read(head, 0, HEAD, 0)
    const compression = compressionOf(head.subarray(0, bytesRead))
    if (compression === undefined) return LogFormat.detect(head.subarray(0, bytesRead))
    const stream = handle.createReadStream({ autoClose: false, start: 0 })
    return LogFormat.detect(await inflatedHead(path, stream, compression))
  })

/**
 * Counts lines from stdin or any other stream of bytes (compressed ones are inflated, as for files). `name` stands
 * for the stream in errors and in the result's `path`.
 *
 * @since 0.1.0
 * @category analysis
 */
export const analyseStream = async (
  name: string,
  stream: AsyncIterable<Uint8Array>,
  options: Omit<AnalyseOptions, "range"> = {}
): Promise<FileResult> => {
  const began = Stopwatch.now()
  const scanner = Kernel.acquire(CHUNK)
  const chunks = stream[Symbol.asyncIterator]()
  try {
    // Enough of the start to see the compression, then the same path as a file's.
    const first: Array<Uint8Array> = []
    let headBytes = 0
    while (headBytes < 8) {
      const next = await chunks.next()
      if (next.done) break
      first.push(next.value)
      headBytes += next.value.length
    }
    const rest = (async function* () {
      yield* first
      for (let next = await chunks.next(); !next.done; next = await chunks.next()) yield next.value
    })()
    const compression = compressionOf(Buffer.concat(first))
    const counts =
      compression === undefined
        ? await countChunks(name, rest, { scanner, ...options })
        : await countCompressed(name, rest, { compression, scanner, ...options })
    return { path: name, ...counts, durationMs: Stopwatch.now() - began }
  } catch (cause) {
    throw FileError.fromSystemError(name, cause)
  } finally {
    Kernel.release(scanner)
  }
}

/**
 * Counts the lines of a file handed over in chunks of any size as they arrive (a stored file read message by
 * message), through the same scan kernel as {@link analyseFile}: the format is the one given, else detected from the
 * first chunk. Only complete lines are counted; an unfinished one waits for the next chunk. Holds no kernel buffer
 * between chunks (one is borrowed per {@link ChunkCounter.add}), so many counters may be alive at once.
 *
 * @since 0.2.0
 * @category analysis
 */
export class ChunkCounter {
  private tally: Tally | undefined
  /** The unfinished line at the end of the chunks so far. */
  private carry: Uint8Array = new Uint8Array(0)
  private total = 0
  private readonly given: LogFormat.LogFormat | undefined
  constructor(format?: LogFormat.LogFormat) {
    this.given = format
  }

  /** The name of the format the lines are read in, once the first chunk came. */
  get format(): string | undefined {
    return this.tally?.format
  }

  /** Counts the complete lines of `chunk` (after what was carried), and carries its unfinished last line. */
  add(chunk: Uint8Array): void {
    this.total += chunk.length
    if (this.tally === undefined) {
      const read = this.given ?? LogFormat.detect(chunk)
      this.tally = new Tally(read.levelOf, read.name)
    }
    const filled = this.carry.length + chunk.length
    const scanner = Kernel.acquire(filled)
    try {
      scanner.bytes.set(this.carry, 0)
      scanner.bytes.set(chunk, this.carry.length)
      const next = this.tally.scanLines(scanner, 0, filled, filled)
      this.carry = scanner.bytes.slice(next, filled)
    } finally {
      Kernel.release(scanner)
    }
  }

  /** The counts of the complete lines so far; `bytes` is every byte handed over. */
  counts(): Counts.Counts {
    return this.tally?.counts(this.total) ?? { ...Counts.empty, bytes: this.total }
  }
}

/** Runs `use` on the open file, always closing it; every failure becomes a {@link FileError.FileError}. */
const withFile = async <A>(path: string, use: (handle: FileHandle) => Promise<A>): Promise<A> => {
  // `fs.promises` read off the module at the call, not imported: the bundled CLI then loads node:fs/promises (and
  // the streams and readline with it) only for a file read this way.
  const handle = await fs.promises.open(path, "r").catch((cause) => {
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

/**
 * A tally for a file whose text starts with `head`; throws `Binary` when the head has NUL bytes. `scanner`: the head is
 * the start of its buffer, and its kernel finds the newlines detection samples (one call, not one per line).
 */
const tallyOf = (path: string, head: Uint8Array, format: LogFormat.LogFormat | undefined, scanner?: Kernel.Scanner) => {
  if (head.indexOf(0) >= 0) {
    throw new FileError.FileError({ path, reason: "Binary", detail: "NUL bytes in the first 64 KiB" })
  }
  const read = format ?? LogFormat.detect(head, scanner && newlinesOf(scanner, head.length))
  return new Tally(read.levelOf, read.name)
}

/** The newlines of a scanner's first `length` bytes, as many as detection samples. */
const newlinesOf = (scanner: Kernel.Scanner, length: number): LogFormat.Newlines => ({
  ends: scanner.ends,
  base: scanner.base,
  count: scanner.newlines(0, length)
})

type Compression = "gzip" | "zstd" | "xz" | "bzip2"

const GZIP = [0x1f, 0x8b]
const ZSTD = [0x28, 0xb5, 0x2f, 0xfd]
const XZ = [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]
const BZIP2 = [0x42, 0x5a, 0x68]

const startsWith = (bytes: Uint8Array, magic: ReadonlyArray<number>) => {
  for (let i = 0; i < magic.length; i++) if (bytes[i] !== magic[i]) return false
  return true
}

/** The compression a file's first bytes announce, if any (asked of every file: no array or closure per call). */
const compressionOf = (head: Uint8Array): Compression | undefined =>
  startsWith(head, GZIP)
    ? "gzip"
    : startsWith(head, ZSTD)
      ? "zstd"
      : startsWith(head, XZ)
        ? "xz"
        : startsWith(head, BZIP2) && head.length > 3 && head[3]! >= 0x31 && head[3]! <= 0x39
          ? "bzip2"
          : undefined

// Loaded with the first compressed input, not by every run: importing node:zlib and node:stream/promises as ES
// modules is ~5 ms of every start-up, and most runs count plain files only (docs/benchmarks.md).
// zstd came to node:zlib in Node 22.15/23.8; Bun and Deno have it too (docs/core.md keeps the list).
const zlib = () =>
  process.getBuiltinModule("node:zlib") as typeof import("node:zlib") & { createZstdDecompress?: () => Transform }
/** `stream/promises`' pipeline of the one shape used here: bytes, an inflater, and the counting of what it yields. */
const pipeline = (
  source: Readable | AsyncIterable<Uint8Array>,
  through: Transform,
  sink: (inflated: AsyncIterable<Buffer>) => Promise<void>
): Promise<void> => process.getBuiltinModule("node:stream/promises").pipeline(source, through, sink)

/** The inflating stream for `compression`; throws `Unsupported` where there is none. */
const inflater = (path: string, compression: Compression): Transform => {
  if (compression === "gzip") return zlib().createGunzip({ chunkSize: 256 * 1024 })
  const zstd = zlib()
  if (compression === "zstd" && zstd.createZstdDecompress !== undefined) return zstd.createZstdDecompress()
  const detail = compression === "zstd" ? "zstd (this runtime has no zstd)" : compression
  throw new FileError.FileError({ path, reason: "Unsupported", detail })
}

/** The first inflated bytes of a compressed stream (for detection), without counting anything. */
const inflatedHead = async (path: string, compressed: Readable, compression: Compression): Promise<Uint8Array> => {
  const head: Array<Uint8Array> = []
  let bytes = 0
  try {
    await pipeline(compressed, inflater(path, compression), async (inflated: AsyncIterable<Buffer>) => {
      for await (const chunk of inflated) {
        head.push(chunk)
        bytes += chunk.length
        if (bytes >= HEAD) break
      }
    })
  } catch (cause) {
    // Stopping early ends the pipeline with an abort: the head is there all the same.
    if (bytes < HEAD) throw cause
  }
  return Buffer.concat(head).subarray(0, HEAD)
}

interface StreamOptions extends Omit<AnalyseOptions, "range"> {
  readonly scanner: Kernel.Scanner
}

const countCompressed = async (
  path: string,
  compressed: Readable | AsyncIterable<Uint8Array>,
  options: StreamOptions & { readonly compression: Compression; readonly size?: number; readonly range?: ByteRange }
): Promise<NamedCounts> => {
  const { range, size } = options
  if (range !== undefined && size !== undefined && !(range.start <= 0 && range.end >= size)) {
    throw new FileError.FileError({ path, reason: "RangeOnCompressed", detail: `${range.start}-${range.end}` })
  }
  let counts: NamedCounts | undefined
  // pipeline() destroys every stream on success and on failure, so a file handle is free when it is closed.
  await pipeline(compressed, inflater(path, options.compression), async (inflated: AsyncIterable<Buffer>) => {
    counts = await countChunks(path, inflated, {
      ...options,
      onProgress: options.onProgress && (() => options.onProgress?.(compressedRead(compressed)))
    })
  })
  // Bytes read: the compressed size for a file, the inflated text for a stream.
  return size === undefined ? counts! : { ...counts!, bytes: size }
}

/** Compressed bytes read so far: a file's read stream knows, a plain stream does not. */
const compressedRead = (stream: Readable | AsyncIterable<Uint8Array>): number =>
  "bytesRead" in stream && typeof stream.bytesRead === "number" ? stream.bytesRead : 0

/** Counts and the name of the format the lines were read in. */
type NamedCounts = Counts.Counts & { readonly format: string }

/** Counts the lines of text arriving in chunks: the head decides binary and format, then the kernel scans. */
const countChunks = async (
  path: string,
  chunks: AsyncIterable<Uint8Array>,
  { scanner, format, onProgress }: StreamOptions
): Promise<NamedCounts> => {
  let tally: Tally | undefined
  let filled = 0
  let total = 0
  for await (const chunk of chunks) {
    scanner.reserve(filled + chunk.length, filled)
    scanner.bytes.set(chunk, filled)
    filled += chunk.length
    total += chunk.length
    if (tally === undefined) {
      if (filled < HEAD) continue
      tally = tallyOf(path, scanner.bytes.subarray(0, HEAD), format)
    }
    const next = tally.scanLines(scanner, 0, filled, filled)
    scanner.bytes.copyWithin(0, next, filled)
    filled -= next
    onProgress?.(total)
  }
  tally ??= tallyOf(path, scanner.bytes.subarray(0, filled), format)
  const next = tally.scanLines(scanner, 0, filled, filled)
  if (next < filled) tally.last(scanner.bytes, next, filled)
  return { format: tally.format, ...tally.counts(total) }
}

/**
 * The lines of a byte range of a plain file, fed by reads of any kind (the same steps, blocking or not): the caller
 * reads `room()` bytes at `position` into `scanner.bytes` at `at` (`carry` until {@link PlainScan.moveTo}) and hands
 * the count to `consume` until `done`.
 */
class PlainScan {
  /** File offset of `scanner.bytes[lead]`. */
  private offset: number
  /** Where the bytes of the scan start in `scanner.bytes` (0 until {@link PlainScan.moveTo}). */
  private lead = 0
  /** Bytes of an unfinished line kept at the front of the buffer. */
  carry = 0
  /** Still inside the line that started before the range (it belongs to the range before). */
  private skipFirst: boolean
  /** Where the range ends in the file (at the end of the file at the latest, once the reads met it). */
  end: number
  scanner: Kernel.Scanner
  private readonly tally: Tally
  private readonly start: number
  done = false
  /** Where the reads found the end of the file, when they reached it. */
  eof: number | undefined

  constructor(scanner: Kernel.Scanner, tally: Tally, start: number, end: number) {
    this.scanner = scanner
    this.tally = tally
    this.start = start
    this.end = end
    // Reading from the byte before the range tells whether a line starts right at `start`: only if that is a newline.
    this.skipFirst = start > 0
    this.offset = start > 0 ? start - 1 : 0
  }

  get position(): number {
    return this.offset + this.carry
  }

  /** Where in `scanner.bytes` the next read goes. */
  get at(): number {
    return this.lead + this.carry
  }

  /** Room to read into, after the carried bytes (doubled when a line fills the whole buffer). */
  room(): number {
    if (this.at === this.scanner.bytes.length) this.scanner.reserve(this.at * 2, this.at)
    return this.scanner.bytes.length - this.at
  }

  /** Bytes of the range (known once the reads reached its end or the end of the file). */
  bytes(): number {
    return Math.max(0, this.end - this.start)
  }

  /** The bytes of the range done once a read of `bytesRead` is consumed. */
  progress(bytesRead: number): number {
    return Math.max(0, Math.min(this.position + bytesRead, this.end) - this.start)
  }

  /**
   * Continues in `scanner`, whose next read goes to `at`: the carried bytes are copied just before it. False (and
   * nothing changed) when they do not fit there.
   */
  moveTo(scanner: Kernel.Scanner, at: number): boolean {
    if (this.carry > at) return false
    scanner.bytes.set(this.scanner.bytes.subarray(this.lead, this.at), at - this.carry)
    this.scanner = scanner
    this.lead = at - this.carry
    return true
  }

  /** Takes `bytesRead` bytes of a read of `requested` (a regular file reads short only at its end). */
  consume(bytesRead: number, requested: number) {
    const { scanner, tally, lead } = this
    const filled = this.carry + bytesRead
    if (bytesRead < requested) this.eof = this.offset + filled
    if (bytesRead === 0) {
      // The end of the file: the range ends here at the latest, and so does a last line without a newline.
      this.end = Math.min(this.end, this.offset + filled)
      if (this.carry > 0 && !this.skipFirst && this.offset < this.end) tally.last(scanner.bytes, lead, this.at)
      this.done = true
      return
    }
    let from = lead
    if (this.skipFirst) {
      const newline = scanner.bytes.indexOf(NEWLINE, lead)
      if (newline < 0 || newline >= lead + filled) {
        this.offset += filled
        this.carry = 0
        // A line that began before the range and runs past its end: no line starts in the range.
        if (this.offset >= this.end) this.done = true
        return
      }
      from = newline + 1
      this.skipFirst = false
    }
    const next = tally.scanLines(scanner, from, lead + filled, lead + Math.min(filled, this.end - this.offset))
    if (this.offset + next - lead >= this.end) {
      this.done = true
      return
    }
    this.carry = lead + filled - next
    scanner.bytes.copyWithin(lead, next, lead + filled)
    this.offset += next - lead
  }
}
