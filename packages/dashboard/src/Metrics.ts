/**
 * `/metrics`: a run's state in the Prometheus text format, for Prometheus/Grafana to scrape. The exposition (names,
 * escaping, HELP/TYPE lines) is prom-client's; this module only says which numbers of the state become which series.
 * Every series carries the run id as label `run`.
 *
 * @since 0.1.0
 */
import type * as PromClient from "prom-client"
import type { Source } from "./Source.ts"

/**
 * The levels every run reports, zero when unseen (the same set `dla analyse --json` lists).
 *
 * @since 0.1.0
 * @category constants
 */
export const levels = ["TRACE", "DEBUG", "INFO", "NOTICE", "WARN", "ERROR", "FATAL"] as const

/**
 * The Prometheus exposition of the source's runs (`/metrics`).
 *
 * @since 0.1.0
 * @category models
 */
export interface Metrics {
  readonly contentType: string
  /** The exposition of `runId` (default: the run the source follows); empty before any run is seen. */
  readonly render: (runId?: string) => Promise<string>
}

/**
 * prom-client's Prometheus text format, version 0.0.4 (its `Registry.PROMETHEUS_CONTENT_TYPE`).
 *
 * @since 0.1.0
 * @category constants
 */
export const contentType = "text/plain; version=0.0.4; charset=utf-8"

/**
 * The series, registered once. prom-client is loaded on the first scrape, not with the dashboard: every `dla analyse`
 * imports this package, and only a scraped one needs it (and its CommonJS stays out of the CLI's ESM bundle).
 */
const series = async () => {
  const loaded = await import("prom-client")
  const { Counter, Gauge, Registry } = ("default" in loaded ? loaded.default : loaded) as typeof PromClient
  const registry = new Registry()
  const registers = [registry]
  const counter = (name: string, help: string, labelNames: Array<string> = []) =>
    new Counter({ name, help, labelNames: ["run", ...labelNames], registers })
  const gauge = (name: string, help: string, labelNames: Array<string> = []) =>
    new Gauge({ name, help, labelNames: ["run", ...labelNames], registers })
  const metrics = {
    lines: counter("dla_lines_total", "Lines counted, by level", ["level"]),
    unmatched: counter("dla_lines_without_level_total", "Lines counted in which no level was found"),
    bytes: counter("dla_bytes_total", "Bytes of log read"),
    files: gauge("dla_files", "Files of the run, by state (done, pending)", ["state"]),
    tasks: gauge("dla_tasks", "Tasks (files or byte ranges) of the run, by state (done, in_flight, pending)", [
      "state"
    ]),
    workers: gauge("dla_workers", "Workers seen by the run, by state (alive, failed)", ["state"]),
    rejected: counter(
      "dla_rejected_results_total",
      "Result messages set aside: undecodable, or not matching a task still owed (their tasks are redone)"
    ),
    checkpoints: counter("dla_checkpoints_saved_total", "Checkpoints saved"),
    checkpointAge: gauge("dla_checkpoint_age_seconds", "Seconds since the last checkpoint was saved"),
    term: gauge("dla_leader_term", "Election term of the master leading the run"),
    bytesRate: gauge("dla_bytes_per_second", "Bytes read per second, over the last sample"),
    linesRate: gauge("dla_lines_per_second", "Lines counted per second, over the last sample"),
    updateAge: gauge("dla_run_update_age_seconds", "Seconds since the run's state last changed"),
    info: gauge("dla_run_info", "1 for the run shown, with its status (starting, running, waiting, done, failed)", [
      "status"
    ])
  }
  return { registry, metrics }
}

/**
 * The `/metrics` exposition of `source`'s runs; `now` dates the rates.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (source: Source, now: () => number = Date.now): Metrics => {
  let loaded: ReturnType<typeof series> | undefined
  return {
    contentType,
    render: async (runId) => {
      const state = source.current(runId)
      if (state === undefined) return ""
      loaded ??= series()
      const { registry, metrics: m } = await loaded
      // Set and read in one synchronous stretch (registry.metrics() reads the values before its first await), so
      // two scrapes at once cannot mix their runs.
      for (const metric of Object.values(m)) metric.reset()
      const run = state.runId
      const at = now()
      for (const level of levels) m.lines.inc({ run, level }, state.counts.levels[level] ?? 0)
      m.unmatched.inc({ run }, state.counts.unmatched)
      m.bytes.inc({ run }, state.counts.bytes)
      m.files.set({ run, state: "done" }, state.files.done)
      m.files.set({ run, state: "pending" }, state.files.total - state.files.done)
      m.tasks.set({ run, state: "done" }, state.tasks.done)
      m.tasks.set({ run, state: "in_flight" }, state.tasks.inFlight)
      m.tasks.set({ run, state: "pending" }, state.tasks.pending)
      const alive = state.workers.filter((w) => w.status === "alive").length
      m.workers.set({ run, state: "alive" }, alive)
      m.workers.set({ run, state: "failed" }, state.workers.length - alive)
      m.rejected.inc({ run }, state.rejected.count)
      m.checkpoints.inc({ run }, state.checkpoints.saved)
      if (state.checkpoints.lastAt !== null) {
        m.checkpointAge.set({ run }, Math.max(0, (at - state.checkpoints.lastAt) / 1000))
      }
      if (state.leader !== null) m.term.set({ run }, state.leader.term)
      const sample = state.throughput.at(-1)
      // A finished run reads nothing any more, whatever its last sample said.
      const over = state.status === "done" || state.status === "failed"
      m.bytesRate.set({ run }, over || sample === undefined ? 0 : sample.bytesPerSecond)
      m.linesRate.set({ run }, over || sample === undefined ? 0 : sample.linesPerSecond)
      m.updateAge.set({ run }, Math.max(0, (at - state.updatedAt) / 1000))
      m.info.set({ run, status: state.status }, 1)
      return registry.metrics()
    }
  }
}
