/** A real distributed run for the dashboard tests: nats-server, a master in this process, worker processes. */
import { type ChildProcess, spawn } from "node:child_process"
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { type AnalyserError, Fence, Master, RunMonitor } from "@dla/analyser"
import { Distributed } from "@dla/analyser/nats"
import { startNatsServer } from "@dla/testing"
import type { NatsConnection } from "@nats-io/nats-core"
import { connect } from "@nats-io/transport-node"
import { Effect } from "effect"

const workerScript = fileURLToPath(new URL("./worker.ts", import.meta.url))

/** `files` files of `lines` bracketed lines each, levels in a fixed rotation (so counts are known exactly). */
export const makeLogs = (files: number, lines: number) => {
  const dir = mkdtempSync(join(tmpdir(), "dla-dash-"))
  mkdirSync(dir, { recursive: true })
  const levels = ["INFO", "WARN", "ERROR", "DEBUG"]
  for (let f = 0; f < files; f++) {
    const text = Array.from(
      { length: lines },
      (_, i) => `[2024-01-01 00:00:00] [${levels[i % levels.length]}] file ${f} line ${i}\n`
    ).join("")
    writeFileSync(join(dir, `log_${String(f).padStart(2, "0")}.log`), text)
  }
  return dir
}

export const startWorker = (url: string, runId: string, workerId: string, taskDelayMs: number): ChildProcess =>
  spawn(process.execPath, ["--conditions=source", workerScript, url, runId, workerId, String(taskDelayMs)], {
    stdio: ["ignore", "ignore", "inherit"]
  })

/** Runs the master of `runId` over `nc`, publishing its monitor to NATS, until every task is done. */
export const runMaster = (
  nc: NatsConnection,
  runId: string,
  root: string
): Effect.Effect<Master.Summary, AnalyserError.AnalyserError> =>
  Effect.gen(function* () {
    const monitor = RunMonitor.make(runId)
    yield* RunMonitor.publish(nc, monitor, { interval: "100 millis" })
    const hub = yield* Master.events
    const summary = yield* RunMonitor.feed(monitor, hub).pipe(
      Effect.andThen(
        Distributed.master(nc, { runId, root, fresh: true, ackWait: "3 seconds", heartbeatTimeout: "1500 millis" })
      ),
      Effect.provide(Fence.layerUnfenced),
      Effect.provideService(Master.Events, hub),
      Effect.scoped
    )
    monitor.push({ _tag: "Finished", summary })
    return summary
  }).pipe(Effect.scoped)

/** A real nats-server and a connection to it, both stopped with the scope. */
export const natsConnection = Effect.gen(function* () {
  const server = yield* Effect.acquireRelease(
    Effect.promise(() => startNatsServer()),
    (s) => Effect.promise(() => s.stop())
  )
  const nc = yield* Effect.acquireRelease(
    Effect.promise(() => connect({ servers: server.url })),
    (c) => Effect.promise(() => c.close())
  )
  return { server, nc }
})
