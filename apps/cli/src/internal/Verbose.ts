/**
 * `--verbose`: the assignment's progress lines, through `@dla/logger` on stderr (rank-aware, `NO_COLOR`,
 * `LOG_LEVEL`), mapped from the master's events and the workers' task events:
 *
 * ```
 * Loading checkpoint from previous run...
 * Resuming from checkpoint: 5 files already processed
 * Found 10 log file(s) to analyse (5 remaining)
 * Starting distributed analysis...
 * [Master] Assigning node6.log to worker 1
 * [Worker 1] Processing node6.log
 * [Master] Worker 2 timeout detected - marking as failed
 * [Master] Reassigning node7.log to worker 3
 * ```
 *
 * Workers pull their tasks, so the master learns an assignment from the worker's next heartbeat (every second): a
 * task started and finished between two heartbeats has no `[Master] Assigning` line, while the worker's own
 * `[Worker N] Processing` line is printed by the worker (its rank, or this process for local NATS workers).
 */
import { isAbsolute, relative } from "node:path"
import type { Master, Worker } from "@dla/analyser"
import * as Effect from "effect/Effect"
import type * as Option from "effect/Option"
import * as Diagnostics from "./Diagnostics.ts"
import * as Run from "./Run.ts"

export const flags = {
  verbose: Run.toggle(
    "verbose",
    "Print the assignment's progress lines on stderr (Found N log file(s), [Master] Assigning X to worker N...)"
  )
}

/**
 * The worker's number as the assignment prints it: its rank (`rank-2`), its thread (`thread-3`), its local index
 * (`<run>-local-4`), else the order in which workers were first seen.
 */
export const workerNumber = (() => {
  const known = new Map<string, string>()
  return (workerId: string): string => {
    const numbered = /(?:^rank-|^thread-|-local-)(\d+(?:\.\d+)?)$/.exec(workerId)?.[1]
    if (numbered !== undefined) return numbered
    let n = known.get(workerId)
    if (n === undefined) {
      n = `${known.size + 1}`
      known.set(workerId, n)
    }
    return n
  }
})()

/** A task's file as the assignment names it: relative to the analysed directory. */
const shown = (root: string, path: string) => (isAbsolute(path) ? relative(root, path) : path)

/** The master's lines; `engine` says which "Starting ... analysis..." line. */
export const masterLines = (root: string, engine: "parallel" | "distributed") => {
  let found: number | undefined
  const assigned = new Map<string, Set<string>>()
  const requeued = new Set<string>()
  const lines: Array<string> = []
  const start = (remaining?: number) => {
    if (found === undefined) return
    lines.push(`Found ${found} log file(s) to analyse${remaining === undefined ? "" : ` (${remaining} remaining)`}`)
    lines.push(`Starting ${engine} analysis...`)
    found = undefined
  }
  /** The lines an event adds (in the assignment's order: a resume is told before the files found). */
  const onEvent = (event: Master.Event): Array<string> => {
    lines.length = 0
    if (event._tag === "Started") {
      found = event.files
      return []
    }
    if (event._tag === "Resumed") {
      lines.push("Loading checkpoint from previous run...")
      lines.push(`Resuming from checkpoint: ${event.filesAlreadyProcessed} files already processed`)
      start(found === undefined ? undefined : found - event.filesAlreadyProcessed)
      return [...lines]
    }
    start()
    if (event._tag === "Heartbeat") {
      const worker = workerNumber(event.heartbeat.workerId)
      const seen = assigned.get(worker) ?? new Set<string>()
      assigned.set(worker, seen)
      for (const task of event.working) {
        if (seen.has(task)) continue
        seen.add(task)
        const again = requeued.delete(shown(root, task))
        lines.push(`[Master] ${again ? "Reassigning" : "Assigning"} ${task} to worker ${worker}`)
      }
    }
    if (event._tag === "WorkerFailed") {
      lines.push(`[Master] Worker ${workerNumber(event.workerId)} timeout detected - marking as failed`)
      for (const path of event.requeued) requeued.add(shown(root, path))
    }
    return [...lines]
  }
  return onEvent
}

/** The reader of the master's events that prints its lines (see `Watch.make`), when `verbose`. */
export const readers = (
  verbose: boolean,
  args: { readonly path: string; readonly nats: Option.Option<string> }
): ReadonlyArray<(event: Master.Event) => Effect.Effect<void>> => {
  if (!verbose) return []
  const lines = masterLines(args.path, args.nats._tag === "Some" ? "distributed" : "parallel")
  return [
    (event) =>
      Effect.sync(() => {
        for (const line of lines(event)) Diagnostics.info(line)
      })
  ]
}

/** A worker's `onTask` printing `[Worker N] Processing X` when `verbose`. */
export const workerTasks = (
  verbose: boolean,
  root: string,
  workerId: string
): ((event: Worker.TaskEvent) => void) | undefined => {
  if (!verbose) return undefined
  const worker = workerNumber(workerId)
  return (event) => {
    if (event._tag === "TaskStarted") Diagnostics.info(`[Worker ${worker}] Processing ${shown(root, event.path)}`)
  }
}
