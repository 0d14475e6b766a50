/**
 * Node-local aggregation (the NVRx design): local rank 0 merges every rank's message files from the node's tmp dir,
 * in time order, into one per-node file.
 *
 * Exactly once, across crashes: before a batch is appended, the read positions it consumes are saved atomically
 * (write + rename) together with the output size before and after it. A restarted aggregator whose output stops
 * between those sizes cuts the half-written batch and reads it again; one whose output reached the end size goes on
 * after it. Message segments are deleted only once read to the end and sealed (a newer segment of the same writer
 * exists, or the writer is dead), after their positions were saved.
 *
 * @since 0.1.0
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { jsonLine, type LogRecord, nodeLine, nvrxNodeLine, type Origin } from "./Format.ts"
import * as MessageFiles from "./internal/MessageFiles.ts"
import * as OffsetJournal from "./internal/OffsetJournal.ts"
import { isAlive, lock, unlock } from "./internal/PidLock.ts"
import { rotateBefore } from "./internal/Rotation.ts"

/**
 * Where an aggregator reads the ranks' message files, where it writes the node's file, and how.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** The node's tmp dir holding the message files (`DLA_NODE_LOCAL_TMPDIR`). */
  readonly tmpDir: string
  /** The per-node output file. Its read positions live next to it in `<file>.offsets.json`. */
  readonly file: string
  /** The output rotates past this size (bytes). */
  readonly maxFileBytes: number
  /** Output files kept, the current one included: `<file>`, `<file>.1`, ... */
  readonly maxFiles: number
  /** JSON lines instead of the text line. */
  readonly json?: boolean | undefined
  /** The text line: dla's (default) or the NVRx guide's exact layout. */
  readonly layout?: "dla" | "nvrx" | undefined
  /**
   * Records younger than this stay unread for a while: another rank may still be about to write an older one, and
   * the output must stay in time order. Default 250 ms.
   */
  readonly graceMs?: number | undefined
  /**
   * The time the grace window is measured back from (default `Date.now`): the clock the records' times came from,
   * e.g. an Effect program's `clock.currentTimeMillisUnsafe` (the Effect logger stamps records with its Clock).
   */
  readonly now?: (() => number) | undefined
}

/**
 * Merges the node's message files into the per-node file, oldest record first.
 *
 * @since 0.1.0
 * @category models
 */
export interface Aggregator {
  /** Appends records older than the grace window; returns how many lines it wrote. */
  readonly poll: () => number
  /** Appends every complete record now (when the ranks are done). */
  readonly drain: () => number
  /**
   * Drains, counting this process's own message files as finished too, so they are deleted: for when this process
   * logs no more (its exit).
   */
  readonly finish: () => number
  /** Gives up the node file's lock (without draining). */
  readonly close: () => void
}

/**
 * Another live process aggregates into the same node file: two would write every line twice.
 *
 * @since 0.1.0
 * @category errors
 */
export { AggregatorBusy } from "./internal/PidLock.ts"

interface Pending {
  readonly time: number
  readonly text: string
  /** Offset just past this record in its segment. */
  readonly end: number
}

const NEWLINE = 0x0a

/** Reads the complete new lines of one segment from `from`; returns the records and the new read position. */
const readSegment = (
  file: string,
  from: number,
  format: (record: LogRecord, origin: Origin) => string
): { readonly records: Array<Pending>; readonly to: number } => {
  const fd = fs.openSync(file, "r")
  try {
    const size = fs.fstatSync(fd).size
    if (size <= from) return { records: [], to: from }
    const bytes = Buffer.allocUnsafe(size - from)
    const length = fs.readSync(fd, bytes, 0, bytes.length, from)
    // A record is whole only with its newline: a half-written tail waits (or, if its writer died, is dropped).
    const last = bytes.lastIndexOf(NEWLINE, length - 1)
    if (last < 0) return { records: [], to: from }
    const records: Array<Pending> = []
    let start = 0
    let time = 0
    while (start <= last) {
      const end = bytes.indexOf(NEWLINE, start)
      const line = bytes.toString("utf8", start, end)
      const decoded = MessageFiles.decode(line)
      // A foreign line is passed on as it is rather than lost, next to the record before it.
      if (decoded !== undefined) time = decoded.record.time
      const text = decoded === undefined ? `${line}\n` : format(decoded.record, decoded.origin)
      if (line.length > 0) records.push({ time, text, end: from + end + 1 })
      start = end + 1
    }
    return { records, to: from + last + 1 }
  } finally {
    fs.closeSync(fd)
  }
}

/**
 * An aggregator over `options.tmpDir`; it resumes from the positions saved next to `options.file`, and holds
 * `<file>.lock` until `close()` (throws {@link AggregatorBusy} when another live process holds it).
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: Options): Aggregator => {
  const journalFile = OffsetJournal.pathOf(options.file)
  const format = options.json === true ? jsonLine : options.layout === "nvrx" ? nvrxNodeLine : nodeLine
  const graceMs = options.graceMs ?? 250
  const now = options.now ?? Date.now
  fs.mkdirSync(path.dirname(options.file), { recursive: true })
  const lockFile = lock(options.file)
  let emitted = OffsetJournal.recover(options.file, journalFile)
  const readTo = new Map<string, number>()
  const pending = new Map<string, Array<Pending>>()
  const sealed = new Set<string>()

  const readAll = (ownFinished: boolean) => {
    let segments: Array<MessageFiles.Segment>
    try {
      segments = MessageFiles.listSegments(options.tmpDir)
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return
      throw error
    }
    for (let i = 0; i < segments.length; i++) {
      const segment = segments[i]!
      const next = segments[i + 1]
      // Decided before reading: a writer that has moved on never writes to this segment again.
      const movedOn = next !== undefined && next.rank === segment.rank && next.pid === segment.pid
      if (movedOn || (segment.pid === process.pid ? ownFinished : !isAlive(segment.pid))) {
        sealed.add(segment.file)
      }
      const from = readTo.get(segment.file) ?? emitted[segment.file] ?? 0
      let read: ReturnType<typeof readSegment>
      try {
        read = readSegment(path.join(options.tmpDir, segment.file), from, format)
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "ENOENT") continue
        throw error
      }
      readTo.set(segment.file, read.to)
      if (read.records.length > 0) {
        const queue = pending.get(segment.file)
        if (queue === undefined) pending.set(segment.file, read.records)
        else for (const record of read.records) queue.push(record)
      }
    }
  }

  /** Per segment, the records up to `cutoff` (a prefix, so saved positions stay exact), merged by time. */
  const takeBatch = (cutoff: number) => {
    const batch: Array<Pending> = []
    const offsets = { ...emitted }
    for (const [file, queue] of pending) {
      let n = 0
      while (n < queue.length && queue[n]!.time <= cutoff) n++
      if (n === 0) continue
      const taken = queue.splice(0, n)
      offsets[file] = taken[taken.length - 1]!.end
      for (const record of taken) batch.push(record)
      if (queue.length === 0) pending.delete(file)
    }
    batch.sort((a, b) => a.time - b.time)
    return { batch, offsets }
  }

  const append = (batch: Array<Pending>, offsets: Record<string, number>) => {
    const text = batch.map((record) => record.text).join("")
    const bytes = Buffer.byteLength(text)
    rotateBefore(options.file, bytes, options.maxFileBytes, options.maxFiles)
    const fd = fs.openSync(options.file, "a")
    try {
      const stat = fs.fstatSync(fd)
      OffsetJournal.save(journalFile, {
        offsets,
        previous: emitted,
        ino: stat.ino,
        sizeBefore: stat.size,
        sizeAfter: stat.size + bytes
      })
      fs.writeFileSync(fd, text)
    } finally {
      fs.closeSync(fd)
    }
    emitted = offsets
  }

  const removeFinished = () => {
    for (const file of sealed) {
      if (pending.has(file) || readTo.get(file) !== emitted[file]) continue
      fs.rmSync(path.join(options.tmpDir, file), { force: true })
      sealed.delete(file)
      readTo.delete(file)
      // Its position is saved already; dropping it keeps the state small and a reused name starting from 0.
      emitted = { ...emitted }
      delete emitted[file]
    }
  }

  const run = (cutoff: number, ownFinished = false) => {
    readAll(ownFinished)
    const { batch, offsets } = takeBatch(cutoff)
    if (batch.length > 0) append(batch, offsets)
    removeFinished()
    return batch.length
  }

  return {
    poll: () => run(now() - graceMs),
    drain: () => run(Number.POSITIVE_INFINITY),
    finish: () => run(Number.POSITIVE_INFINITY, true),
    close: () => unlock(lockFile)
  }
}

/**
 * An aggregator polling on its own (`start`): holds the node's pid lock until `stop`.
 *
 * @since 0.1.0
 * @category models
 */
export interface Running extends Aggregator {
  /** Stops polling, finishes (drains, own message files included) and gives up the lock. */
  readonly stop: () => void
}

/**
 * Runs `make(options)` every `intervalMs` (default 100) on a timer that never keeps the process alive, and stops
 * (finishes) at exit. A failure stops the aggregator and is reported once to `onError`; the records stay in the tmp dir for the
 * next aggregator.
 *
 * @since 0.1.0
 * @category running
 */
export const start = (
  options: Options & { readonly intervalMs?: number | undefined },
  onError: (error: unknown) => void
): Running => {
  const aggregator = make(options)
  let stopped = false
  const guarded = (step: () => number) => (): number => {
    if (stopped) return 0
    try {
      return step()
    } catch (error) {
      halt()
      onError(error)
      return 0
    }
  }
  const poll = guarded(aggregator.poll)
  const drain = guarded(aggregator.drain)
  const finish = guarded(aggregator.finish)
  const timer = setInterval(poll, options.intervalMs ?? 100)
  timer.unref?.()
  const onExit = () => stop()
  const halt = () => {
    stopped = true
    clearInterval(timer)
    process.off("exit", onExit)
    aggregator.close()
  }
  const stop = () => {
    finish()
    halt()
  }
  process.on("exit", onExit)
  return { poll, drain, finish, stop, close: halt }
}
