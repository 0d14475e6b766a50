import { spawn } from "node:child_process"
import { mkdirSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { freePort } from "@dla/testing"
import { jetstreamManager, RetentionPolicy } from "@nats-io/jetstream"
import { connect } from "@nats-io/transport-node"
import { describe, expect, it } from "vitest"
import { diagnostics, dla, generatedLogsAndServer } from "./cli.ts"

const bin = fileURLToPath(new URL("../src/bin.ts", import.meta.url))
const { work, logs, server, dlaAsync } = generatedLogsAndServer("dla-cli-analyser-", { files: 6, lines: 2000, seed: 3 })

const levelsOf = (stdout: string) => JSON.parse(stdout).levels

describe("dla analyse --workers (embedded engine)", () => {
  it("counts on worker threads exactly as the sequential analyser", () => {
    const sequential = dla("analyse", logs, "--sequential", "--json")
    expect(sequential.status).toBe(0)
    for (const workers of ["1", "2"]) {
      const run = dla("analyse", logs, "--workers", workers, "--split-mb", "0.05", "--json")
      expect(run.status, run.stderr).toBe(0)
      expect(levelsOf(run.stdout)).toEqual(levelsOf(sequential.stdout))
      expect(JSON.parse(run.stdout)).toMatchObject({ filesProcessed: 6, failedWorkers: 0 })
    }
  })

  it("skips a binary file like the sequential analyser: named on stderr, counted as skipped, exit 0", () => {
    const mixed = join(work, "mixed")
    mkdirSync(mixed)
    writeFileSync(join(mixed, "a.log"), "[2025-01-01T00:00:00] [INFO] up\n[2025-01-01T00:00:01] [WARN] slow\n")
    writeFileSync(join(mixed, "core.bin"), new Uint8Array([1, 0, 2, 0]))
    const run = dla("analyse", mixed, "--workers", "2")
    expect(run.status, run.stderr).toBe(0)
    expect(diagnostics(run.stderr)).toContainEqual(expect.stringMatching(/^WARN skipped .*core\.bin: binary file/))
    expect(run.stdout).toMatch(/^Files skipped: 1$/m)
    expect(run.stdout).toMatch(/^Files processed: 1$/m)
  })

  it("an empty directory is one line and exit 1", () => {
    const empty = join(work, "empty")
    mkdirSync(empty)
    const run = dla("analyse", empty, "--workers", "2")
    expect(run.status).toBe(1)
    expect(run.stderr.trim().split("\n")).toEqual([expect.stringMatching(/^dla: .*no log files/)])
  })

  it("--workers 0 is a usage error", () => {
    expect(dla("analyse", logs, "--workers", "0").status).toBe(2)
  })
})

describe("dla master / dla worker over NATS", () => {
  it("a master and a worker print the results block with the sequential counts", async () => {
    const sequential = dla("analyse", logs, "--sequential", "--json")
    const [master, worker] = await Promise.all([
      dlaAsync("master", logs, "--nats", server.url, "--run", "cli1", "--json"),
      dlaAsync("worker", "--nats", server.url, "--run", "cli1", "--once")
    ])
    expect(master.status, master.stderr).toBe(0)
    expect(levelsOf(master.stdout)).toEqual(levelsOf(sequential.stdout))
    expect(JSON.parse(master.stdout)).toMatchObject({ filesProcessed: 6, checkpointsSaved: 1, failedWorkers: 0 })
    expect(worker.status, worker.stderr).toBe(0)
    expect(worker.stdout).toMatch(/^Tasks counted: 6$/m)
  })

  it("dla analyse --nats returns when a separately started dla worker did the run", async () => {
    const worker = spawn(process.execPath, ["--conditions=source", bin, "worker", "--nats", server.url], { cwd: work })
    try {
      await new Promise<void>((resolve) =>
        worker.stderr.on("data", (c: Buffer) => /waiting/.test(String(c)) && resolve())
      )
      const run = await dlaAsync("analyse", logs, "--nats", server.url, "--workers", "1", "--run", "joined", "--json")
      expect(run.status, run.stderr).toBe(0)
      expect(JSON.parse(run.stdout)).toMatchObject({ filesProcessed: 6 })
    } finally {
      worker.kill("SIGKILL")
    }
  })

  // Issue 13 item 4: stragglers are re-run by default over NATS, and the slow worker's copy is dropped: a slow
  // `dla worker --once` exits with the run, not after its task and a minute of retries.
  it("speculates by default: a slow dla worker --once's task is re-run by an idle worker and it exits with the run", async () => {
    const slow = spawn(
      process.execPath,
      [
        "--conditions=source",
        bin,
        "worker",
        "--nats",
        server.url,
        "--run",
        "spec",
        "--once",
        "--task-delay-ms",
        "20000"
      ],
      { cwd: work }
    )
    const exited = new Promise<number | null>((resolve) => slow.on("exit", (code) => resolve(code)))
    try {
      await new Promise<void>((resolve) =>
        slow.stderr.on("data", (c: Buffer) => /waiting/.test(String(c)) && resolve())
      )
      const began = Date.now()
      const run = await dlaAsync(
        "analyse",
        logs,
        "--nats",
        server.url,
        "--workers",
        "1",
        "--run",
        "spec",
        "--split-mb",
        "0.05",
        "--json"
      )
      expect(run.status, run.stderr).toBe(0)
      expect(JSON.parse(run.stdout)).toMatchObject({ filesProcessed: 6 })
      expect(run.stderr).toMatch(/INFO {5}log_\d+\.log \[\d+-\d+\] is taking \d+ m?s: also given to an idle worker/)
      expect(Date.now() - began).toBeLessThan(15_000)
      const over = Date.now()
      expect(await exited).toBe(0)
      expect(Date.now() - over).toBeLessThan(5_000)
    } finally {
      slow.kill("SIGKILL")
    }
  })

  it("--replicas outside 1..5 is a usage error, before any connection", () => {
    const run = dla("master", logs, "--nats", server.url, "--replicas", "0")
    expect(run.status).toBe(2)
    expect(run.stderr.trim().split("\n")).toEqual([expect.stringMatching(/--replicas must be 1 to 5, got 0/)])
  })

  it("a NATS URL that does not answer is one line and exit 1, at once", async () => {
    const port = await freePort()
    const run = dla("master", logs, "--nats", `nats://127.0.0.1:${port}`)
    expect(run.status).toBe(1)
    expect(run.stderr.trim().split("\n")).toEqual([expect.stringMatching(/^dla: cannot connect to NATS at /)])
  })

  it("a left-over stream with another config is one line; --fresh starts over", async () => {
    const nc = await connect({ servers: server.url })
    const jsm = await jetstreamManager(nc)
    await jsm.streams.add({ name: "DLA_TASKS_stale", subjects: ["dla.stale.task"], retention: RetentionPolicy.Limits })
    await nc.close()
    const refused = dla("master", logs, "--nats", server.url, "--run", "stale")
    expect(refused.status).toBe(1)
    // Every master is an election candidate and says when it leads; the error itself is one line.
    expect(diagnostics(refused.stderr)).toEqual([
      expect.stringMatching(/^INFO leading run stale as \S+ \(term 1\)$/),
      expect.stringMatching(/^dla: stream DLA_TASKS_stale exists with another config .* --fresh/)
    ])
    const [master] = await Promise.all([
      dlaAsync("master", logs, "--nats", server.url, "--run", "stale", "--fresh"),
      dlaAsync("worker", "--nats", server.url, "--run", "stale", "--once")
    ])
    expect(master.status, master.stderr).toBe(0)
    expect(master.stdout).toMatch(/^Files processed: 6$/m)
  })
})
