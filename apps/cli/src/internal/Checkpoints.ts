/**
 * Reading and checking a checkpoint directory as the analyser writes it: one directory per checkpoint,
 * `<dir>/<run>/<sequence>/checkpoint.json` plus hard links of the processed files under `<sequence>/files/<path
 * relative to the analysed root>`, or, where the filesystem refuses links, their fingerprints in
 * `<sequence>/fingerprints.json` (copies only when asked). A run checkpointed by an older dla
 * (`<dir>/<run>/checkpoint.json`) reads too.
 */
import { createHash } from "node:crypto"
import { constants } from "node:fs"
import { copyFile, link, mkdir, open, readdir, readFile, stat } from "node:fs/promises"
import { basename, dirname, join, relative, sep } from "node:path"
// The module, not the package root: `dla analyse` loads this, and the root loads the NATS client.
import * as CheckpointStore from "@dla/analyser/CheckpointStore"
import { Counts, FileAnalysis, Level, type LogFormat } from "@dla/core"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"

export class CheckpointError extends Schema.TaggedError<CheckpointError>()("CheckpointError", {
  message: Schema.String
}) {}

export interface Entry {
  readonly runId: string
  /** The checkpoint's own directory (checkpoint.json, files/). */
  readonly dir: string
  /** None when checkpoint.json is missing, half-written or not a checkpoint. */
  readonly checkpoint: Option.Option<CheckpointStore.Checkpoint>
}

const readEntry = (dir: string, runId: string): Promise<Entry> =>
  readFile(join(dir, "checkpoint.json"), "utf8")
    .catch(() => "")
    .then((json) => {
      const checkpoint = CheckpointStore.decode(json)
      return { runId: Option.match(checkpoint, { onNone: () => runId, onSome: (c) => c.run_id }), dir, checkpoint }
    })

const exists = (path: string) =>
  stat(path).then(
    () => true,
    () => false
  )

/** The checkpoints of one run's directory: one per numbered directory, and an older dla's checkpoint.json. */
const runEntries = async (runDir: string, runId: string): Promise<Array<Entry>> => {
  const numbered = await CheckpointStore.entries(runDir)
  const found = await Promise.all(numbered.map((e) => readEntry(e.dir, runId)))
  if (await exists(join(runDir, "checkpoint.json"))) found.push(await readEntry(runDir, runId))
  return found
}

/** Newest first: by save time, then by sequence; unreadable ones last. */
const newestFirst = (a: Entry, b: Entry) => {
  const key = (e: Entry) =>
    Option.match(e.checkpoint, { onNone: () => ["", -1] as const, onSome: (c) => [c.timestamp, c.sequence] as const })
  const [at, as] = key(a)
  const [bt, bs] = key(b)
  return bt.localeCompare(at) || bs - as || a.runId.localeCompare(b.runId)
}

/**
 * Every checkpoint under `dir`, newest first. `dir` is a checkpoint directory (holding `<run>/<sequence>/`), one
 * run's directory in it, or one checkpoint's directory. Fails when `dir` cannot be read or holds no checkpoint.
 */
export const list = (dir: string): Effect.Effect<Array<Entry>, CheckpointError> =>
  Effect.tryPromise({
    try: async () => {
      const name = basename(dir) || dir
      const own = await runEntries(dir, name)
      if (own.length > 0) return own.sort(newestFirst)
      const found: Array<Entry> = []
      for (const d of await readdir(dir, { withFileTypes: true })) {
        if (d.isDirectory()) found.push(...(await runEntries(join(dir, d.name), d.name)))
      }
      return found.sort(newestFirst)
    },
    catch: (cause) =>
      new CheckpointError({ message: `cannot read checkpoint directory ${dir}: ${(cause as Error).message}` })
  }).pipe(
    Effect.filterOrFail(
      (entries) => entries.length > 0,
      () => new CheckpointError({ message: `no checkpoint in ${dir} (expected <run>/<sequence>/checkpoint.json)` })
    )
  )

/**
 * The newest valid checkpoint of `runId` (of any run when none is named), or the one numbered `sequence`: a damaged
 * checkpoint is passed over, as a resuming master passes it over. Fails when none is valid.
 */
export const pick = (dir: string, runId: string | undefined, sequence?: number) =>
  Effect.gen(function* () {
    const entries = yield* list(dir)
    const ofRun = runId === undefined ? entries : entries.filter((e) => e.runId === runId)
    if (ofRun.length === 0) {
      const runs = [...new Set(entries.map((e) => e.runId))]
      return yield* new CheckpointError({
        message: `no checkpoint of run "${runId}" in ${dir} (runs: ${runs.join(", ")})`
      })
    }
    const wanted =
      sequence === undefined
        ? ofRun
        : ofRun.filter((e) => Option.isSome(e.checkpoint) && e.checkpoint.value.sequence === sequence)
    const valid = wanted.find((e) => Option.isSome(e.checkpoint))
    if (valid === undefined || Option.isNone(valid.checkpoint)) {
      return yield* new CheckpointError({
        message:
          wanted.length === 0
            ? `no checkpoint numbered ${sequence} in ${dir} (kept: ${ofRun.flatMap((e) => Option.toArray(Option.map(e.checkpoint, (c) => c.sequence))).join(", ")})`
            : `${join(wanted[0]!.dir, "checkpoint.json")} is not a valid checkpoint (half-written or another format)`
      })
    }
    return { ...valid, checkpoint: valid.checkpoint.value }
  })

/** One line per checkpoint: run, sequence, time, state, files, lines. */
export const renderList = (entries: ReadonlyArray<Entry>): string => {
  const rows = entries.map((e) =>
    Option.match(e.checkpoint, {
      onNone: () => [e.runId, "-", "-", "unreadable", "-", "-"],
      onSome: (c) => [
        e.runId,
        String(c.sequence),
        c.timestamp,
        c.complete ? "complete" : "partial",
        `${c.processed_files.length}/${c.pending_files.length}`,
        String(c.lines)
      ]
    })
  )
  const header = ["RUN", "SEQ", "SAVED", "STATE", "FILES DONE/PENDING", "LINES"]
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)))
  return [header, ...rows]
    .map((r) =>
      r
        .map((cell, i) => cell.padEnd(widths[i]!))
        .join("  ")
        .trimEnd()
    )
    .join("\n")
}

/** The checkpoint in words. */
export const renderShow = (dir: string, c: CheckpointStore.Checkpoint): string => {
  const levels = Level.all.filter((l) => c.counts[l] !== undefined)
  return [
    `Checkpoint of run ${c.run_id} (${dir})`,
    `Sequence:        ${c.sequence}`,
    `Saved:           ${c.timestamp}`,
    `State:           ${c.complete ? "complete (the run finished)" : "partial (a master resumes from it)"}`,
    ...levels.map((l) => `${`${l}:`.padEnd(16)} ${c.counts[l]}`),
    `Lines without a level: ${c.unmatched}`,
    `Total lines:     ${c.lines}`,
    `Bytes:           ${c.bytes}`,
    `Processed files: ${c.processed_files.length}`,
    `Pending files:   ${c.pending_files.length}`,
    `Tasks done:      ${c.completed_tasks.length}`,
    `Failed workers:  ${c.failed_workers.length === 0 ? "none" : c.failed_workers.join(", ")}`,
    `Given-up tasks:  ${c.failed_tasks.length === 0 ? "none" : ""}`,
    ...c.failed_tasks.map((f) => `  ${f.path}: ${f.reason}`)
  ].join("\n")
}

/** What tells a changed input from the one a checkpoint counted, without keeping a copy of it. */
export const Fingerprint = Schema.Struct({
  size: Schema.Number,
  mtimeMs: Schema.Number,
  ino: Schema.Number,
  /** sha256 of the first and the last 4 KiB (the whole file when smaller). */
  head: Schema.String,
  tail: Schema.String
})
export type Fingerprint = typeof Fingerprint.Type
const Fingerprints = Schema.Record(Schema.String, Fingerprint)
const fingerprintsFile = "fingerprints.json"
const edge = 4096

export const fingerprint = async (path: string): Promise<Fingerprint> => {
  const handle = await open(path, "r")
  try {
    const info = await handle.stat()
    const hash = async (position: number) => {
      const buffer = Buffer.alloc(Math.min(edge, info.size))
      await handle.read(buffer, 0, buffer.length, position)
      return createHash("sha256").update(buffer).digest("hex")
    }
    return {
      size: info.size,
      mtimeMs: info.mtimeMs,
      ino: info.ino,
      head: await hash(0),
      tail: await hash(Math.max(0, info.size - edge))
    }
  } finally {
    await handle.close()
  }
}

/** The fingerprints of a run directory (none when it has no valid fingerprints.json). */
const readFingerprints = (runDir: string): Promise<Record<string, Fingerprint>> =>
  readFile(join(runDir, fingerprintsFile), "utf8").then(
    (text) => ({ ...Schema.decodeUnknownSync(Schema.fromJsonString(Fingerprints))(text) }),
    () => ({})
  )

/** `--keep-inputs`: hard links where the filesystem allows, else fingerprints (`link`), or copies (`copy`). */
export type KeepMode = "link" | "copy"

/**
 * How the CLI keeps processed inputs in a checkpoint directory: a hard link each (no bytes copied). Where links are
 * refused (another filesystem), a copy could fill the disk unnoticed (an HPC home quota), so each file's fingerprint
 * is recorded instead, said once; `copy` copies them, each batch after a line saying how many bytes.
 */
export const keepInputs = (mode: KeepMode, say: (line: string) => void): CheckpointStore.KeepInputs => {
  let said = false
  // An input is fingerprinted once: each later checkpoint lists it again, and it has not changed in between.
  const known = new Map<string, Fingerprint>()
  return async ({ dir, runDir, root, paths }) => {
    const refused: Array<{ readonly from: string; readonly to: string; readonly rel: string }> = []
    for (const from of paths) {
      const rel = relative(root, from)
      const to = join(dir, "files", rel)
      await mkdir(dirname(to), { recursive: true })
      await link(from, to).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== "EEXIST") refused.push({ from, to, rel })
      })
    }
    if (refused.length === 0) return
    if (mode === "copy") {
      const sizes = await Promise.all(refused.map((r) => stat(r.from).then((s) => s.size)))
      say(
        `copying ${refused.length} input file(s), ${sizes.reduce((a, b) => a + b, 0)} bytes, into ${runDir} (--keep-inputs copy; hard links refused there)`
      )
      for (const r of refused) await copyFile(r.from, r.to, constants.COPYFILE_FICLONE)
      return
    }
    if (!said) {
      said = true
      say(
        `${runDir} refuses hard links to the inputs (another filesystem): the checkpoint records each processed file's fingerprint instead of a copy (--keep-inputs copy to copy them)`
      )
    }
    const fingerprints = await readFingerprints(dir)
    for (const r of refused) {
      const print = known.get(r.from) ?? (await fingerprint(r.from))
      known.set(r.from, print)
      fingerprints[r.rel.split(sep).join("/")] = print
    }
    await Effect.runPromise(
      CheckpointStore.writeAtomic(join(dir, fingerprintsFile), `${JSON.stringify(fingerprints, null, 2)}\n`)
    )
  }
}

/** How a fingerprinted input differs from what the checkpoint counted, if it does. */
const changed = (then: Fingerprint, now: Fingerprint) =>
  (["size", "ino", "mtimeMs", "head", "tail"] as const).filter((key) => then[key] !== now[key])

/** Every file under `dir`, as paths relative to it. */
const walk = async (dir: string): Promise<Array<string>> => {
  const found: Array<string> = []
  const visit = async (at: string) => {
    for (const d of await readdir(at, { withFileTypes: true }).catch(() => [])) {
      const path = join(at, d.name)
      if (d.isDirectory()) await visit(path)
      else found.push(relative(dir, path))
    }
  }
  await visit(dir)
  return found
}

/**
 * The stored copy of each processed file. The analysed root is not in the checkpoint, so a processed path is matched
 * to the longest stored relative path it ends with.
 */
export const matchStored = (processed: ReadonlyArray<string>, stored: ReadonlyArray<string>) => {
  const byLength = [...stored].sort((a, b) => b.length - a.length)
  const matched = new Map<string, string>()
  const missing: Array<string> = []
  for (const path of processed) {
    const rel = byLength.find((r) => path === r || path.endsWith(`${sep}${r}`))
    if (rel === undefined) missing.push(path)
    else matched.set(path, rel)
  }
  return { matched, missing }
}

export interface Verification {
  readonly checkpoint: CheckpointStore.Checkpoint
  readonly recounted: Counts.Counts
  readonly files: number
  /** Exact when every file of the run was processed; else a lower bound (split files count partly). */
  readonly exact: boolean
  readonly problems: ReadonlyArray<string>
}

const fields = (counts: Counts.Counts) => [
  ...Level.all.map((l) => [l, counts.levels[l] ?? 0] as const),
  ["lines", counts.lines] as const,
  ["lines without a level", counts.unmatched] as const
]

/**
 * Recounts the stored copies with @dla/core and compares them with checkpoint.json. A finished run with nothing given
 * up must match exactly; a partial checkpoint also counts ranges of files not yet complete, so there the stored
 * files must not exceed it.
 */
export const verify = (dir: string, runId: string | undefined, format?: LogFormat.LogFormat, sequence?: number) =>
  Effect.gen(function* () {
    const { dir: runDir, checkpoint } = yield* pick(dir, runId, sequence)
    const filesDir = join(runDir, "files")
    const stored = yield* Effect.promise(() => walk(filesDir))
    const { matched, missing } = matchStored(checkpoint.processed_files, stored)
    // Inputs kept by fingerprint are recounted where they are, if they are still the files the checkpoint counted.
    const fingerprints = yield* Effect.promise(() => readFingerprints(runDir))
    const byFingerprint = matchStored(
      missing,
      Object.keys(fingerprints).map((rel) => rel.split("/").join(sep))
    )
    const problems = byFingerprint.missing.map((p) => `missing stored copy of ${p}`)
    const recount = (path: string) =>
      FileAnalysis.analyse(path, { format }).pipe(Effect.mapError((e) => new CheckpointError({ message: e.message })))
    let recounted = Counts.empty
    for (const rel of matched.values()) recounted = Counts.merge(recounted, yield* recount(join(filesDir, rel)))
    for (const [path, rel] of byFingerprint.matched) {
      const now = yield* Effect.promise(() => fingerprint(path).catch(() => undefined))
      const differs = now === undefined ? ["gone"] : changed(fingerprints[rel.split(sep).join("/")]!, now)
      if (differs.length > 0) problems.push(`input changed since the checkpoint: ${path} (${differs.join(", ")})`)
      else recounted = Counts.merge(recounted, yield* recount(path))
    }
    const exact = checkpoint.pending_files.length === 0 && checkpoint.failed_tasks.length === 0
    const saved = CheckpointStore.counts(checkpoint)
    const savedFields = new Map(fields(saved))
    for (const [name, n] of fields(recounted)) {
      const want = savedFields.get(name) ?? 0
      if (exact ? n !== want : n > want) {
        problems.push(`${name}: stored files have ${n}, checkpoint.json says ${want}${exact ? "" : " (at least)"}`)
      }
    }
    const files = matched.size + byFingerprint.matched.size
    return { checkpoint, recounted, files, exact, problems } satisfies Verification
  })
