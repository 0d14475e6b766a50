/**
 * What `master` and `analyse --workers/--nats` share: the run flags, the master's progress on stderr and the results
 * block of a master's summary.
 */
import type { Master } from "@dla/analyser"
import * as CheckpointStore from "@dla/analyser/CheckpointStore"
import * as RunMonitor from "@dla/analyser/RunMonitor"
// The module, not the package root: `dla analyse` loads this, and the root loads the NATS client.
import * as WorkerId from "@dla/analyser/WorkerId"
import type { LogFormat } from "@dla/core"
import * as Console from "effect/Console"
import * as Flag from "effect/cli/Flag"
import * as Data from "effect/Data"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type * as Option from "effect/Option"
import * as Flags from "../Flags.ts"
import * as Report from "../Report.ts"
import * as ByFile from "./ByFile.ts"
import * as Checkpoints from "./Checkpoints.ts"
import * as Diagnostics from "./Diagnostics.ts"
import * as Progress from "./Progress.ts"
import * as Repeats from "./Repeats.ts"
import * as Results from "./Results.ts"

/** Refuses values below `min` (at parse time: a usage error, exit 2). */
const atLeast = (min: number, name: string) => (flag: Flag.Flag<number>) =>
  flag.pipe(
    Flag.filter(
      (n: number) => n >= min,
      (n: number) => `--${name} must be at least ${min}, got ${n}`
    )
  )

/** An on/off flag, off unless given. */
export const toggle = (name: string, description: string) =>
  Flag.Boolean(name).pipe(Flag.withDefault(false), Flag.withDescription(description))

/** `--name <seconds or count>` that must be above 0, with a default. */
export const positive = (name: string, fallback: number, description: string) =>
  Flag.Finite(name).pipe(
    Flag.withDefault(fallback),
    Flag.filter(
      (n: number) => n > 0,
      (n: number) => `--${name} must be above 0, got ${n}`
    ),
    Flag.withDescription(description)
  )

export const flags = {
  run: Flag.String("run").pipe(
    Flag.optional,
    Flag.withDescription("Run id (letters, digits, - and _); default: derived from the directory and filters")
  ),
  checkpointEvery: Flag.Int("checkpoint-every").pipe(
    Flag.withDefault(100),
    atLeast(1, "checkpoint-every"),
    Flag.withDescription("Save a checkpoint after this many results (default 100)")
  ),
  checkpointInterval: positive(
    "checkpoint-interval",
    5,
    "...and at least this often while results come in (seconds, default 5)"
  ),
  heartbeatTimeout: positive(
    "heartbeat-timeout",
    5,
    "A worker silent this long is marked failed and its tasks requeued (seconds, default 5)"
  ),
  splitMb: positive("split-mb", 64, "Split files bigger than this into byte ranges of this size (MB, default 64)"),
  fresh: toggle("fresh", "Ignore checkpoints and left-over run state: start the run from scratch"),
  keepCheckpoints: Flag.Int("keep-checkpoints").pipe(
    Flag.withDefault(CheckpointStore.defaultKeep),
    atLeast(1, "keep-checkpoints"),
    Flag.withDescription(
      `Checkpoints kept in the checkpoint directory, one directory each, newest first (default ${CheckpointStore.defaultKeep})`
    )
  ),
  keepInputs: Flag.Literals("keep-inputs", ["link", "copy"]).pipe(
    Flag.withDefault("link" as const),
    Flag.withDescription(
      "How a checkpoint directory keeps processed files: link (hard links; fingerprints where links are refused, e.g. another filesystem) or copy"
    )
  ),
  speculate: Flag.Boolean("speculate").pipe(
    Flag.withDefault(true),
    Flag.withDescription(
      "Over NATS: give a straggler (a task held far longer than the run's pace says, or by a worker known to be slow) to an idle worker too; the first result counts (on by default; --no-speculate turns it off)"
    )
  ),
  replicas: Flags.replicas("Copies of the run's streams and KV on a NATS cluster (3 on a 3-node cluster; default 1)"),
  baseline: Flag.Finite("baseline").pipe(
    Flag.optional,
    Flag.withDescription("Sequential time of the same input (seconds): prints speedup and efficiency")
  )
}

/** A format as the text workers rebuild it from (threads and other processes cannot receive functions). */
export const formatSpec = (format: LogFormat.LogFormat): string =>
  format.name.startsWith("regex:") ? format.name.slice("regex:".length) : format.name

export { runId } from "./RunId.ts"

export const masterOptions = (values: {
  readonly checkpointEvery: number
  readonly checkpointInterval: number
  readonly heartbeatTimeout: number
  readonly splitMb: number
  readonly fresh: boolean
  readonly speculate: boolean
  readonly replicas: number
  readonly keepInputs: Checkpoints.KeepMode
  readonly keepCheckpoints: number
}) => ({
  checkpointEvery: values.checkpointEvery,
  checkpointInterval: Duration.seconds(values.checkpointInterval),
  heartbeatTimeout: Duration.seconds(values.heartbeatTimeout),
  splitBytes: Math.round(values.splitMb * 1024 * 1024),
  fresh: values.fresh,
  speculate: values.speculate,
  replicas: values.replicas,
  keepInputs: Checkpoints.keepInputs(values.keepInputs, Diagnostics.info),
  keepCheckpoints: values.keepCheckpoints
})

/**
 * The master's events on stderr: a bar on a terminal, and one line for each thing a person should know. `read` is
 * a reader of the run's events (see `Watch.make`).
 */
export const progress = () => {
  const bar = Progress.make()
  // A warning said again and again (a checkpoint retried through a NATS election) is one line and its count.
  const lines = Repeats.make<"info" | "warn">((line, level) => {
    bar.finish()
    if (level === "warn") Diagnostics.warn(line)
    else Diagnostics.info(line)
  })
  /** A line for the person running the master (INFO); `warn` for what went wrong. */
  const say = (line: string) => lines.line(line, "info")
  const warn = (line: string) => lines.line(line, "warn")
  const show = (event: Master.Event) => {
    switch (event._tag) {
      case "Progress": {
        const p = event.progress
        bar.update(
          p.bytesDone,
          p.bytesTotal,
          Progress.note(Progress.files(p.filesDone, p.filesTotal), `${p.workersAlive} workers`)
        )
        break
      }
      case "WorkerFailed":
        warn(`worker ${event.workerId} failed (no heartbeat); requeued ${event.requeued.length} task(s)`)
        break
      case "WaitingForWorkers":
        warn(`no live workers: waiting for workers to join (${event.pendingTasks} tasks pending)`)
        break
      case "TaskFailed":
        warn(`skipped ${event.reason}`)
        break
      case "Retrying":
        warn(`${event.what} failed, retrying: ${event.reason}`)
        break
      case "Resumed":
      case "Straggler": {
        const line = RunMonitor.describe(event)
        if (line !== undefined) say(line)
        break
      }
      case "CheckpointSaved":
        if (event.onStop === true) {
          say(`stopping: checkpoint ${event.sequence} saved; the same command resumes the run from it`)
        }
        break
      default:
        break
    }
  }
  return {
    read: (event: Master.Event) => Effect.sync(() => show(event)),
    say,
    finish: () => {
      lines.flush()
      bar.finish()
    }
  }
}

/** Who finished an elected run, in which term, and whom it took over from (a failover). */
export interface Leadership {
  readonly term: number
  readonly leader: string
  readonly previousLeader?: string
}

/** The report's rows of an elected master: leader and term, and the previous leader after a takeover. */
export const leadershipRows = ({ term, leader, previousLeader }: Leadership): Array<Report.Extra> => [
  { label: "Leader", key: "leader", value: leader },
  { label: "Term", key: "term", value: term },
  ...(previousLeader === undefined ? [] : [{ label: "Previous leader", key: "previousLeader", value: previousLeader }])
]

/** The results block (or JSON, see Results) of a finished run. */
export const report = (summary: Master.Summary, options: ReportOptions) =>
  Effect.andThen(printResults(summary, options), ByFile.warn(summary.byFile))

interface ReportOptions {
  readonly json: boolean
  readonly baseline: Option.Option<number>
  readonly mode: Results.Mode
  readonly workers?: number
  readonly leadership?: Leadership
  /** `--by-file`: each file's figures after the totals. */
  readonly byFile?: boolean
}

const printResults = (summary: Master.Summary, options: ReportOptions) => {
  const workers = options.workers ?? summary.workers.length
  const filesSkipped = new Set(summary.failedTasks.map((t) => t.path)).size
  if (options.json) {
    return Console.log(
      Results.print({
        mode: options.mode,
        runId: summary.runId,
        counts: summary.counts,
        filesProcessed: summary.filesProcessed,
        durationMs: summary.durationMs,
        filesSkipped,
        workers,
        summary,
        baseline: options.baseline,
        leadership: options.leadership,
        changedFiles: ByFile.changed(summary.byFile),
        ...(options.byFile === true ? { byFile: summary.byFile } : {})
      })
    )
  }
  // dla's facts after the assignment's block.
  const extra: Array<Report.Extra> = []
  // As the sequential analyser says it: files that could not be counted were skipped, each named on stderr.
  if (filesSkipped > 0) extra.push({ label: "Files skipped", key: "filesSkipped", value: filesSkipped })
  if (summary.failedWorkers.length > 0) extra.push(failedWorkersRow(summary.failedWorkers))
  if (options.mode !== "nats" && summary.checkpointsSaved > 0) {
    extra.push({ label: "Checkpoints saved", key: "checkpointsSaved", value: summary.checkpointsSaved })
  }
  if (summary.filesAlreadyProcessed > 0) {
    extra.push({ label: "Already processed", key: "filesAlreadyProcessed", value: summary.filesAlreadyProcessed })
  }
  if (summary.rejectedResults > 0) {
    extra.push({ label: "Results set aside", key: "rejectedResults", value: summary.rejectedResults })
  }
  if (options.leadership !== undefined) extra.push(...leadershipRows(options.leadership))
  const { speedup, efficiency } = Results.speedup(options.baseline, summary.durationMs, workers)
  if (efficiency !== null && options.workers !== undefined) {
    extra.push({ label: "Efficiency", key: "efficiency", value: `${(efficiency * 100).toFixed(0)}%` })
  }
  const totals = Report.render({
    counts: summary.counts,
    filesProcessed: summary.filesProcessed,
    durationMs: summary.durationMs,
    speedup,
    // Over NATS the assignment's distributed block; on this machine's threads its parallel one.
    distributed:
      options.mode === "nats"
        ? { failedWorkers: summary.failedWorkers.length, checkpointsSaved: summary.checkpointsSaved }
        : undefined,
    extra
  })
  return Console.log(options.byFile === true ? `${totals}\n\n${ByFile.render(summary.byFile)}` : totals)
}

/** Which workers failed: by rank when they had ranks (a launch), else by id. */
const failedWorkersRow = (failed: ReadonlyArray<string>): Report.Extra => {
  const named = WorkerId.failed(failed)
  const ranks = named.every((w) => typeof w === "number")
  return {
    label: ranks ? "Failed worker ranks" : "Failed worker ids",
    key: ranks ? "failedWorkerRanks" : "failedWorkerIds",
    value: named.join(", ")
  }
}

export const ensureFinished = <A, E, R>(effect: Effect.Effect<A, E, R>, finish: () => void) =>
  effect.pipe(Effect.ensuring(Effect.sync(finish)))

/**
 * Binary files are skipped, but counts without a file that could not be read are wrong: the results are printed
 * (everything else was counted) and the run still ends with exit code 1, as the sequential analyser's does.
 */
export const failOnUnreadable = (summary: Master.Summary) => {
  const unreadable = summary.failedTasks.filter((t) => !t.binary)
  return unreadable.length === 0
    ? Effect.void
    : Effect.fail(
        new IncompleteCounts({
          message: `${new Set(unreadable.map((t) => t.path)).size} file(s) could not be counted (see above): the counts leave them out`
        })
      )
}

export class IncompleteCounts extends Data.TaggedError("IncompleteCounts")<{ readonly message: string }> {}
