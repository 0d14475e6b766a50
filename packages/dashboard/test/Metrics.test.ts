/** `/metrics` of a real finished run (nats-server, a master, a worker process), read with a Prometheus text parser. */
import { readFileSync, rmSync } from "node:fs"
import { RunMonitor } from "@dla/analyser"
import * as Handler from "@dla/dashboard/Handler"
import * as Metrics from "@dla/dashboard/Metrics"
import * as Server from "@dla/dashboard/Server"
import * as Source from "@dla/dashboard/Source"
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import parsePrometheusTextFormat from "parse-prometheus-text-format"
import { it as plain } from "vitest"
import { makeLogs, natsConnection, runMaster, startWorker } from "./support/run.ts"

interface Family {
  readonly name: string
  readonly type: string
  readonly metrics: ReadonlyArray<{ readonly value: string; readonly labels?: Record<string, string> }>
}

/** `name`'s samples as `label value -> number` (for the one label that varies), parsed by a Prometheus parser. */
const series = (families: ReadonlyArray<Family>, name: string, label: string) =>
  Object.fromEntries(
    (families.find((f) => f.name === name)?.metrics ?? []).map((m) => [m.labels?.[label] ?? "", Number(m.value)])
  )

describe("/metrics", () => {
  it.live("of a finished run parses as Prometheus text, its per-level lines equal the run's results", () =>
    Effect.gen(function* () {
      const { server, nc } = yield* natsConnection
      const logs = makeLogs(6, 250)
      yield* Effect.addFinalizer(() => Effect.sync(() => rmSync(logs, { recursive: true, force: true })))
      const source = yield* Source.fromNats(nc, "metrics")
      const { url } = yield* Server.serve(Handler.make(source))
      const worker = startWorker(server.url, "metrics", "w-1", 0)
      yield* Effect.addFinalizer(() => Effect.sync(() => worker.kill("SIGKILL")))
      const summary = yield* runMaster(nc, "metrics", logs)
      // The finished snapshot reaches the dashboard through KV: wait (bounded) for it.
      yield* Effect.sleep("50 millis").pipe(
        Effect.repeat({ until: () => source.current()?.status === "done", times: 200 })
      )
      const text = yield* Effect.promise(() => fetch(`${url}metrics`).then((r) => r.text()))
      const families: ReadonlyArray<Family> = parsePrometheusTextFormat(text)
      expect(families.find((f) => f.name === "dla_lines_total")?.type).toBe("COUNTER")
      const expected = Object.fromEntries(Metrics.levels.map((l) => [l, summary.counts.levels[l] ?? 0]))
      expect(series(families, "dla_lines_total", "level")).toEqual(expected)
      // 6 files of 250 lines, levels in rotation: 63 INFO and WARN, 62 ERROR and DEBUG each.
      expect(expected).toMatchObject({ INFO: 378, WARN: 378, ERROR: 372, DEBUG: 372 })
      expect(series(families, "dla_tasks", "state")).toEqual({ done: 6, in_flight: 0, pending: 0 })
      expect(series(families, "dla_files", "state")).toEqual({ done: 6, pending: 0 })
      expect(series(families, "dla_workers", "state")).toEqual({ alive: 1, failed: 0 })
      expect(series(families, "dla_run_info", "status")).toEqual({ done: 1 })
      expect(series(families, "dla_bytes_total", "run")).toEqual({ metrics: summary.counts.bytes })
      expect(series(families, "dla_bytes_per_second", "run")).toEqual({ metrics: 0 })
    }).pipe(Effect.scoped)
  )
})

describe("deploy/grafana/dla-dashboard.json", () => {
  plain("queries only series /metrics exposes", async () => {
    const dashboard = JSON.parse(
      readFileSync(new URL("../../../deploy/grafana/dla-dashboard.json", import.meta.url), "utf8")
    )
    const queried = new Set(JSON.stringify(dashboard).match(/\bdla_[a-z_]+/g))
    let state = RunMonitor.initial("g", 0)
    for (const [event, at] of [
      [{ _tag: "Started", files: 1, tasks: 1, bytes: 1 }, 1],
      [{ _tag: "LeaderElected", leaderId: "m", term: 3 }, 2],
      [{ _tag: "CheckpointSaved", sequence: 1 }, 3]
    ] as const) {
      state = RunMonitor.reduce(state, event, at)
    }
    const { source, update } = Source.make()
    update(state)
    const exposed = new Set(parsePrometheusTextFormat(await Metrics.make(source, () => 10).render()).map((f) => f.name))
    expect(queried.size).toBeGreaterThan(5)
    for (const name of queried) expect(exposed, name).toContain(name)
  })
})
