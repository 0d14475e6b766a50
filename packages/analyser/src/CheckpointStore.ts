/**
 * Checkpoints: the master's state, saved every N results, every T seconds and at the end, so a new master resumes
 * where an old one stopped. The JSON keeps the seed assignment's fields (`timestamp`, `counts`, `processed_files`,
 * `pending_files`, `failed_workers`) and adds what an exact resume needs (task ids, totals, a sequence number). On
 * disk, as the assignment asks, each checkpoint is a directory of its own: `<dir>/<run>/<sequence>/checkpoint.json`
 * with the processed files beside it, the newest few kept.
 *
 * @since 0.1.0
 */
import { constants } from "node:fs"
import { copyFile, link, mkdir, open, readdir, readFile, rename, rm } from "node:fs/promises"
import { dirname, join, relative } from "node:path"
import { AtomicFile, type Counts, Limited } from "@dla/core"
import { Context, Effect, Layer, Option, Schema } from "effect"
import * as AnalyserError from "./AnalyserError.ts"

/**
 * A run's checkpoint as stored (in a directory or in KV): the counts so far, the tasks and files done, the workers
 * failed.
 *
 * @since 0.1.0
 * @category models
 */
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
  /** Failed workers: ranks (`[2]`, as the assignment) for workers of a launch, ids for the others. */
  failed_workers: Schema.Array(Schema.Union([Schema.Number, Schema.String])),
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

/**
 * A decoded {@link Checkpoint}.
 *
 * @since 0.1.0
 * @category models
 */
export type Checkpoint = typeof Checkpoint.Type

/**
 * The counts a checkpoint holds, as core's `Counts`.
 *
 * @since 0.1.0
 * @category getters
 */
export const counts = (checkpoint: Checkpoint): Counts.Counts => ({
  levels: checkpoint.counts,
  lines: checkpoint.lines,
  unmatched: checkpoint.unmatched,
  bytes: checkpoint.bytes
})

/**
 * Where a run's checkpoints are saved and loaded from.
 *
 * @since 0.1.0
 * @category services
 */
export class CheckpointStore extends Context.Service<
  CheckpointStore,
  {
    /** The newest valid checkpoint of the run, if any (an unreadable or half-written one counts as none). */
    readonly load: Effect.Effect<Option.Option<Checkpoint>, AnalyserError.AnalyserError>
    readonly save: (checkpoint: Checkpoint) => Effect.Effect<void, AnalyserError.AnalyserError>
  }
>()("@dla/analyser/CheckpointStore") {}

/**
 * A checkpoint from any value (a parsed file, a KV value); `None` when it is not one.
 *
 * @since 0.1.0
 * @category parsing
 */
export const decodeUnknown: (value: unknown) => Option.Option<Checkpoint> = Schema.decodeUnknownOption(Checkpoint)

/**
 * A checkpoint from its JSON text; `None` when it is not one.
 *
 * @since 0.1.0
 * @category parsing
 */
export const decode: (json: string) => Option.Option<Checkpoint> = Schema.decodeUnknownOption(
  Schema.fromJsonString(Checkpoint)
)

/**
 * In memory (the embedded engine without a checkpoint directory, and tests).
 *
 * @since 0.1.0
 * @category layers
 */
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

/**
 * Where {@link layerDirectory} keeps a run's checkpoints, and how many.
 *
 * @since 0.1.0
 * @category models
 */
export interface DirectoryOptions {
  /** The checkpoint directory: each checkpoint of the run is `<dir>/<run_id>/<sequence>/checkpoint.json`. */
  readonly dir: string
  readonly runId: string
  /** The analysed directory: processed files are kept under `<checkpoint>/files/<path relative to root>`. */
  readonly root: string
  /** How processed files are kept (default {@link linkOrCopyInputs}). */
  readonly keepInputs?: KeepInputs
  /** How many of the run's newest checkpoints stay on disk (default {@link defaultKeep}); older ones are removed. */
  readonly keep?: number
}

/**
 * Checkpoints kept per run by default: the newest, and two to fall back on should it be damaged.
 *
 * @since 0.1.0
 * @category constants
 */
export const defaultKeep = 3

/**
 * Keeps processed input files in the checkpoint directory `dir` being written (under `files/<path relative to
 * root>`), before the checkpoint that lists them is written; `runDir` is the run's directory, to name in messages.
 * The CLI brings one that never copies unasked.
 *
 * @since 0.1.0
 * @category models
 */
export type KeepInputs = (batch: {
  readonly dir: string
  readonly runDir: string
  readonly root: string
  readonly paths: ReadonlyArray<string>
}) => Promise<void>

const fail = (what: string) => (cause: unknown) => AnalyserError.make("Transport", what, cause)

/**
 * Writes `text` to `path` so that a crash leaves either the old file or the new one, never half of it.
 *
 * @since 0.1.0
 * @category writing
 */
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

/**
 * Hard links of each processed file, copies where the filesystem refuses links.
 *
 * @since 0.1.0
 * @category writing
 */
export const linkOrCopyInputs: KeepInputs = async ({ dir, root, paths }) => {
  for (const path of paths) await linkOrCopy(path, join(dir, "files", relative(root, path)))
}

/**
 * A checkpoint's directory name: its sequence, zero-padded so that names sort as the numbers do (`000042`).
 *
 * @since 0.1.0
 * @category naming
 */
export const entryName = (sequence: number): string => String(sequence).padStart(6, "0")

/**
 * One checkpoint directory of a run: its sequence and where it is.
 *
 * @since 0.1.0
 * @category models
 */
export interface Entry {
  readonly sequence: number
  /** The checkpoint's directory, holding `checkpoint.json` and `files/`. */
  readonly dir: string
}

/**
 * A run's checkpoint directories, newest first. One being written is under a temporary name until complete, so it
 * is never among them.
 *
 * @since 0.1.0
 * @category reading
 */
export const entries = async (runDir: string): Promise<Array<Entry>> =>
  (await readdir(runDir, { withFileTypes: true }).catch(() => []))
    .filter((d) => d.isDirectory() && /^\d{6,}$/.test(d.name))
    .map((d) => ({ sequence: Number(d.name), dir: join(runDir, d.name) }))
    .sort((a, b) => b.sequence - a.sequence)

const readCheckpoint = (dir: string) =>
  readFile(join(dir, "checkpoint.json"), "utf8").then(decode, () => Option.none<Checkpoint>())

/**
 * The newest valid checkpoint of a run directory: a damaged or unreadable one is passed over for the one before.
 * A run checkpointed by an older dla (`<run>/checkpoint.json`, no directory per checkpoint) resumes from that.
 *
 * @since 0.1.0
 * @category reading
 */
export const newest = async (runDir: string): Promise<Option.Option<Checkpoint>> => {
  for (const entry of await entries(runDir)) {
    const checkpoint = await readCheckpoint(entry.dir)
    if (Option.isSome(checkpoint)) return checkpoint
  }
  return readCheckpoint(runDir)
}

/**
 * Links `files/<rel>` of the previous checkpoint into the new one, many at once; returns the paths it did not hold
 * (kept by fingerprint, say).
 */
const carryOver = async (previous: string, dir: string, root: string, paths: ReadonlyArray<string>) => {
  const missing: Array<string> = []
  const made = new Set<string>()
  await Limited.each(paths, 32, async (path) => {
    const rel = join("files", relative(root, path))
    const parent = dirname(join(dir, rel))
    if (!made.has(parent)) {
      made.add(parent)
      await mkdir(parent, { recursive: true })
    }
    await link(join(previous, rel), join(dir, rel)).catch(() => missing.push(path))
  })
  return missing
}

/** Syncs a directory, so that a rename or removal in it outlives a crash. */
const syncDir = async (dir: string) => {
  const handle = await open(dir, "r")
  try {
    await handle.sync()
  } finally {
    await handle.close()
  }
}

/** A checkpoint this store wrote, and the processed files it holds. */
interface Written {
  readonly dir: string
  readonly paths: ReadonlySet<string>
}

/**
 * The seed's format, one directory per checkpoint: `<dir>/<run>/<sequence>/checkpoint.json` and the processed files
 * under `files/`. A checkpoint is built under a temporary name and renamed into place once whole; then all but the
 * newest `keep` are removed. Each holds every processed file, yet a save costs what changed since an older one, not
 * the whole list: the oldest checkpoint, due to go anyway, is renamed into the new one and given only the files it
 * lacks (while at least one other checkpoint stays whole); else the files come as links from the previous one.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerDirectory = (options: DirectoryOptions) =>
  Layer.sync(CheckpointStore, () => {
    const runDir = join(options.dir, options.runId)
    const keepInputs = options.keepInputs ?? linkOrCopyInputs
    const keep = Math.max(1, options.keep ?? defaultKeep)
    /** This store's checkpoints still on disk, oldest first. */
    let written: Array<Written> = []
    /** The oldest checkpoint, renamed to `temp`, with the files it holds; undefined when none may go yet. */
    const recycle = async (onDisk: ReadonlyArray<Entry>, temp: string) => {
      const oldest = written[0]
      const others = onDisk.filter((e) => e.dir !== oldest?.dir).length
      if (oldest === undefined || onDisk.length < keep || others === 0 || onDisk.at(-1)?.dir !== oldest.dir) return
      await rename(oldest.dir, temp)
      written = written.slice(1)
      return oldest.paths
    }
    const write = async (checkpoint: Checkpoint) => {
      const name = entryName(checkpoint.sequence)
      const temp = join(runDir, `.${name}.${process.pid}.tmp`)
      const target = join(runDir, name)
      const processed = new Set(checkpoint.processed_files)
      await rm(temp, { recursive: true, force: true })
      await mkdir(runDir, { recursive: true })
      let held = await recycle(await entries(runDir), temp)
      if (held !== undefined) {
        // Files it counted that this checkpoint does not (a run that shrank) leave it.
        const gone = [...held].filter((path) => !processed.has(path))
        await Limited.each(gone, 32, (path) => rm(join(temp, "files", relative(options.root, path)), { force: true }))
      } else {
        await mkdir(temp, { recursive: true })
        const previous = written.at(-1)
        const carried = previous === undefined ? [] : checkpoint.processed_files.filter((p) => previous.paths.has(p))
        const missing = new Set(
          previous === undefined ? [] : await carryOver(previous.dir, temp, options.root, carried)
        )
        held = new Set(carried.filter((path) => !missing.has(path)))
      }
      const fresh = checkpoint.processed_files.filter((path) => !held.has(path))
      await keepInputs({ dir: temp, runDir, root: options.root, paths: fresh })
      await Effect.runPromise(writeAtomic(join(temp, "checkpoint.json"), `${JSON.stringify(checkpoint, null, 2)}\n`))
      await rm(target, { recursive: true, force: true })
      await rename(temp, target)
      await syncDir(runDir)
      written = [...written.filter((w) => w.dir !== target), { dir: target, paths: processed }]
      const old = (await entries(runDir)).slice(keep)
      for (const entry of old) await rm(entry.dir, { recursive: true, force: true })
      written = written.filter((w) => !old.some((e) => e.dir === w.dir))
      // What a master killed mid-write left under a temporary name is of no use to anyone.
      for (const name of await readdir(runDir)) {
        if (/^\.\d+\.\d+\.tmp$/.test(name)) await rm(join(runDir, name), { recursive: true, force: true })
      }
    }
    return CheckpointStore.of({
      load: Effect.promise(() => newest(runDir)),
      save: (checkpoint) =>
        Effect.tryPromise({ try: () => write(checkpoint), catch: fail(`cannot write checkpoint into ${runDir}`) })
    })
  })

/**
 * Saves to every store; loads the newest valid checkpoint any of them has.
 *
 * @since 0.1.0
 * @category combinators
 */
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
