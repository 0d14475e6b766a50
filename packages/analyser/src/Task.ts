/**
 * Tasks and their results: what the master sends to workers and what comes back, validated with Schema because
 * both cross the wire.
 *
 * @since 0.1.0
 */
import { createHash } from "node:crypto"
import { relative } from "node:path"
import { FileAnalysis } from "@dla/core"
import { Effect, Schema } from "effect"
import * as AnalyserError from "./AnalyserError.ts"

/**
 * A byte range of a file: `start` inclusive, `end` exclusive.
 *
 * @since 0.1.0
 * @category models
 */
export const ByteRange = Schema.Struct({ start: Schema.Number, end: Schema.Number })

/**
 * Where a part is in the log store (`dla ship`), for a part counted from there rather than from a disk: its stream
 * and subject (one stored file), the stream sequence of the file's first message (its format is detected there), and
 * the sequences of the first and last messages that hold the part's byte range.
 *
 * @since 0.2.0
 * @category models
 */
export const StoreRange = Schema.Struct({
  stream: Schema.String,
  subject: Schema.String,
  head: Schema.Number,
  first: Schema.Number,
  last: Schema.Number
})

/**
 * A decoded {@link StoreRange}.
 *
 * @since 0.2.0
 * @category models
 */
export type StoreRange = typeof StoreRange.Type

/**
 * One file, or a byte range of a big one; on a disk, or in the log store (`store`).
 *
 * @since 0.1.0
 * @category models
 */
export const Part = Schema.Struct({
  /** The file's path; for a stored file its name, `node:file` (`node:file@generation` after the first). */
  path: Schema.String,
  range: ByteRange,
  /** Size of the whole file, so a worker can tell a range from a file. */
  size: Schema.Number,
  store: Schema.optional(StoreRange)
})

/**
 * A decoded {@link Part}.
 *
 * @since 0.1.0
 * @category models
 */
export type Part = typeof Part.Type

/**
 * A unit of work: one or more parts of a run's files, counted by one worker, with one result.
 *
 * @since 0.1.0
 * @category models
 */
export const Task = Schema.Struct({
  runId: Schema.String,
  /** Stable across master restarts: a hash of its parts' paths relative to the root and their byte ranges. */
  taskId: Schema.String,
  /** A range of a big file, or many small files together (one message, one result and one ack for all). */
  parts: Schema.NonEmptyArray(Part)
})

/**
 * A decoded {@link Task}.
 *
 * @since 0.1.0
 * @category models
 */
export type Task = typeof Task.Type

/**
 * Bytes a task covers.
 *
 * @since 0.1.0
 * @category getters
 */
export const bytesOf = (task: Task) => task.parts.reduce((sum, p) => sum + p.range.end - p.range.start, 0)

/**
 * A task for people: its first part (relative to `root`, with `[start-end]` for a range) and how many more.
 *
 * @since 0.1.0
 * @category formatting
 */
export const describe = (task: Task, root: string) => {
  const [first] = task.parts
  const path = first.store === undefined ? relative(root, first.path) : first.path
  const where =
    first.range.start === 0 && first.range.end === first.size
      ? path
      : `${path} [${first.range.start}-${first.range.end}]`
  return task.parts.length === 1 ? where : `${where} (+${task.parts.length - 1} files)`
}

/**
 * A part that could not be counted (missing, unreadable, binary): the rest of its task still counts.
 *
 * @since 0.1.0
 * @category models
 */
export const Skipped = Schema.Struct({
  path: Schema.String,
  error: Schema.String,
  /** Not a log at all (binary content): skipped, as the sequential analyser skips it, rather than a failure. */
  binary: Schema.Boolean
})

/**
 * A decoded {@link Skipped}.
 *
 * @since 0.1.0
 * @category models
 */
export type Skipped = typeof Skipped.Type

/**
 * Core's `Counts` on the wire: lines by level, lines, unmatched lines and bytes.
 *
 * @since 0.1.0
 * @category models
 */
export const CountsSchema = Schema.Struct({
  levels: Schema.Record(Schema.String, Schema.Number),
  lines: Schema.Number,
  unmatched: Schema.Number,
  bytes: Schema.Number
})

/**
 * A counted file of a task (a range of a split file, the master adds its ranges up): for `--by-file`.
 *
 * @since 0.1.0
 * @category models
 */
export const FileCounts = Schema.Struct({
  path: Schema.String,
  /** The format its lines were read in (detected per file unless `--format` was given). */
  format: Schema.String,
  ...CountsSchema.fields,
  /** Its size moved while it was counted: the size it was listed at and the size its scan found. */
  changed: Schema.optional(Schema.Struct({ before: Schema.Number, after: Schema.Number }))
})

/**
 * A decoded {@link FileCounts}.
 *
 * @since 0.1.0
 * @category models
 */
export type FileCounts = typeof FileCounts.Type

/**
 * A worker's answer for a task: `Done` with its counts, or `Failed` with why.
 *
 * @since 0.1.0
 * @category models
 */
export const TaskResult = Schema.Union([
  Schema.Struct({
    _tag: Schema.Literal("Done"),
    runId: Schema.String,
    taskId: Schema.String,
    workerId: Schema.String,
    counts: CountsSchema,
    lines: Schema.Number,
    bytes: Schema.Number,
    /** Parts that could not be counted (the counts leave them out). */
    skipped: Schema.optional(Schema.Array(Skipped)),
    /** Per counted part its figures (absent from workers older than `--by-file`: the run's by-file list lacks them). */
    files: Schema.optional(Schema.Array(FileCounts))
  }),
  Schema.Struct({
    _tag: Schema.Literal("Failed"),
    runId: Schema.String,
    taskId: Schema.String,
    workerId: Schema.String,
    error: Schema.String,
    /** Not a log at all (binary content): skipped, as the sequential analyser skips it, rather than a failure. */
    binary: Schema.optional(Schema.Boolean)
  })
])

/**
 * A decoded {@link TaskResult}.
 *
 * @since 0.1.0
 * @category models
 */
export type TaskResult = typeof TaskResult.Type

// One of each for every message: a payload is decoded or encoded whole, so they keep no state between calls.
const utf8Decoder = new TextDecoder()
const utf8Encoder = new TextEncoder()

/**
 * Decodes a JSON payload with `schema`, turning a bad payload into a Transport error.
 *
 * @since 0.1.0
 * @category parsing
 */
export const decodeJson = <S extends Schema.Constraint & Schema.ConstraintDecoder<unknown>>(
  schema: S,
  what: string
) => {
  const decode = Schema.decodeUnknownEffect(Schema.fromJsonString(schema))
  return (bytes: Uint8Array): Effect.Effect<S["Type"], AnalyserError.AnalyserError> =>
    decode(utf8Decoder.decode(bytes)).pipe(
      Effect.mapError((cause) => AnalyserError.make("Transport", `bad ${what} message`, cause))
    )
}

/**
 * A value as UTF-8 JSON bytes, for a message payload.
 *
 * @since 0.1.0
 * @category formatting
 */
export const encodeJson = (value: unknown): Uint8Array => utf8Encoder.encode(JSON.stringify(value))

/**
 * Default size of a byte range: big files are split so one of them does not serialise the run.
 *
 * @since 0.1.0
 * @category constants
 */
export const defaultSplitBytes = 64 * 1024 * 1024

/**
 * Small files are packed together into tasks of up to this many bytes (one file per task at 0)...
 *
 * @since 0.1.0
 * @category constants
 */
export const defaultTaskBytes = 8 * 1024 * 1024

/**
 * ...but into no fewer than this many tasks while there are files for them, so a run of small files still spreads
 * over every worker and reports progress (10,000 files of 1 KB: 64 tasks of ~160 files, not 2 of 5,000). Not more:
 * over NATS a task costs its worker ~7 ms of messages and bookkeeping (profiles of the bench's tiny-file run), as much
 * as counting 40 small files; with 256 tasks of 40 files a run of 10,000 went at ~10,000 files/s, with 64 at ~19,000...
 *
 * @since 0.1.0
 * @category constants
 */
export const tasksWanted = 64

/**
 * ...and at most this many files a task, so a task message stays small.
 *
 * @since 0.1.0
 * @category constants
 */
export const maxPartsPerTask = 256

/**
 * A task's id: a hash of its parts' relative paths and byte ranges, so the same task has the same id after a restart.
 *
 * @since 0.1.0
 * @category ids
 */
export const taskId = (parts: ReadonlyArray<{ readonly rel: string; readonly range: FileAnalysis.ByteRange }>) => {
  // One part hashes as a one-file task always did, so checkpoints of earlier versions still resume.
  const key = parts.map(({ rel, range }) => `${rel}\0${range.start}\0${range.end}`).join("\n")
  return createHash("sha256").update(key).digest("hex").slice(0, 20)
}

/**
 * A file to plan: its path and size.
 *
 * @since 0.1.0
 * @category models
 */
export interface PlannedFile {
  readonly path: string
  readonly size: number
}

/**
 * How {@link plan} cuts files into tasks.
 *
 * @since 0.1.0
 * @category models
 */
export interface PlanOptions {
  /** Split files bigger than this into ranges of this size (default 64 MB). */
  readonly splitBytes?: number
  /** Pack parts smaller than this (default 8 MB, at most `splitBytes`) together, up to this many bytes a task. */
  readonly taskBytes?: number
}

/**
 * Big files split into ranges of `splitBytes` (compressed files are never split: their byte offsets mean nothing);
 * smaller parts packed, in path order, into tasks of up to `taskBytes`, small enough that there are `tasksWanted`
 * tasks (at most `maxPartsPerTask` files each); tasks largest first, ties by first path (deterministic, so a
 * restarted master plans the same task ids).
 *
 * @since 0.1.0
 * @category constructors
 */
export const plan = (
  runId: string,
  root: string,
  files: ReadonlyArray<PlannedFile>,
  options: PlanOptions = {}
): Array<Task> => {
  const splitBytes = options.splitBytes ?? defaultSplitBytes
  const parts: Array<Planned> = []
  for (const file of [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))) {
    const rel = relative(root, file.path)
    const ranges = FileAnalysis.isCompressedName(file.path)
      ? [{ start: 0, end: file.size }]
      : FileAnalysis.splitRanges(file.size, splitBytes)
    for (const range of ranges) parts.push({ rel, path: file.path, range, size: file.size })
  }
  return pack(runId, parts, Math.min(options.taskBytes ?? defaultTaskBytes, splitBytes))
}

/**
 * A stored file to plan (what `@dla/store`'s `Store.layout` lists): its name, size, subject, first and last
 * messages, and the messages a range of it may start at (`cuts`: each starts a line).
 *
 * @since 0.2.0
 * @category models
 */
export interface StoredFile {
  readonly node: string
  readonly file: string
  readonly generation: number
  readonly bytes: number
  readonly stream: string
  readonly subject: string
  readonly firstSeq: number
  readonly lastSeq: number
  readonly cuts: ReadonlyArray<{ readonly seq: number; readonly offset: number }>
}

/**
 * A stored file's name in a run (its parts' `path`, `--by-file` rows): `node:file`, `@generation` after the first.
 *
 * @since 0.2.0
 * @category naming
 */
export const storedName = (file: Pick<StoredFile, "node" | "file" | "generation">) =>
  `${file.node}:${file.file}${file.generation === 0 ? "" : `@${file.generation}`}`

/**
 * Tasks over stored files, as {@link plan} makes them over files on disk: a file bigger than `splitBytes` split into
 * ranges of about that size, each starting at one of its cuts (a message that starts a line, so a range holds whole
 * lines and its bytes are its own whatever duplicates the stream holds around the cut); small ones packed together.
 *
 * @since 0.2.0
 * @category constructors
 */
export const planStore = (runId: string, files: ReadonlyArray<StoredFile>, options: PlanOptions = {}): Array<Task> => {
  const splitBytes = options.splitBytes ?? defaultSplitBytes
  const parts: Array<Planned> = []
  for (const file of files) {
    const path = storedName(file)
    const at = { start: 0, first: file.firstSeq }
    const add = (end: number, last: number) => {
      const store = { stream: file.stream, subject: file.subject, head: file.firstSeq, first: at.first, last }
      parts.push({ rel: path, path, range: { start: at.start, end }, size: file.bytes, store })
    }
    for (const cut of file.cuts) {
      if (cut.offset - at.start < splitBytes || cut.offset >= file.bytes) continue
      add(cut.offset, cut.seq - 1)
      at.start = cut.offset
      at.first = cut.seq
    }
    add(file.bytes, file.lastSeq)
  }
  parts.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : a.range.start - b.range.start))
  return pack(runId, parts, Math.min(options.taskBytes ?? defaultTaskBytes, splitBytes))
}

type Planned = Part & { readonly rel: string }

/**
 * Parts (in path order) into tasks: parts of `taskBytes` or more alone, smaller ones packed into tasks small enough
 * that there are `tasksWanted` of them (at most `maxPartsPerTask` parts each); tasks largest first, ties by first
 * path (deterministic, so a restarted master plans the same task ids).
 */
const pack = (runId: string, parts: ReadonlyArray<Planned>, taskBytes: number): Array<Task> => {
  const length = (part: Planned) => part.range.end - part.range.start
  const smallBytes = parts.reduce((sum, part) => (length(part) < taskBytes ? sum + length(part) : sum), 0)
  const packTo = Math.min(taskBytes, Math.ceil(smallBytes / tasksWanted))
  const tasks: Array<Task> = []
  const add = (group: ReadonlyArray<Planned>) => {
    const [first, ...rest] = group.map(({ rel: _, ...part }) => part)
    if (first !== undefined) tasks.push({ runId, taskId: taskId(group), parts: [first, ...rest] })
  }
  let group: Array<Planned> = []
  let packed = 0
  for (const part of parts) {
    if (length(part) >= packTo) {
      add([part])
      continue
    }
    group.push(part)
    packed += length(part)
    if (packed >= packTo || group.length >= maxPartsPerTask) {
      add(group)
      group = []
      packed = 0
    }
  }
  add(group)
  const first = (t: Task) => t.parts[0]
  return tasks.sort(
    (a, b) =>
      bytesOf(b) - bytesOf(a) ||
      (first(a).path < first(b).path
        ? -1
        : first(a).path > first(b).path
          ? 1
          : first(a).range.start - first(b).range.start)
  )
}
