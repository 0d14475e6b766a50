/**
 * Acceptance of the log store with real processes: `dla ship` shippers on a 3-node JetStream cluster (R3) through a
 * SIGKILL of the stream's leader and of a shipper, rotation under `--follow`, then `dla store cat` and
 * `dla analyse --from-store` against the files on disk.
 */
import type { ChildProcess } from "node:child_process"
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Generator } from "@dla/core"
import { Store } from "@dla/store"
import { type NatsCluster, type NatsServer, startNatsCluster, startNatsServer } from "@dla/testing"
import { jetstreamManager } from "@nats-io/jetstream"
import type { NatsConnection } from "@nats-io/nats-core"
import { connect } from "@nats-io/transport-node"
import * as Effect from "effect/Effect"
import { afterAll, afterEach, describe, expect, it } from "vitest"
import { diagnostics, dla, finished, runIn, start } from "./cli.ts"

const work = mkdtempSync(join(tmpdir(), "dla-cli-store-"))
const children: Array<ChildProcess> = []
let cluster: NatsCluster | undefined
let server: NatsServer | undefined
let nc: NatsConnection | undefined

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

const stop = async (child: ChildProcess, signal: NodeJS.Signals) => {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise((resolve) => child.once("exit", resolve))
  child.kill(signal)
  await exited
}

afterEach(async () => {
  for (const child of children.splice(0)) await stop(child, "SIGKILL")
  await nc?.close()
  await cluster?.stop()
  await server?.stop()
  cluster = server = nc = undefined
})

/** `dla ship` as a real process, kept for cleanup. */
const ship = (...args: Array<string>) => {
  const child = start("ship", ...args)
  let stderr = ""
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString()
  })
  children.push(child)
  return { child, stderr: () => stderr }
}

const lineCount = (path: string) => readFileSync(path).reduce((n, byte) => n + (byte === 0x0a ? 1 : 0), 0)

/** Waits until the store holds every line of `files` (node -> relative path -> absolute path). */
const waitStored = async (urls: string, expected: Map<string, Map<string, string>>, timeoutMs = 90_000) => {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    // Mid-election the store may not answer: that is "not yet".
    const stored = await Effect.runPromise(
      Store.list(nc!, {}, { retryForMs: 1_000 }).pipe(Effect.orElseSucceed(() => []))
    )
    const lines = new Map(stored.map((f) => [`${f.node}/${f.file}`, f.lines] as const))
    const missing = [...expected].flatMap(([node, files]) =>
      [...files].filter(([file, path]) => lines.get(`${node}/${file}`) !== lineCount(path)).map(([file]) => file)
    )
    if (missing.length === 0) return
    if (Date.now() > deadline) throw new Error(`not stored after ${timeoutMs} ms at ${urls}: ${missing.join(", ")}`)
    await sleep(250)
  }
}

/** `dla worker` as a real process taking `delayMs` over each task; `saw` waits for a line of its stderr. */
const slowWorker = (url: string, delayMs: number) => {
  const child = start("worker", "--nats", url, "--once", "--task-delay-ms", String(delayMs))
  children.push(child)
  let stderr = ""
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString()
  })
  const saw = async (text: string) => {
    for (const deadline = Date.now() + 30_000; !stderr.includes(text); await sleep(50)) {
      if (Date.now() > deadline) throw new Error(`no '${text}' from the worker: ${stderr}`)
    }
  }
  return { child, saw, stderr: () => stderr }
}

/** What a run counted, from its `--json`: the levels and totals, files processed and skipped (not how it ran). */
const counted = (json: string) => {
  const { levels, lines, unmatched, bytes, filesProcessed, filesSkipped, failedTasks } = JSON.parse(json)
  return { levels, lines, unmatched, bytes, filesProcessed, filesSkipped, failedTasks }
}

describe("dla ship / store / analyse --from-store", () => {
  it("R3: every line stored exactly once through a SIGKILL of the stream leader and of a shipper", async () => {
    cluster = await startNatsCluster(3)
    const urls = cluster.urls.join(",")
    nc = await connect({ servers: [...cluster.urls] })
    const root = join(work, "r3")
    const dirs = { "node-a": join(root, "a"), "node-b": join(root, "b") }
    for (const [i, dir] of Object.values(dirs).entries()) {
      await Effect.runPromise(Generator.generate(dir, { files: 4, lines: 40_000, seed: i + 1 }))
    }
    const shipArgs = (node: string) => [dirs[node as keyof typeof dirs], "--nats", urls, "--node", node]
    const a = ship(...shipArgs("node-a"), "--replicas", "3", "--follow", "--interval", "0.2")
    const b = ship(...shipArgs("node-b"), "--replicas", "3", "--follow", "--interval", "0.2")

    // Lines keep arriving while servers and shippers die.
    let writing = true
    const writer = (async () => {
      for (let round = 0; writing; round++) {
        for (const dir of Object.values(dirs)) {
          appendFileSync(join(dir, "log_01.log"), `[2025-01-02T00:00:00] [ERROR] round ${round}\n`)
          appendFileSync(join(dir, "live.log"), `[2025-01-02T00:00:00] [INFO] round ${round}\n`)
        }
        await sleep(20)
      }
    })()

    // Kill the node leading the stream as soon as the stream exists and holds data.
    const jsm = await jetstreamManager(nc)
    let leader: string | undefined
    for (const deadline = Date.now() + 30_000; leader === undefined && Date.now() < deadline; await sleep(50)) {
      const info = await jsm.streams.info("DLA_LOGS").catch(() => undefined)
      if ((info?.state.messages ?? 0) > 0) leader = info?.cluster?.leader
    }
    expect(leader).toBeDefined()
    const victim = cluster.servers.find((s) => s.name === leader)!
    await victim.kill("SIGKILL")
    await sleep(1_500)
    // Then a shipper, mid-ship, and start it again.
    await stop(a.child, "SIGKILL")
    await sleep(300)
    const again = ship(...shipArgs("node-a"), "--follow", "--interval", "0.2")
    await sleep(1_500)
    writing = false
    await writer
    await victim.restart()

    const expected = new Map(
      Object.entries(dirs).map(([node, dir]) => [
        node,
        new Map(["log_01.log", "log_02.log", "log_03.log", "log_04.log", "live.log"].map((f) => [f, join(dir, f)]))
      ])
    )
    await waitStored(urls, expected)
    await stop(again.child, "SIGTERM")
    await stop(b.child, "SIGTERM")
    expect(b.stderr()).not.toContain("dla: internal error")

    for (const [node, files] of expected) {
      for (const [file, path] of files) {
        const cat = start("store", "cat", "--nats", urls, "--node", node, file)
        children.push(cat)
        const chunks: Array<Buffer> = []
        let stderr = ""
        cat.stdout?.on("data", (chunk: Buffer) => chunks.push(chunk))
        cat.stderr?.on("data", (chunk: Buffer) => {
          stderr += chunk.toString()
        })
        const code = await new Promise((resolve) => cat.once("exit", resolve))
        expect({ code, stderr }).toEqual({ code: 0, stderr: "" })
        expect(Buffer.concat(chunks).equals(readFileSync(path)), `${node}/${file} byte-identical`).toBe(true)
      }
    }
    // Distributed over two workers, in ranges of about 1 MB (the stream may hold a message twice after the kill).
    // At warn: on a busy machine a range may be re-run as a straggler, an INFO line; no warning or error may appear.
    const fromStore = dla(
      "analyse",
      "--from-store",
      "--nats",
      urls,
      "--workers",
      "2",
      "--split-mb",
      "1",
      "--json",
      "--log-level",
      "warn"
    )
    expect(fromStore.stderr).toBe("")
    const fromDisk = dla("analyse", root, "--sequential", "--json")
    expect(JSON.parse(fromStore.stdout).mode).toBe("store")
    expect(counted(fromStore.stdout)).toEqual(counted(fromDisk.stdout))
    expect(counted(fromStore.stdout).filesProcessed).toBe(10)
  }, 240_000)

  it("--follow stores growing, rotated and truncated files exactly once, through a shipper's SIGKILL", async () => {
    server = await startNatsServer()
    nc = await connect({ servers: server.url })
    const dir = join(work, "follow")
    mkdirSync(dir, { recursive: true })
    const path = join(dir, "app.log")
    const written: Array<string> = []
    const write = (n: number) => {
      const lines = Array.from({ length: n }, (_, i) => `[2025-01-01T00:00:00] [WARN] line ${written.length + i}\n`)
      written.push(...lines)
      appendFileSync(path, lines.join(""))
    }
    const args = [dir, "--nats", server.url, "--node", "n", "--follow", "--interval", "0.1"]
    /** Waits until the store holds `n` lines of app.log, over all its generations. */
    const waitLines = async (n: number) => {
      for (const deadline = Date.now() + 30_000; ; await sleep(100)) {
        const files = await Effect.runPromise(Store.list(nc!).pipe(Effect.orElseSucceed(() => [])))
        const lines = files.filter((f) => f.file === "app.log").reduce((sum, f) => sum + f.lines, 0)
        if (lines >= n) return
        if (Date.now() > deadline) throw new Error(`store holds ${lines} lines of app.log, not ${n}`)
      }
    }
    let shipper = ship(...args)
    write(1000)
    await waitLines(1000)
    write(500)
    renameSync(path, join(dir, "app.log.1")) // rotated: its last lines perhaps not shipped yet
    write(300) // the new app.log
    await stop(shipper.child, "SIGKILL")
    write(200)
    shipper = ship(...args)
    await waitLines(2000)
    writeFileSync(path, "") // truncated in place (copytruncate): what follows is a new generation
    write(100)
    await waitLines(2100)
    rmSync(join(dir, "app.log.1"))
    write(7)
    await waitLines(2107)
    await stop(shipper.child, "SIGTERM")
    const chunks: Array<Uint8Array> = []
    await Effect.runPromise(Store.read(nc, { node: "n", file: "app.log" }, (bytes) => void chunks.push(bytes)))
    expect(Buffer.concat(chunks).toString()).toBe(written.join(""))
    const generations = await Effect.runPromise(Store.list(nc))
    expect(generations.map((f) => [f.file, f.lines])).toEqual([
      ["app.log", 1500],
      ["app.log", 500],
      ["app.log", 107]
    ])
  }, 120_000)

  it("analyse --from-store counts over workers as the files on disk count: --node, --by-file, a worker SIGKILLed mid-task", async () => {
    server = await startNatsServer()
    const root = join(work, "distributed")
    const dirs = { "node-a": join(root, "a"), "node-b": join(root, "b") }
    for (const [i, [node, dir]] of Object.entries(dirs).entries()) {
      await Effect.runPromise(Generator.generate(dir, { files: 3, lines: 30_000, seed: i + 1 }))
      // Messages of ~1 MiB of lines as they are: each ~2 MB file is several messages, so it splits into ranges.
      const shipped = dla("ship", dir, "--nats", server.url, "--node", node, "--no-compress")
      expect(shipped.status, shipped.stderr).toBe(0)
    }
    const disk = (dir: string) => counted(dla("analyse", dir, "--sequential", "--json").stdout)
    const fromStore = (...args: Array<string>) =>
      // At warn: a range re-run as a straggler on a busy machine is an INFO line; no warning or error may appear.
      runIn(
        work,
        "analyse",
        "--from-store",
        "--nats",
        server!.url,
        "--split-mb",
        "0.5",
        "--json",
        "--log-level",
        "warn",
        ...args
      )

    const both = await fromStore("--workers", "2", "--by-file")
    expect(both.status, both.stderr).toBe(0)
    expect(both.stderr).toBe("")
    expect(counted(both.stdout)).toEqual(disk(root))
    const byFile = JSON.parse(both.stdout).files as Array<{ path: string; lines: number }>
    expect(byFile.map((f) => f.path)).toEqual(
      ["node-a", "node-b"].flatMap((node) => ["log_01.log", "log_02.log", "log_03.log"].map((f) => `${node}:${f}`))
    )
    expect(byFile.every((f) => f.lines === 30_000)).toBe(true)

    const one = await fromStore("--workers", "1", "--node", "node-b")
    expect(one.status, one.stderr).toBe(0)
    expect(counted(one.stdout)).toEqual(disk(dirs["node-b"]))

    // Workers of other processes (no files of their own) join and take a task each, slowly: one counts its task, the
    // other is SIGKILLed holding it; the master requeues that one and the local worker counts it, once.
    const victim = slowWorker(server.url, 60_000)
    const helper = slowWorker(server.url, 1_000)
    await victim.saw("waiting for a run")
    await helper.saw("waiting for a run")
    // No speculation: the idle local worker must not re-run the victim's task before its heartbeat runs out.
    const run = fromStore("--workers", "1", "--heartbeat-timeout", "2", "--fresh", "--no-speculate")
    await victim.saw("joined run")
    await sleep(1_000)
    await stop(victim.child, "SIGKILL")
    await helper.saw("ended")
    expect(helper.stderr()).toMatch(/INFO {5}run \S+ ended: [1-9]\d* tasks counted here/)
    const killed = await run
    expect(killed.status, killed.stderr).toBe(0)
    // The victim's task requeued (on a loaded machine the slow helper may be taken for dead too: its task requeued,
    // counted once all the same).
    const said = diagnostics(killed.stderr)
    expect(said).toContainEqual(
      expect.stringMatching(
        new RegExp(`^WARN worker \\S+-${victim.child.pid}-\\w+ failed \\(no heartbeat\\); requeued 1 task\\(s\\)$`)
      )
    )
    for (const line of said) expect(line).toMatch(/^WARN worker \S+ failed \(no heartbeat\); requeued 1 task\(s\)$/)
    expect(counted(killed.stdout)).toEqual(disk(root))
    expect(JSON.parse(killed.stdout).requeuedTasks).toBe(said.length)
  }, 120_000)

  it("analyse --from-store stopped mid-run saves a checkpoint, and the same command resumes from it", async () => {
    server = await startNatsServer()
    const dir = join(work, "resume")
    await Effect.runPromise(Generator.generate(dir, { files: 3, lines: 30_000, seed: 7 }))
    const shipped = dla("ship", dir, "--nats", server.url, "--node", "n", "--no-compress")
    expect(shipped.status, shipped.stderr).toBe(0)
    // A worker of another process holds one task (for a minute), so the run is still going when it is stopped: not
    // given to the idle local worker too (the master finds a straggler as soon as that worker idles).
    const slow = slowWorker(server.url, 60_000)
    await slow.saw("waiting for a run")
    const args = [
      "analyse",
      "--from-store",
      "--nats",
      server.url,
      "--workers",
      "1",
      "--split-mb",
      "0.5",
      "--no-speculate"
    ]
    const run = [...args, "--run", "fs-resume", "--checkpoint-every", "100000", "--checkpoint-interval", "3600"]
    const first = start(...run)
    children.push(first)
    const stopped = finished(first)
    await slow.saw("joined run")
    // Every task but the slow worker's has its result: then stop the run.
    nc = await connect({ servers: server.url })
    const jsm = await jetstreamManager(nc)
    const results = () =>
      jsm.streams.info("DLA_RESULTS_fs-resume").then(
        (info) => info.state.messages,
        () => 0
      )
    for (const deadline = Date.now() + 30_000; (await results()) < 5; await sleep(100)) {
      if (Date.now() > deadline) throw new Error(`no results: ${await results()}`)
    }
    first.kill("SIGTERM")
    const { status, stderr } = await stopped
    expect(stderr).toMatch(/INFO {5}stopping: checkpoint \d+ saved; the same command resumes the run from it$/m)
    expect(status).toBe(143)
    // The slow worker stopped too: it hands its task back.
    await stop(slow.child, "SIGTERM")

    const again = await runIn(work, ...run, "--json")
    expect(again.status, again.stderr).toBe(0)
    // Up to 2 of the 3 files (the slow worker held a range of the third); results the stop checkpoint missed come
    // back from the run's results stream, each counted once.
    expect(again.stderr).toMatch(/INFO {5}resumed from a checkpoint: [12] files already processed$/m)
    expect(counted(again.stdout)).toEqual(counted(dla("analyse", dir, "--sequential", "--json").stdout))
  }, 120_000)

  it("store ls, rm and copy --from-store: one copier writes every stored node's files", async () => {
    server = await startNatsServer()
    nc = await connect({ servers: server.url })
    const root = join(work, "copy")
    for (const node of ["x", "y"]) {
      mkdirSync(join(root, node, "sub"), { recursive: true })
      writeFileSync(join(root, node, "a.log"), `[2025-01-01T00:00:00] [INFO] ${node}\n`)
      writeFileSync(join(root, node, "sub", "b.log"), `[2025-01-01T00:00:00] [ERROR] ${node}\n`.repeat(3))
      const shipped = dla("ship", join(root, node), "--nats", server.url, "--node", node)
      expect(shipped.status, shipped.stderr).toBe(0)
      expect(diagnostics(shipped.stderr)).toEqual([
        expect.stringMatching(/^INFO shipped 4 lines, 0\.0 MB in 2 messages .*2 files$/)
      ])
    }
    const listed = JSON.parse(dla("store", "ls", "--nats", server.url, "--json").stdout)
    expect(listed.map((f: { node: string; file: string; lines: number }) => `${f.node}/${f.file}:${f.lines}`)).toEqual([
      "x/a.log:1",
      "x/sub/b.log:3",
      "y/a.log:1",
      "y/sub/b.log:3"
    ])
    expect(dla("store", "ls", "--nats", server.url).stdout).toMatch(/^NODE\s+FILE\s+GEN\s+BYTES\s+LINES\n/)

    const dest = join(work, "copy-dest")
    const copied = dla(
      "copy",
      "--from-store",
      "--nats",
      server.url,
      "--dest",
      `file://${dest}`,
      "--state-dir",
      join(work, "copy-state"),
      "--once"
    )
    expect(copied.status, copied.stderr).toBe(0)
    expect(copied.stdout).toContain("Copied 4 files")
    for (const file of ["x/a.log", "x/sub/b.log", "y/a.log", "y/sub/b.log"]) {
      expect(readFileSync(join(dest, file), "utf8")).toBe(readFileSync(join(root, file), "utf8"))
    }

    const removed = dla("store", "rm", "--nats", server.url, "--node", "x")
    expect(removed.stdout).toBe("Removed 2 messages of node 'x'\n")
    expect(dla("store", "cat", "--nats", server.url, "--node", "x", "a.log").stderr).toBe(
      "dla: the store holds nothing for file 'a.log' of node 'x' (see 'dla store ls')\n"
    )
    expect(dla("analyse", "--from-store", "--nats", server.url).stdout).toContain("Total lines: 4")
    // Bad invocations: one line each, usage exit code.
    const withPath = dla("analyse", root, "--from-store", "--nats", server.url)
    expect([withPath.status, withPath.stderr]).toEqual([
      2,
      `dla: --from-store reads the store: drop the path '${root}'\n`
    ])
    const withPatterns = dla("copy", "*.log", "--from-store", "--nats", server.url, "--dest", `file://${dest}`)
    expect([withPatterns.status, withPatterns.stderr]).toEqual([
      2,
      "dla: --from-store copies the store: drop the patterns\n"
    ])
    const noPath = dla("analyse")
    expect([noPath.status, noPath.stderr]).toEqual([2, "dla: give a path to analyse (or --from-store)\n"])
  }, 120_000)
})

afterAll(() => rmSync(work, { recursive: true, force: true }))
