/**
 * The `--json` results of every analysis mode (`--sequential`, embedded, `--nats`, `dla master`, `--follow`): one
 * field set, numbers as numbers, described for other programs by docs/results.schema.json (a test checks real
 * output against it). The text block stays `Report.render`'s.
 */
import type { Master } from "@dla/analyser"
// The module, not the package root: `dla analyse` loads this, and the root loads the NATS client.
import * as WorkerId from "@dla/analyser/WorkerId"
import type { Counts } from "@dla/core"
import * as Option from "effect/Option"
import * as Report from "../Report.ts"
import * as ByFile from "./ByFile.ts"

export type Mode = "sequential" | "embedded" | "nats" | "follow" | "store"

export interface Leadership {
  readonly term: number
  readonly leader: string
  readonly previousLeader?: string
}

export interface Input {
  readonly mode: Mode
  readonly runId?: string
  readonly counts: Counts.Counts
  readonly filesProcessed: number
  readonly durationMs: number
  /** Files that could not be counted (binary or unreadable). */
  readonly filesSkipped: number
  /** Workers the run used (threads, local and remote workers; 1 for the sequential analyser). */
  readonly workers: number
  /** What only a master's run has (absent: the sequential analyser or a follower: zeros and empty lists). */
  readonly summary?: Master.Summary
  readonly baseline?: Option.Option<number>
  readonly leadership?: Leadership
  /** With `--by-file`: each file's figures, printed as `files`. */
  readonly byFile?: ReadonlyArray<ByFile.File>
  /** Files whose size moved while they were counted (none: an empty list). */
  readonly changedFiles?: ReadonlyArray<ByFile.Changed>
}

const round = (n: number, digits: number) => Math.round(n * 10 ** digits) / 10 ** digits

/** The speedup over `baseline` seconds and the efficiency (speedup / workers), both null without a baseline. */
export const speedup = (baseline: Option.Option<number>, durationMs: number, workers: number) => {
  if (Option.isNone(baseline) || durationMs <= 0) return { speedup: null, efficiency: null }
  const speedup = baseline.value / (durationMs / 1000)
  return { speedup: round(speedup, 2), efficiency: workers > 0 ? round(speedup / workers, 2) : null }
}

/** The JSON object of a finished analysis (field order is the documented one). */
export const toJson = (input: Input) => {
  const s = input.summary
  return {
    mode: input.mode,
    runId: input.runId ?? null,
    ...Report.toJson({ counts: input.counts, filesProcessed: input.filesProcessed, durationMs: input.durationMs }),
    filesSkipped: input.filesSkipped,
    changedFiles: (input.changedFiles ?? []).map(({ path, before, after }) => ({ path, before, after })),
    filesAlreadyProcessed: s?.filesAlreadyProcessed ?? 0,
    workers: input.workers,
    failedWorkers: s?.failedWorkers.length ?? 0,
    failedWorkerIds: s?.failedWorkers ?? [],
    // The assignment's failed_workers: ranks for workers of a launch (mpirun, srun, torchrun), ids for the others.
    failed_workers: WorkerId.failed(s?.failedWorkers ?? []),
    failedTasks: (s?.failedTasks ?? []).map((t) => ({ path: t.path, reason: t.reason, binary: t.binary })),
    requeuedTasks: s?.requeuedTasks ?? 0,
    duplicateResults: s?.duplicateResults ?? 0,
    rejectedResults: s?.rejectedResults ?? 0,
    checkpointsSaved: s?.checkpointsSaved ?? 0,
    ...speedup(input.baseline ?? Option.none(), input.durationMs, input.workers),
    leader: input.leadership?.leader ?? null,
    term: input.leadership?.term ?? null,
    previousLeader: input.leadership?.previousLeader ?? null,
    ...(input.byFile === undefined ? {} : { files: ByFile.toJson(input.byFile) })
  }
}

export const print = (input: Input) => JSON.stringify(toJson(input), null, 2)
