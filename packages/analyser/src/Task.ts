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

export const ByteRange = Schema.Struct({ start: Schema.Number, end: Schema.Number })

export const Task = Schema.Struct({
  runId: Schema.String,
  /** Stable across master restarts: a hash of the file's path relative to the root and its byte range. */
  taskId: Schema.String,
  path: Schema.String,
  range: ByteRange,
  /** Size of the whole file, so a worker can tell a range from a file. */
  size: Schema.Number
})
export type Task = typeof Task.Type

export const CountsSchema = Schema.Struct({
  levels: Schema.Record(Schema.String, Schema.Number),
  lines: Schema.Number,
  unmatched: Schema.Number,
  bytes: Schema.Number
})

export const TaskResult = Schema.Union([
  Schema.Struct({
    _tag: Schema.Literal("Done"),
    runId: Schema.String,
    taskId: Schema.String,
    workerId: Schema.String,
    counts: CountsSchema,
    lines: Schema.Number,
    bytes: Schema.Number
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
export type TaskResult = typeof TaskResult.Type

/** Decodes a JSON payload with `schema`, turning a bad payload into a Transport error. */
export const decodeJson =
  <S extends Schema.ConstraintDecoder<unknown>>(schema: S, what: string) =>
  (bytes: Uint8Array): Effect.Effect<S["Type"], AnalyserError.AnalyserError> =>
    Effect.try({
      try: () => Schema.decodeUnknownSync(schema)(JSON.parse(new TextDecoder().decode(bytes))),
      catch: (cause) => AnalyserError.make("Transport", `bad ${what} message`, cause)
    })

export const encodeJson = (value: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(value))

/** Default size of a byte range: big files are split so one of them does not serialise the run. */
export const defaultSplitBytes = 64 * 1024 * 1024

export const taskId = (relativePath: string, range: FileAnalysis.ByteRange): string =>
  createHash("sha256").update(`${relativePath}\0${range.start}\0${range.end}`).digest("hex").slice(0, 20)

export interface PlannedFile {
  readonly path: string
  readonly size: number
}

/**
 * One task per file, big files split into ranges of `splitBytes` (compressed files are never split: their byte
 * offsets mean nothing), largest first, ties by path (deterministic).
 */
export const plan = (
  runId: string,
  root: string,
  files: ReadonlyArray<PlannedFile>,
  splitBytes: number = defaultSplitBytes
): Array<Task> => {
  const tasks: Array<Task> = []
  for (const file of files) {
    const rel = relative(root, file.path)
    const ranges = FileAnalysis.isCompressedName(file.path)
      ? [{ start: 0, end: file.size }]
      : FileAnalysis.splitRanges(file.size, splitBytes)
    for (const range of ranges) {
      tasks.push({ runId, taskId: taskId(rel, range), path: file.path, range, size: file.size })
    }
  }
  return tasks.sort(
    (a, b) =>
      b.range.end - b.range.start - (a.range.end - a.range.start) ||
      (a.path < b.path ? -1 : a.path > b.path ? 1 : a.range.start - b.range.start)
  )
}
