/**
 * A run's state as a text block for the terminal (`dla status`): pure, so it is tested without NATS.
 */

import { type CheckpointStore, RunMonitor } from "@dla/analyser"
import type { RunsKv } from "@dla/analyser/nats"
import { Level } from "@dla/core"
import * as Option from "effect/Option"

const clock = (ms: number) => new Date(ms).toISOString().slice(11, 19)
const seconds = (ms: number) => `${(Math.max(0, ms) / 1000).toFixed(1)} s`
const bar = (done: number, total: number, width = 20) => {
  const filled = total === 0 ? 0 : Math.round((done / total) * width)
  return `[${"#".repeat(filled)}${".".repeat(width - filled)}] ${total === 0 ? 0 : Math.floor((100 * done) / total)}%`
}

/** The block `dla status` prints; `now` is the reader's clock (for "ago" and the elapsed time). */
export const render = (state: RunMonitor.RunState, now: number): string => {
  const t = state.tasks
  const last = state.throughput.at(-1)
  const alive = state.workers.filter((w) => w.status === "alive").length
  const levels = Level.all.filter((l) => state.counts.levels[l] !== undefined)
  const idWidth = Math.max(6, ...state.workers.map((w) => w.workerId.length))
  const silent = RunMonitor.silentFor(state, now)
  const stale = silent === undefined ? "" : ` (stale: master silent for ${Math.round(silent / 1000)} s)`
  const lines = [
    `Run ${state.runId}: ${state.status}${stale}${state.error === null ? "" : ` (${state.error})`}, started ${clock(state.startedAt)} UTC, ${seconds((state.finishedAt ?? now) - state.startedAt)}`,
    `Leader:      ${state.leader === null ? "- (no election)" : `${state.leader.id} (term ${state.leader.term})`}`,
    `Files:       ${state.files.done}/${state.files.total} ${bar(state.files.done, state.files.total)}`,
    `Tasks:       ${t.done} done, ${t.inFlight} in flight, ${t.pending} pending of ${t.total}`,
    `Lines:       ${state.counts.lines}${last === undefined ? "" : ` (${last.linesPerSecond} lines/s)`}`,
    `Levels:      ${levels.length === 0 ? "-" : levels.map((l) => `${l} ${state.counts.levels[l]}`).join(", ")}${state.counts.unmatched > 0 ? `, no level ${state.counts.unmatched}` : ""}`,
    `Checkpoints: ${state.checkpoints.saved} saved${state.checkpoints.lastAt === null ? "" : `, last sequence ${state.checkpoints.lastSequence} at ${clock(state.checkpoints.lastAt)} UTC`}`,
    `Workers:     ${alive} alive, ${state.workers.length - alive} failed`,
    ...state.workers.map(
      (w) =>
        `  ${w.workerId.padEnd(idWidth)}  ${w.status === "alive" ? "alive " : "FAILED"}  ${String(w.tasksDone).padStart(5)} done  heartbeat ${seconds(now - w.lastHeartbeat)} ago${w.working.length > 0 ? `  working on ${w.working.join(", ")}` : ""}`
    ),
    ...(state.recoveries.length === 0 ? [] : ["Recoveries:"]),
    ...state.recoveries.map((r) => `  ${clock(r.at)} ${r.workerId} failed, ${r.requeued.length} task(s) requeued`),
    ...(state.rejected.count === 0
      ? []
      : [`Rejected:    ${state.rejected.count} result message(s) set aside, last: ${state.rejected.lastReason}`]),
    ...(state.failedTasks.length === 0 ? [] : ["Given-up tasks:"]),
    ...state.failedTasks.map((f) => `  ${f.path}: ${f.reason}`)
  ]
  return lines.join("\n")
}

/** True once the run will not change any more. */
export const isOver = (state: RunMonitor.RunState) => state.status === "done" || state.status === "failed"

/**
 * What NATS still tells about a run whose master publishes no snapshot: its lifecycle record and its last KV
 * checkpoint.
 */
export const renderLifecycle = (
  runId: string,
  state: RunsKv.RunState,
  checkpoint: Option.Option<CheckpointStore.Checkpoint>
): string =>
  [
    `Run ${runId}: ${state.status}, started ${state.startedAt}${state.root === "" ? "" : `, root ${state.root}`}`,
    "(no live snapshot: its master does not publish one; showing what the run's KV records hold)",
    Option.match(checkpoint, {
      onNone: () => "Checkpoint:  none yet",
      onSome: (c) =>
        `Checkpoint:  sequence ${c.sequence} at ${c.timestamp}: ${c.completed_tasks.length} tasks done, ${c.lines} lines, ${c.failed_workers.length} failed worker(s)${c.complete ? ", complete" : ""}`
    })
  ].join("\n")
