/**
 * End to end in real headless Chromium: a real run (nats-server, a master, two worker processes), the dashboard
 * following it over NATS, a worker killed by PID and seen as failed, a screenshot kept in test-artifacts/.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { RunMonitor } from "@dla/analyser"
import { RunsKv } from "@dla/analyser/nats"
import * as Handler from "@dla/dashboard/Handler"
import * as Server from "@dla/dashboard/Server"
import * as Source from "@dla/dashboard/Source"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Fiber } from "effect"
import { chromium } from "playwright-core"
import { makeLogs, natsConnection, runMaster, startWorker } from "./support/run.ts"

const executablePath = "/usr/bin/chromium"
/** Without the background-networking flags Chromium floods a closed network with refused connections. */
export const chromiumArgs = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync"
]
const artifacts = fileURLToPath(new URL("../../../test-artifacts/", import.meta.url))
// In CI the browser must be there (the test fails without it); locally a missing chromium only skips.
const skip = !existsSync(executablePath) && !process.env.CI
if (skip) console.warn(`dashboard browser test skipped: ${executablePath} not found (apt-get install -y chromium)`)

const acquire = <A>(make: () => Promise<A>, release: (a: A) => Promise<unknown>) =>
  Effect.acquireRelease(Effect.promise(make), (a) => Effect.promise(() => release(a).catch(() => {})))

describe("dashboard in Chromium", () => {
  it.live.skipIf(skip)("shows workers joining, a killed worker marked failed, the run finishing", () =>
    Effect.gen(function* () {
      const { server, nc } = yield* natsConnection
      const logs = makeLogs(24, 200)
      yield* Effect.addFinalizer(() => Effect.sync(() => rmSync(logs, { recursive: true, force: true })))
      const runId = "browser"

      // A past run in KV, for the run picker.
      const past = RunMonitor.make("past-run", () => 1000)
      yield* RunMonitor.publish(nc, past, { interval: "20 millis" })
      past.push({ _tag: "Started", files: 3, tasks: 3, bytes: 30 })
      past.push({ _tag: "RunFailed", message: "stopped long ago" })

      const source = yield* Source.fromNats(nc, runId)
      const { url } = yield* Server.serve(Handler.make(source, { throttleMs: 100 }))
      const profile = mkdtempSync(join(tmpdir(), "dla-chromium-"))
      const context = yield* acquire(
        () =>
          chromium.launchPersistentContext(profile, {
            executablePath,
            headless: true,
            args: chromiumArgs,
            viewport: { width: 1400, height: 1000 }
          }),
        async (c) => {
          await c.close()
          rmSync(profile, { recursive: true, force: true })
        }
      )
      const page = yield* Effect.promise(() => context.newPage())
      // A run still planning (listing and splitting its files) says so instead of "0 / 0".
      // (A master creates the runs bucket; none has started yet.)
      yield* RunsKv.createRuns(nc)
      const planning = RunMonitor.make("planning-run")
      yield* RunMonitor.publish(nc, planning, { interval: "20 millis" })
      yield* Effect.promise(() => page.goto(`${url}?run=planning-run`))
      yield* Effect.promise(() =>
        page.locator("#phase", { hasText: /listing and splitting files/ }).waitFor({ timeout: 10_000 })
      )
      expect(yield* Effect.promise(() => page.textContent("#status"))).toBe("starting")
      mkdirSync(artifacts, { recursive: true })
      yield* Effect.promise(() => page.screenshot({ path: join(artifacts, "dashboard-planning.png") }))
      yield* Effect.promise(() => page.goto(url))

      const master = yield* runMaster(nc, runId, logs).pipe(Effect.forkScoped)
      const workers = ["worker-a", "worker-b"].map((id) => startWorker(server.url, runId, id, 300))
      yield* Effect.addFinalizer(() =>
        Effect.sync(() => {
          for (const w of workers) w.kill("SIGKILL")
        })
      )

      const row = (id: string, status: string) => `tr[data-worker="${id}"][data-status="${status}"]`
      yield* Effect.promise(() => page.waitForSelector(row("worker-a", "alive"), { timeout: 20_000 }))
      yield* Effect.promise(() => page.waitForSelector(row("worker-b", "alive"), { timeout: 20_000 }))
      expect(yield* Effect.promise(() => page.textContent("#status"))).toBe("running")
      // The current task is shown as the file it covers.
      yield* Effect.promise(() =>
        page.locator(`${row("worker-a", "alive")} td`, { hasText: /^log_\d\d\.log$/ }).waitFor({ timeout: 20_000 })
      )

      // While it runs: lines per level over time, each worker's rate, and how fresh the state is.
      yield* Effect.promise(() => page.waitForSelector('#levels-chart polyline[data-key="INFO"]', { timeout: 20_000 }))
      yield* Effect.promise(() => page.waitForSelector("#workers-chart polyline", { timeout: 20_000 }))
      expect(yield* Effect.promise(() => page.textContent("#staleness"))).toMatch(/^last update \d+ s ago$/)
      mkdirSync(artifacts, { recursive: true })
      yield* Effect.promise(() => page.screenshot({ path: join(artifacts, "dashboard-running.png"), fullPage: true }))

      workers[1]!.kill("SIGKILL")
      yield* Effect.promise(() => page.waitForSelector(row("worker-b", "failed"), { timeout: 20_000 }))
      yield* Effect.promise(() =>
        page.screenshot({ path: join(artifacts, "dashboard-worker-failed.png"), fullPage: true })
      )
      yield* Effect.promise(() => page.locator("#status", { hasText: /^done$/ }).waitFor({ timeout: 40_000 }))
      const summary = yield* Fiber.join(master)
      expect(summary.counts.lines).toBe(24 * 200)
      expect(summary.failedWorkers).toContain("worker-b")
      expect(yield* Effect.promise(() => page.textContent("#tasks-done"))).toBe("24 / 24")
      expect(yield* Effect.promise(() => page.textContent("#recoveries"))).toContain("worker-b")
      expect(yield* Effect.promise(() => page.locator("#counts-chart text").allTextContents())).toContain("1,200")
      expect(yield* Effect.promise(() => page.textContent("#leader"))).toContain("no election")

      // Checkpoints saved many times are one line of the events, with a count.
      const checkpointLines = yield* Effect.promise(() =>
        page.locator('#log li[data-kind="checkpoint # saved"]').count()
      )
      expect(checkpointLines).toBeLessThanOrEqual(1)
      yield* Effect.promise(() => page.screenshot({ path: join(artifacts, "dashboard.png"), fullPage: true }))

      // The run picker lists the past run; picking it shows that run, and "latest run" goes back.
      yield* Effect.promise(() =>
        page.waitForSelector('#picker option[value="past-run"]', { timeout: 10_000, state: "attached" })
      )
      yield* Effect.promise(() => page.selectOption("#picker", "past-run"))
      yield* Effect.promise(() => page.locator("#run", { hasText: /^past-run$/ }).waitFor({ timeout: 10_000 }))
      expect(yield* Effect.promise(() => page.textContent("#status"))).toBe("failed")
      expect(page.url()).toContain("run=past-run")
      yield* Effect.promise(() => page.screenshot({ path: join(artifacts, "dashboard-past-run.png"), fullPage: true }))
      yield* Effect.promise(() => page.selectOption("#picker", ""))
      yield* Effect.promise(() =>
        page.locator("#run", { hasText: new RegExp(`^${runId}$`) }).waitFor({ timeout: 10_000 })
      )
    }).pipe(Effect.scoped)
  )
})
