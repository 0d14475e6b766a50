import { spawn } from "node:child_process"
import { appendFileSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { Embedded, RunMonitor } from "@dla/analyser"
import { Distributed, RunsKv } from "@dla/analyser/nats"
import { type NatsServer, startNatsServer, waitFor } from "@dla/testing"
import { Kvm } from "@nats-io/kv"
import type { NatsConnection } from "@nats-io/nats-core"
import { connect } from "@nats-io/transport-node"
import { Effect, Scope } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as StatusView from "../src/internal/StatusView.ts"
import { diagnostics, dla, newestCheckpoint } from "./cli.ts"

const work = mkdtempSync(join(tmpdir(), "dla-ops-"))
const bin = fileURLToPath(new URL("../src/bin.ts", import.meta.url))

/** `dla` as a long-running process: resolves with its exit once it ends; `stderr()` is what it said so far. */
const dlaAsync = (...args: Array<string>) => {
  const child = spawn(process.execPath, ["--conditions=source", bin, ...args], { stdio: ["ignore", "pipe", "pipe"] })
  let stdout = ""
  let stderr = ""
  child.stdout.on("data", (d) => (stdout += d))
  child.stderr.on("data", (d) => (stderr += d))
  const exit = new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) =>
    child.on("close", (status) => resolve({ status, stdout, stderr }))
  )
  return { child, exit, stdout: () => stdout, stderr: () => stderr }
}

describe("dla checkpoints", () => {
  const logs = join(work, "logs")
  const dir = join(work, "checkpoints")
  beforeAll(async () => {
    expect(dla("generate", logs, "--files", "3", "--lines", "200", "--seed", "3").status).toBe(0)
    await Effect.runPromise(Embedded.run({ runId: "demo", root: logs, workers: 2, checkpointDir: dir }))
  })

  it("list and show a checkpoint written by the analyser", () => {
    const list = dla("checkpoints", "list", dir)
    expect(list.status).toBe(0)
    expect(list.stdout).toMatch(/^RUN +SEQ +SAVED +STATE +FILES DONE\/PENDING +LINES$/m)
    expect(list.stdout).toMatch(/^demo +\d+ +\S+ +complete +3\/0 +600$/m)
    const show = dla("checkpoints", "show", dir, "--json")
    expect(JSON.parse(show.stdout)).toMatchObject({ run_id: "demo", lines: 600, complete: true })
    expect(dla("checkpoints", "show", dir, "--run", "demo").stdout).toMatch(/^Total lines: +600$/m)
    const missing = dla("checkpoints", "show", dir, "--run", "other")
    expect(missing.status).toBe(1)
    expect(missing.stderr.trim()).toBe(`dla: no checkpoint of run "other" in ${dir} (runs: demo)`)
  })

  it("one directory per checkpoint, the newest few kept: list shows each, show and verify take the newest valid one or --sequence", async () => {
    const many = join(work, "many")
    // A checkpoint after every result, two kept: the run's last two checkpoints stay, each a directory.
    const again = dla(
      "analyse",
      logs,
      "--workers",
      "1",
      "--run",
      "kept",
      "--checkpoint-dir",
      many,
      "--checkpoint-every",
      "1",
      "--keep-checkpoints",
      "2",
      "--fresh"
    )
    expect(again.status, again.stderr).toBe(0)
    const kept = readdirSync(join(many, "kept")).sort()
    expect(kept).toHaveLength(2)
    expect(kept.every((name) => /^\d{6}$/.test(name))).toBe(true)
    const list = dla("checkpoints", "list", many)
    expect(list.stdout.split("\n").filter((line) => line.startsWith("kept "))).toHaveLength(2)
    const [older, newer] = kept.map(Number)
    expect(JSON.parse(dla("checkpoints", "show", many, "--run", "kept", "--json").stdout).sequence).toBe(newer)
    // The newest damaged: show, verify (and a resuming master) take the one before.
    writeFileSync(join(many, "kept", kept[1]!, "checkpoint.json"), "{ half")
    expect(JSON.parse(dla("checkpoints", "show", many, "--run", "kept", "--json").stdout).sequence).toBe(older)
    const verified = dla("checkpoints", "verify", many, "--run", "kept", "--sequence", String(older))
    expect(verified.stdout, verified.stderr).toMatch(/^checkpoint of run kept verified/)
    const gone = dla("checkpoints", "show", many, "--run", "kept", "--sequence", "1")
    expect(gone.status).toBe(1)
    expect(gone.stderr.trim()).toBe(`dla: no checkpoint numbered 1 in ${many} (kept: ${older})`)
  })

  it("verify recounts the stored files: exact for a finished run, a lower bound for a partial one", () => {
    const ok = dla("checkpoints", "verify", dir)
    expect(ok.stderr).toBe("")
    expect(ok.stdout.trim()).toBe("checkpoint of run demo verified: 3 stored files recount to exactly its 600 lines")

    const file = join(newestCheckpoint(dir, "demo"), "checkpoint.json")
    const original = readFileSync(file, "utf8")
    const checkpoint = JSON.parse(original)
    // A partial checkpoint with one more (split) file pending counts more lines than its processed files hold.
    writeFileSync(
      file,
      JSON.stringify({ ...checkpoint, lines: 650, pending_files: ["/x/log_04.log"], complete: false })
    )
    const partial = dla("checkpoints", "verify", dir)
    expect(partial.status).toBe(0)
    expect(partial.stdout).toContain("verified as partial: 3 stored files recount to 600 of its 650 lines")
    writeFileSync(file, original)
  })

  it("verify fails with exit 1 and one line when a stored file no longer matches", () => {
    const copy = join(work, "tampered")
    expect(dla("generate", copy, "--files", "2", "--lines", "50", "--seed", "4").status).toBe(0)
    const tamperedDir = join(work, "checkpoints-tampered")
    return Effect.runPromise(Embedded.run({ runId: "t", root: copy, workers: 1, checkpointDir: tamperedDir })).then(
      () => {
        appendFileSync(
          join(newestCheckpoint(tamperedDir, "t"), "files", "log_01.log"),
          "[2024-01-01 00:00:00] [ERROR] late\n"
        )
        const run = dla("checkpoints", "verify", tamperedDir)
        expect(run.status).toBe(1)
        expect(run.stderr.trim().split("\n")).toHaveLength(1)
        expect(run.stderr).toMatch(
          /^dla: checkpoint of run t does not verify: ERROR: stored files have (\d+), checkpoint.json says (\d+); lines: stored files have 101, checkpoint.json says 100 /
        )
      }
    )
  })

  it("an unreadable directory or checkpoint is a one-line error", () => {
    const none = dla("checkpoints", "list", join(work, "missing"))
    expect(none.status).toBe(1)
    expect(none.stderr).toMatch(/^dla: cannot read checkpoint directory .*missing: ENOENT/)
    const broken = join(work, "broken")
    dla("generate", join(broken, "r", "files"), "--files", "1", "--lines", "1")
    writeFileSync(join(broken, "r", "checkpoint.json"), "{ half")
    const run = dla("checkpoints", "verify", broken)
    expect(run.status).toBe(1)
    expect(run.stderr.trim()).toBe(
      `dla: ${join(broken, "r", "checkpoint.json")} is not a valid checkpoint (half-written or another format)`
    )
  })
})

describe("dla status and dla dashboard over NATS", () => {
  let server: NatsServer
  let nc: NatsConnection
  const scope = Effect.runSync(Scope.make())
  const monitor = RunMonitor.make("ops-run")

  beforeAll(async () => {
    server = await startNatsServer()
    nc = await connect({ servers: server.url })
    // The bucket a master creates when it sets a run up (a monitor only writes to it).
    await new Kvm(nc).create(RunsKv.runsBucket, { history: 1 })
    await Effect.runPromise(RunMonitor.publish(nc, monitor, { interval: "50 millis" }).pipe(Scope.provide(scope)))
    monitor.push({ _tag: "Started", files: 4, tasks: 4, bytes: 400 })
    monitor.push({ _tag: "WorkerJoined", workerId: "w-1" })
    monitor.push({
      _tag: "Progress",
      workerId: "w-1",
      progress: {
        filesTotal: 4,
        filesDone: 1,
        tasksTotal: 4,
        tasksDone: 1,
        bytesTotal: 400,
        bytesDone: 100,
        workersAlive: 1
      },
      counts: { levels: { INFO: 10 }, lines: 10, unmatched: 0, bytes: 100 }
    })
    monitor.push({
      _tag: "Heartbeat",
      heartbeat: { workerId: "w-1", inFlight: ["task-a"], done: 1 },
      working: ["app/a.log [0-100]"]
    })
    monitor.push({ _tag: "WorkerFailed", workerId: "w-2", requeued: ["/logs/b.log"] })
    await waitFor("the snapshot in KV", async () => (await Effect.runPromise(RunMonitor.list(nc))).length === 1)
  })

  afterAll(async () => {
    await Effect.runPromise(Scope.close(scope, Effect.void as never))
    await nc?.close()
    await server?.stop()
  })

  it("status prints workers, progress and leader of the latest run; --json the snapshot", () => {
    const run = dla("status", "--nats", server.url)
    expect(run.stderr).toBe("")
    expect(run.status).toBe(0)
    expect(run.stdout).toMatch(/^Run ops-run: running, started \d\d:\d\d:\d\d UTC/)
    expect(run.stdout).toMatch(/^Leader: +- \(no election\)$/m)
    expect(run.stdout).toMatch(/^Tasks: +1 done, 1 in flight, 2 pending of 4$/m)
    expect(run.stdout).toMatch(/^Workers: +1 alive, 1 failed$/m)
    expect(run.stdout).toMatch(/^ {2}w-1 +alive +1 done +heartbeat [\d.]+ s ago +working on app\/a\.log \[0-100\]$/m)
    expect(run.stdout).toMatch(/^ {2}\d\d:\d\d:\d\d w-2 failed, 1 task\(s\) requeued$/m)
    const json = JSON.parse(dla("status", "--nats", server.url, "--run", "ops-run", "--json").stdout)
    expect(json).toMatchObject({ runId: "ops-run", status: "running", tasks: { total: 4 } })
    // Every level, as analyse --json gives them; times as epoch ms and ISO 8601.
    expect(Object.keys(json.counts.levels)).toEqual(["TRACE", "DEBUG", "INFO", "NOTICE", "WARN", "ERROR", "FATAL"])
    expect(new Date(json.startedAtIso).getTime()).toBe(json.startedAt)
    expect(json.finishedAtIso).toBeNull()
  })

  it("dla master publishes its run: dla status shows it done with the master's counts", async () => {
    const logs = join(work, "master-logs")
    expect(dla("generate", logs, "--files", "3", "--lines", "100", "--seed", "6").status).toBe(0)
    const master = dlaAsync("master", logs, "--nats", server.url, "--run", "m1", "--checkpoint-dir", join(work, "m1"))
    const worker = dlaAsync("worker", "--nats", server.url, "--run", "m1", "--once")
    const [ran] = await Promise.all([master.exit, worker.exit])
    expect(ran.status, ran.stderr).toBe(0)
    const status = JSON.parse(dla("status", "--nats", server.url, "--run", "m1", "--json").stdout)
    expect(status).toMatchObject({ runId: "m1", status: "done", files: { total: 3, done: 3 }, counts: { lines: 300 } })
    expect(status.workers).toHaveLength(1)
  })

  it("dla analyse --nats publishes its run too: once it has returned, dla status shows it done", () => {
    const logs = join(work, "analyse-logs")
    expect(dla("generate", logs, "--files", "3", "--lines", "100", "--seed", "7").status).toBe(0)
    const ran = dla("analyse", logs, "--nats", server.url, "--run", "a1", "--workers", "2", "--json")
    expect(ran.status, ran.stderr).toBe(0)
    const status = JSON.parse(dla("status", "--nats", server.url, "--run", "a1", "--json").stdout)
    expect(status).toMatchObject({ runId: "a1", status: "done", files: { total: 3, done: 3 }, counts: { lines: 300 } })
    expect(status.finishedAt).toEqual(expect.any(Number))
  })

  it("dla dashboard of the finished run: /metrics behind its token, per-level lines equal to the run's", async () => {
    const refused = dla("dashboard", "--nats", server.url, "--host", "0.0.0.0")
    expect(refused.status).toBe(2)
    expect(refused.stderr).toContain(
      "--host 0.0.0.0 serves the dashboard beyond this machine: give it a --dashboard-token"
    )
    const dashboard = dlaAsync(
      "dashboard",
      "--nats",
      server.url,
      "--run",
      "m1",
      "--port",
      "0",
      "--dashboard-token",
      "t0k"
    )
    await waitFor("the dashboard URL", () => /at (http:\S+)/.test(dashboard.stderr()))
    const url = new URL(/at (http:\S+)/.exec(dashboard.stderr())![1]!)
    expect(url.searchParams.get("token")).toBe("t0k")
    expect((await fetch(new URL("/metrics", url.origin))).status).toBe(401)
    let text = ""
    await waitFor("the dashboard to see run m1", async () => {
      text = await fetch(new URL("/metrics?token=t0k", url.origin)).then((r) => r.text())
      return text.includes('dla_run_info{run="m1",status="done"} 1')
    })
    const status = JSON.parse(dla("status", "--nats", server.url, "--run", "m1", "--json").stdout)
    const metrics = Object.fromEntries(
      [...text.matchAll(/^dla_lines_total\{run="m1",level="(\w+)"\} (\d+)$/gm)].map((m) => [m[1], Number(m[2])])
    )
    expect(metrics).toEqual(status.counts.levels)
    dashboard.child.kill("SIGINT")
    expect((await dashboard.exit).status).toBe(130)
  })

  it("status of a run whose master publishes no snapshot falls back to its KV records", async () => {
    await Effect.runPromise(Distributed.setupRun(nc, "quiet", "/logs/quiet"))
    const run = dla("status", "--nats", server.url, "--run", "quiet")
    expect(run.status).toBe(0)
    expect(run.stdout).toMatch(/^Run quiet: running, started \S+, root \/logs\/quiet$/m)
    expect(run.stdout).toMatch(/^Checkpoint: +none yet$/m)
  })

  it("status of an unknown run, or with NATS unreachable, is exit 1 and one line", () => {
    const unknown = dla("status", "--nats", server.url, "--run", "nope")
    expect(unknown.status).toBe(1)
    expect(unknown.stderr.trim()).toBe(
      `dla: no state for run "nope" on NATS at ${server.url} (see 'dla status --nats ${server.url}' for the latest run)`
    )
    const down = dla("status", "--nats", "nats://127.0.0.1:1")
    expect(down.status).toBe(1)
    expect(down.stderr.trim()).toMatch(/^dla: cannot connect to NATS at nats:\/\/127\.0\.0\.1:1: .+$/)
  })

  it("status --watch follows the run and ends when it ends; dashboard serves its state", async () => {
    const dashboard = dlaAsync("dashboard", "--nats", server.url, "--run", "ops-run", "--port", "0")
    await waitFor("the dashboard URL", () => /at (http:\S+)/.test(dashboard.stderr()))
    const url = /at (http:\S+)/.exec(dashboard.stderr())![1]!
    const watch = dlaAsync("status", "--nats", server.url, "--run", "ops-run", "--watch")
    await waitFor("status to print", () => watch.stdout().includes("Run ops-run: running"))
    monitor.push({ _tag: "LeaderElected", leaderId: "master-x", term: 2 })
    monitor.push({ _tag: "RunFailed", message: "stopped by the test" })
    const watched = await watch.exit
    expect(watched.status).toBe(0)
    expect(watched.stdout).toMatch(/^Run ops-run: failed \(stopped by the test\)/m)
    expect(watched.stdout).toMatch(/^Leader: +master-x \(term 2\)$/m)

    let state: unknown
    await waitFor("the dashboard to see the end", async () => {
      state = await fetch(`${url}state`).then((r) => r.json())
      return (state as RunMonitor.RunState).status === "failed"
    })
    expect(state).toMatchObject({ runId: "ops-run", status: "failed", leader: { id: "master-x", term: 2 } })
    dashboard.child.kill("SIGINT")
    expect((await dashboard.exit).status).toBe(130)
  })
})

describe("dla analyse --dashboard", () => {
  it("runs the embedded engine with the page served, then prints the usual results", () => {
    const logs = join(work, "dash-logs")
    expect(dla("generate", logs, "--files", "4", "--lines", "100", "--seed", "5").status).toBe(0)
    const run = dla("analyse", logs, "--dashboard", "--dashboard-port", "0", "--workers", "2", "--json")
    expect(run.status).toBe(0)
    expect(diagnostics(run.stderr)).toContainEqual(
      expect.stringMatching(/^INFO live dashboard of run run-\w+ at http:\/\/127\.0\.0\.1:\d+\/$/)
    )
    expect(JSON.parse(run.stdout)).toMatchObject({ lines: 400, filesProcessed: 4 })
  })

  it("refuses --sequential (no master to watch) with exit 2", () => {
    const run = dla("analyse", work, "--dashboard", "--sequential")
    expect(run.status).toBe(2)
    expect(run.stderr.trim()).toBe("dla: --dashboard watches the master/worker engine: drop --sequential")
  })
})

describe("StatusView.render", () => {
  it("shows a finished run's duration from its own clock, not the reader's", () => {
    const state = RunMonitor.reduce(
      RunMonitor.reduce(RunMonitor.initial("r", 0), { _tag: "Started", files: 0, tasks: 0, bytes: 0 }, 0),
      { _tag: "RunFailed", message: "x" },
      2500
    )
    expect(StatusView.render(state, 99_000)).toMatch(/^Run r: failed \(x\), started 00:00:00 UTC, 2\.5 s$/m)
    expect(StatusView.isOver(state)).toBe(true)
  })

  it("shows a run whose master went silent as stale, with how long; a live one and a finished one as they are", () => {
    const running = RunMonitor.reduce(RunMonitor.initial("r", 0), { _tag: "Started", files: 1, tasks: 1, bytes: 1 }, 0)
    expect(StatusView.render(running, 5_000)).toMatch(/^Run r: running, started/m)
    expect(StatusView.render(running, 63_000)).toMatch(/^Run r: running \(stale: master silent for 63 s\), started/m)
    const done = RunMonitor.reduce(running, { _tag: "RunFailed", message: "x" }, 1000)
    expect(StatusView.render(done, 99_000)).toMatch(/^Run r: failed \(x\), started/m)
  })
})
