/**
 * Reading and checking a checkpoint directory as the analyser writes it: `<dir>/<run>/checkpoint.json` plus hard
 * links of the processed files under `<dir>/<run>/files/<path relative to the analysed root>`, or, where the
 * filesystem refuses links, their fingerprints in `<dir>/<run>/fingerprints.json` (copies only when asked).
 */
import { createHash } from "node:crypto"
import { constants } from "node:fs"
import { copyFile, link, mkdir, open, readdir, readFile, stat } from "node:fs/promises"
import { dirname, join, relative, sep } from "node:path"
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
  readonly dir: string
  /** None when checkpoint.json is missing, half-written or not a checkpoint. */
  readonly checkpoint: Option.Option<CheckpointStore.Checkpoint>
}

const readEntry = (runDir: string, runId: string): Effect.Effect<Entry> =>
  Effect.promise(() => readFile(join(runDir, "checkpoint.json"), "utf8").catch(() => "")).pipe(
    Effect.map((json) => ({ runId, dir: runDir, checkpoint: CheckpointStore.decode(json) }))
  )

const exists = (path: string) =>
  Effect.promise(() =>
    stat(path).then(
      () => true,
      () => false
    )
  )

/**
 * The checkpoints under `dir` (a checkpoint directory), newest first; `dir` may also be one run's directory.
 * Fails when `dir` cannot be read or holds no checkpoint at all.
 */
export const list = (dir: string): Effect.Effect<Array<Entry>, CheckpointError> =>
  Effect.gen(function* () {
    if (yield* exists(join(dir, "checkpoint.json")))
      return [yield* readEntry(dir, dir.split(sep).filter(Boolean).at(-1) ?? dir)]
    const names = yield* Effect.tryPromise({
      try: () => readdir(dir, { withFileTypes: true }),
      catch: (cause) =>
        new CheckpointError({ message: `cannot read checkpoint directory ${dir}: ${(cause as Error).message}` })
    })
    const entries: Array<Entry> = []
    for (const d of names) {
      if (d.isDirectory() && (yield* exists(join(dir, d.name, "checkpoint.json")))) {
        entries.push(yield* readEntry(join(dir, d.name), d.name))
      }
    }
    if (entries.length === 0) {
      return yield* new CheckpointError({ message: `no checkpoint in ${dir} (expected <run>/checkpoint.json)` })
    }
    const time = (e: Entry) => Option.match(e.checkpoint, { onNone: () => "", onSome: (c) => c.timestamp })
    return entries.sort((a, b) => time(b).localeCompare(time(a)) || a.runId.localeCompare(b.runId))
  })

/** The checkpoint of `runId`, or the newest one when no run is named; fails on an unreadable checkpoint. */
export const pick = (dir: string, runId: string | undefined) =>
  Effect.gen(function* () {
    const entries = yield* list(dir)
    const entry = runId === undefined ? entries[0]! : entries.find((e) => e.runId === runId)
    if (entry === undefined) {
      return yield* new CheckpointError({
        message: `no checkpoint of run "${runId}" in ${dir} (runs: ${entries.map((e) => e.runId).join(", ")})`
      })
    }
    if (Option.isNone(entry.checkpoint)) {
      return yield* new CheckpointError({
        message: `${join(entry.dir, "checkpoint.json")} is not a valid checkpoint (half-written or another format)`
      })
    }
    return { ...entry, checkpoint: entry.checkpoint.value }
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
  return async ({ runDir, root, paths }) => {
    const refused: Array<{ readonly from: string; readonly to: string; readonly rel: string }> = []
    for (const from of paths) {
      const rel = relative(root, from)
      const to = join(runDir, "files", rel)
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
    const known = await readFingerprints(runDir)
    for (const r of refused) known[r.rel.split(sep).join("/")] = await fingerprint(r.from)
    await Effect.runPromise(
      CheckpointStore.writeAtomic(join(runDir, fingerprintsFile), `${JSON.stringify(known, null, 2)}\n`)
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
export const verify = (dir: string, runId: string | undefined, format?: LogFormat.LogFormat) =>
  Effect.gen(function* () {
    const { dir: runDir, checkpoint } = yield* pick(dir, runId)
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
