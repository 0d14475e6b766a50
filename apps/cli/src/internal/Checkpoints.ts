/**
 * Reading and checking a checkpoint directory as the analyser writes it: `<dir>/<run>/checkpoint.json` plus hard
 * links (or copies) of the processed files under `<dir>/<run>/files/<path relative to the analysed root>`.
 */
import { readdir, readFile, stat } from "node:fs/promises"
import { join, relative, sep } from "node:path"
import { CheckpointStore } from "@dla/analyser"
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
    const problems = missing.map((p) => `missing stored copy of ${p}`)
    let recounted = Counts.empty
    for (const rel of matched.values()) {
      const result = yield* FileAnalysis.analyse(join(filesDir, rel), { format }).pipe(
        Effect.mapError((e) => new CheckpointError({ message: e.message }))
      )
      recounted = Counts.merge(recounted, result)
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
    return { checkpoint, recounted, files: matched.size, exact, problems } satisfies Verification
  })
