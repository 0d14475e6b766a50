/**
 * Following a directory of logs as they grow (tail -F semantics), keeping exact counts.
 *
 * Files are tracked by identity (device + inode), not by name, and kept open: a file renamed by rotation keeps its
 * counts and is read to its end, however it is named next, and the new file under the old name starts from zero, so
 * a rename rotation never counts a line twice or loses one written just before the rename. A file that shrinks was
 * truncated (so is one whose first bytes changed with its time: emptied and refilled between two looks): what was
 * counted stays counted and reading restarts at its beginning. A line is counted once its newline
 * arrives; a partial last line is held until then, and counted by {@link Follower.close} (as the sequential analyser
 * counts a last line without a newline). Compressed (`.gz`) files are counted once, whole, when they are present at
 * the start; one that appears later is usually a rotated log that was already counted, so it is left out.
 *
 * @since 0.1.0
 */
import type { FileHandle } from "node:fs/promises"
import { open } from "node:fs/promises"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Schedule from "effect/Schedule"
import * as Stream from "effect/Stream"
import * as Counts from "./Counts.ts"
import * as FileAnalysis from "./FileAnalysis.ts"
import * as FileError from "./FileError.ts"
import { Tally } from "./internal/tally.ts"
import * as LogFiles from "./LogFiles.ts"
import * as LogFormat from "./LogFormat.ts"

/**
 * Which files a follower follows (as `LogFiles` lists them) and in which format.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options extends LogFiles.ListOptions {
  /** The format of every file; by default detected per file from its first bytes. */
  readonly format?: LogFormat.LogFormat
}

/**
 * What changed in the followed directory: a file added, renamed, truncated, removed or skipped.
 *
 * @since 0.1.0
 * @category models
 */
export type Event =
  | { readonly _tag: "Added"; readonly path: string }
  | { readonly _tag: "Renamed"; readonly from: string; readonly to: string }
  | { readonly _tag: "Truncated"; readonly path: string }
  | { readonly _tag: "Removed"; readonly path: string }
  | { readonly _tag: "Skipped"; readonly path: string; readonly reason: string }

/**
 * What a poll found: the counts so far, the files followed, what changed.
 *
 * @since 0.1.0
 * @category models
 */
export interface Snapshot {
  /** Every complete line counted so far, in every file ever followed. */
  readonly counts: Counts.Counts
  /** Files followed right now. */
  readonly files: number
  /** Files counted since the start, including those since renamed away or removed. */
  readonly filesSeen: number
  /** What changed in the directory during this poll. */
  readonly events: ReadonlyArray<Event>
}

/**
 * Counts the lines a directory's files gain, poll after poll.
 *
 * @since 0.1.0
 * @category models
 */
export interface Follower {
  /** Reads what is new since the last poll. */
  readonly poll: () => Promise<Snapshot>
  /** Counts the held partial last lines, closes every file, and returns the final totals. */
  readonly close: () => Promise<Snapshot>
}

const CHUNK = 1024 * 1024

interface Followed {
  path: string
  readonly handle: FileHandle
  /** File offset up to which bytes were consumed (counted, or held in `carry`). */
  position: number
  carry: Uint8Array
  tally: Tally | undefined
  /** Counts of the file's content before its last truncation. */
  before: Counts.Counts
  /** The file's first bytes (up to {@link PREFIX}) and its modification time, to tell a rewrite from a touch. */
  prefix: Uint8Array
  mtimeMs: number
}

const PREFIX = 64

const identity = (info: { readonly dev: number; readonly ino: number }) => `${info.dev}:${info.ino}`

/**
 * Starts following `root`: files present now are counted from their beginning at the first poll.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (root: string, options: Options = {}): Follower => {
  const followed = new Map<string, Followed>()
  let closedCounts = Counts.empty
  let compressedCounts = Counts.empty
  let started = false
  let filesSeen = 0
  const skipped = new Set<string>()
  let buffer = new Uint8Array(CHUNK)

  const countsOf = (file: Followed) =>
    Counts.merge(file.before, file.tally?.counts(file.position - file.carry.length) ?? Counts.empty)

  /** The tally of a file, its format detected from its first bytes unless one was given. */
  const tallyFor = (first: Uint8Array) => new Tally((options.format ?? LogFormat.detect(first)).levelOf)

  const totals = () => {
    let counts = Counts.merge(closedCounts, compressedCounts)
    for (const file of followed.values()) counts = Counts.merge(counts, countsOf(file))
    return counts
  }

  const head = async (file: Followed, size: number) => {
    const prefix = new Uint8Array(Math.min(PREFIX, size))
    const { bytesRead } = await file.handle.read(prefix, 0, prefix.length, 0)
    return prefix.subarray(0, bytesRead)
  }

  /**
   * Whether the file was truncated since the last poll. Shrinking says so; so does a change of its first bytes after
   * its time changed, which catches a file emptied and refilled to its old length (or beyond) between two polls.
   */
  const wasTruncated = async (file: Followed, size: number, mtimeMs: number) => {
    if (size < file.position) return true
    if (mtimeMs === file.mtimeMs || file.prefix.length === 0) return false
    const now = await head(file, file.prefix.length)
    return now.length < file.prefix.length || now.some((byte, i) => byte !== file.prefix[i])
  }

  /** Reads `file` from its position to its current end, counting complete lines. */
  const readNew = async (file: Followed, events: Array<Event>) => {
    const { size, mtimeMs } = await file.handle.stat()
    if (await wasTruncated(file, size, mtimeMs)) {
      file.before = countsOf(file)
      file.position = 0
      file.carry = new Uint8Array(0)
      file.tally = undefined
      file.prefix = new Uint8Array(0)
      events.push({ _tag: "Truncated", path: file.path })
    }
    file.mtimeMs = mtimeMs
    while (file.position < size) {
      const carried = file.carry.length
      if (buffer.length < carried + CHUNK) buffer = new Uint8Array(carried + CHUNK)
      const bytes = buffer
      bytes.set(file.carry, 0)
      const { bytesRead } = await file.handle.read(bytes, carried, CHUNK, file.position)
      if (bytesRead === 0) break
      file.position += bytesRead
      const filled = carried + bytesRead
      file.tally ??= tallyFor(bytes.subarray(0, filled))
      const next = file.tally.scan(bytes.subarray(0, filled), 0, filled)
      file.carry = bytes.slice(next, filled)
    }
    if (file.prefix.length < PREFIX && file.position > file.prefix.length) file.prefix = await head(file, file.position)
  }

  /** Counts the held partial last line (as the sequential analyser counts a last line) and closes the file. */
  const closeFile = async (key: string, file: Followed) => {
    if (file.carry.length > 0) {
      file.tally ??= tallyFor(file.carry)
      file.tally.last(file.carry, 0, file.carry.length)
      file.carry = new Uint8Array(0)
    }
    closedCounts = Counts.merge(closedCounts, countsOf(file))
    followed.delete(key)
    await file.handle.close()
  }

  const admitCompressed = async (path: string, events: Array<Event>) => {
    if (started) {
      events.push({ _tag: "Skipped", path, reason: "compressed file appeared while following (a rotated log)" })
      return
    }
    const result = await FileAnalysis.analyseFile(path, options.format ? { format: options.format } : {})
    compressedCounts = Counts.merge(compressedCounts, result)
    filesSeen++
    events.push({ _tag: "Added", path })
  }

  /** Opens and follows `path`; returns its identity (also when it turned out to be a file followed already). */
  const admit = async (path: string, events: Array<Event>) => {
    const handle = await open(path, "r")
    const key = identity(await handle.stat())
    if (followed.has(key)) {
      // Renamed between our listing and open: it is a file we follow already.
      await handle.close()
      return key
    }
    const file: Followed = {
      path,
      handle,
      position: 0,
      carry: new Uint8Array(0),
      tally: undefined,
      before: Counts.empty,
      prefix: new Uint8Array(0),
      mtimeMs: 0
    }
    followed.set(key, file)
    filesSeen++
    events.push({ _tag: "Added", path })
    return key
  }

  const poll = async (): Promise<Snapshot> => {
    const events: Array<Event> = []
    const listed = await Effect.runPromise(LogFiles.list(root, options))
    const seen = new Set<string>()
    for (const entry of listed) {
      const { path } = entry
      if (skipped.has(path)) continue
      // The listing's identity: no second stat. A file renamed or removed since is seen at the next poll.
      const key = identity(entry)
      seen.add(key)
      const known = followed.get(key)
      if (known !== undefined) {
        if (known.path !== path) {
          events.push({ _tag: "Renamed", from: known.path, to: path })
          known.path = path
        }
        continue
      }
      if (FileAnalysis.isCompressedName(path)) {
        skipped.add(path)
        await admitCompressed(path, events)
        continue
      }
      const admitted = await admit(path, events).catch((cause) => {
        if (cause?.code === "ENOENT") return undefined // gone since the listing: nothing to follow
        skipped.add(path)
        events.push({ _tag: "Skipped", path, reason: FileError.fromSystemError(path, cause).message })
        return undefined
      })
      if (admitted !== undefined) seen.add(admitted)
    }
    for (const [key, file] of [...followed]) {
      // Read to the end first: a file renamed out of the directory or deleted may hold lines written just before.
      await readNew(file, events)
      if (!seen.has(key)) {
        events.push({ _tag: "Removed", path: file.path })
        await closeFile(key, file)
      }
    }
    started = true
    return { counts: totals(), files: followed.size, filesSeen, events }
  }

  const close = async (): Promise<Snapshot> => {
    const last = await poll()
    for (const [key, file] of [...followed]) await closeFile(key, file)
    return { counts: totals(), files: 0, filesSeen, events: last.events }
  }

  return { poll, close }
}

/**
 * Snapshots of `root` every `interval` (default 1 s), the first at once. The files are closed when the stream
 * ends; `onClose` receives the final totals, with held partial lines counted.
 *
 * @since 0.1.0
 * @category streams
 */
export const stream = (
  root: string,
  options: Options & { readonly interval?: Duration.Input; readonly onClose?: (last: Snapshot) => void } = {}
): Stream.Stream<Snapshot, FileError.FileError> =>
  Stream.unwrap(
    Effect.acquireRelease(
      Effect.sync(() => make(root, options)),
      (follower) =>
        Effect.promise(() => follower.close()).pipe(
          Effect.tap((last) => Effect.sync(() => options.onClose?.(last))),
          Effect.ignore
        )
    ).pipe(
      Effect.map((follower) =>
        Stream.fromEffectSchedule(
          Effect.tryPromise({ try: () => follower.poll(), catch: (cause) => FileError.fromSystemError(root, cause) }),
          Schedule.spaced(options.interval ?? Duration.seconds(1))
        )
      )
    )
  )
