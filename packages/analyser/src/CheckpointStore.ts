/**
 * Checkpoints: the master's state, saved every N results, every T seconds and at the end, so a new master resumes
 * where an old one stopped. The JSON keeps the seed assignment's fields (`timestamp`, `counts`, `processed_files`,
 * `pending_files`, `failed_workers`) and adds what an exact resume needs (task ids, totals, a sequence number).
 *
 * @since 0.1.0
 */
import { constants } from "node:fs"
import { copyFile, link, mkdir, readFile } from "node:fs/promises"
import { dirname, join, relative } from "node:path"
import { AtomicFile, type Counts } from "@dla/core"
import { Context, Effect, Layer, Option, Schema } from "effect"
import * as AnalyserError from "./AnalyserError.ts"

export const Checkpoint = Schema.Struct({
  version: Schema.Literal(1),
  run_id: Schema.String,
  /** Increases with every save of a run: the newest valid checkpoint wins. */
  sequence: Schema.Number,
  timestamp: Schema.String,
  /** Lines per level (the seed's `counts`). */
  counts: Schema.Record(Schema.String, Schema.Number),
  lines: Schema.Number,
  unmatched: Schema.Number,
  bytes: Schema.Number,
  processed_files: Schema.Array(Schema.String),
  pending_files: Schema.Array(Schema.String),
  failed_workers: Schema.Array(Schema.String),
  completed_tasks: Schema.Array(Schema.String),
  failed_tasks: Schema.Array(
    Schema.Struct({
      task_id: Schema.String,
      path: Schema.String,
      reason: Schema.String,
      binary: Schema.optional(Schema.Boolean)
    })
  ),
  /** True once every task has a result or was given up: such a run is not resumed. */
  complete: Schema.Boolean
})
export type Checkpoint = typeof Checkpoint.Type

export const counts = (checkpoint: Checkpoint): Counts.Counts => ({
  levels: checkpoint.counts,
  lines: checkpoint.lines,
  unmatched: checkpoint.unmatched,
  bytes: checkpoint.bytes
})

export class CheckpointStore extends Context.Service<
  CheckpointStore,
  {
    /** The newest valid checkpoint of the run, if any (an unreadable or half-written one counts as none). */
    readonly load: Effect.Effect<Option.Option<Checkpoint>, AnalyserError.AnalyserError>
    readonly save: (checkpoint: Checkpoint) => Effect.Effect<void, AnalyserError.AnalyserError>
  }
>()("@dla/analyser/CheckpointStore") {}

/** A checkpoint from any value (a parsed file, a KV value); `None` when it is not one. */
export const decodeUnknown: (value: unknown) => Option.Option<Checkpoint> = Schema.decodeUnknownOption(Checkpoint)

/** A checkpoint from its JSON text; `None` when it is not one. */
export const decode: (json: string) => Option.Option<Checkpoint> = Schema.decodeUnknownOption(
  Schema.fromJsonString(Checkpoint)
)

/** In memory (the embedded engine without a checkpoint directory, and tests). */
export const layerMemory = Layer.sync(CheckpointStore, () => {
  let latest = Option.none<Checkpoint>()
  return CheckpointStore.of({
    load: Effect.sync(() => latest),
    save: (checkpoint) =>
      Effect.sync(() => {
        latest = Option.some(checkpoint)
      })
  })
})

export interface DirectoryOptions {
  /** The checkpoint directory: the run's checkpoint is `<dir>/<run_id>/checkpoint.json`. */
  readonly dir: string
  readonly runId: string
  /** The analysed directory: processed files are linked under `<dir>/<run_id>/files/<path relative to root>`. */
  readonly root: string
  /** How processed files are kept (default {@link linkOrCopyInputs}). */
  readonly keepInputs?: KeepInputs
}

/**
 * Keeps newly processed input files in the run's checkpoint directory `runDir` (under `files/<path relative to
 * root>`), before the checkpoint that lists them is written. The CLI brings one that never copies unasked.
 */
export type KeepInputs = (batch: {
  readonly runDir: string
  readonly root: string
  readonly paths: ReadonlyArray<string>
}) => Promise<void>

const fail = (what: string) => (cause: unknown) => AnalyserError.make("Transport", what, cause)

/** Writes `text` to `path` so that a crash leaves either the old file or the new one, never half of it. */
export const writeAtomic = (path: string, text: string) =>
  Effect.tryPromise({ try: () => AtomicFile.write(path, text), catch: fail(`cannot write checkpoint ${path}`) })

/** A hard link (cheap, same bytes), or a copy where the filesystem refuses links (another device, no support). */
const linkOrCopy = async (from: string, to: string) => {
  await mkdir(dirname(to), { recursive: true })
  try {
    await link(from, to)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === "EEXIST") return
    await copyFile(from, to, constants.COPYFILE_FICLONE)
  }
}

/** Hard links of each processed file, copies where the filesystem refuses links. */
export const linkOrCopyInputs: KeepInputs = async ({ runDir, root, paths }) => {
  for (const path of paths) await linkOrCopy(path, join(runDir, "files", relative(root, path)))
}

/** A checkpoint directory in the seed's format, plus links to the processed files. */
export const layerDirectory = (options: DirectoryOptions) =>
  Layer.sync(CheckpointStore, () => {
    const runDir = join(options.dir, options.runId)
    const file = join(runDir, "checkpoint.json")
    const linked = new Set<string>()
    const keepInputs = options.keepInputs ?? linkOrCopyInputs
    const linkProcessed = (paths: ReadonlyArray<string>) =>
      Effect.tryPromise({
        try: async () => {
          const fresh = paths.filter((path) => !linked.has(path))
          if (fresh.length === 0) return
          await keepInputs({ runDir, root: options.root, paths: fresh })
          for (const path of fresh) linked.add(path)
        },
        catch: fail(`cannot link processed files into ${runDir}`)
      })
    return CheckpointStore.of({
      load: Effect.promise(() => readFile(file, "utf8").catch(() => "")).pipe(Effect.map(decode)),
      save: (checkpoint) =>
        linkProcessed(checkpoint.processed_files).pipe(
          Effect.andThen(writeAtomic(file, `${JSON.stringify(checkpoint, null, 2)}\n`))
        )
    })
  })

/** Saves to every store; loads the newest valid checkpoint any of them has. */
export const all = (stores: ReadonlyArray<CheckpointStore["Service"]>): CheckpointStore["Service"] =>
  CheckpointStore.of({
    load: Effect.forEach(stores, (store) => store.load).pipe(
      Effect.map((found) =>
        Option.fromNullishOr(
          found
            .flatMap((c) => (Option.isSome(c) ? [c.value] : []))
            .reduce<Checkpoint | undefined>(
              (best, c) => (best === undefined || c.sequence > best.sequence ? c : best),
              undefined
            )
        )
      )
    ),
    save: (checkpoint) => Effect.forEach(stores, (store) => store.save(checkpoint), { discard: true })
  })
