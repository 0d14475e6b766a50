import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as CheckpointStore from "@dla/analyser/CheckpointStore"
import * as Task from "@dla/analyser/Task"
import { type NatsServer, startNatsCluster, startNatsServer } from "@dla/testing"
import { jetstream } from "@nats-io/jetstream"
import { connect } from "@nats-io/transport-node"
import { afterEach, beforeEach, describe, expect, it } from "vitest"
import { makeCorpus, sequentialCounts } from "./support/corpus.ts"
import { type Proc, processGroup } from "./support/processes.ts"

let server: NatsServer
let corpus: string
let scratch: string
const procs = processGroup(() => ({ servers: server.url }))
const start = procs.start

interface Summary {
  readonly counts: unknown
  readonly files: number
  readonly filesProcessed: number
  readonly filesAlreadyProcessed: number
  readonly failedWorkers: Array<string>
  readonly failedTasks: Array<{ path: string; reason: string }>
  readonly requeuedTasks: number
  readonly rejectedResults: number
  readonly checkpointsSaved: number
}

const finish = async (master: Proc): Promise<Summary> => {
  const { code, output, stderr } = await master.exited
  expect(code, stderr).toBe(0)
  return output as Summary
}

beforeEach(async () => {
  server = await startNatsServer()
  corpus = makeCorpus({ files: 8, lines: 300, nested: true })
  scratch = mkdtempSync(join(tmpdir(), "dla-test-"))
})

afterEach(async () => {
  await procs.stopAll()
  await server.stop()
  rmSync(corpus, { recursive: true, force: true })
  rmSync(scratch, { recursive: true, force: true })
})

describe("Distributed (real nats-server, master and worker processes)", () => {
  it("1, 2 and 4 workers give the sequential analyser's counts", async () => {
    const expected = await sequentialCounts(corpus)
    for (const workers of [1, 2, 4]) {
      const runId = `normal${workers}`
      const master = start("master", { runId, root: corpus, splitBytes: 4096 })
      for (let i = 0; i < workers; i++) start("worker", { runId, once: true })
      const summary = await finish(master)
      expect(summary.counts).toEqual(expected)
      expect(summary.filesProcessed).toBe(8)
    }
  })

  // Issue 14 item 4: time the master could not hear heartbeats is no worker's silence. A master held up longer than
  // the heartbeat timeout (here paused; in the field, its loop waiting on NATS while a cluster elected a leader) found
  // every live worker silent when it went on, and marked them all failed.
  it("a master held up past the heartbeat timeout fails none of its live workers when it goes on", async () => {
    const expected = await sequentialCounts(corpus)
    const runId = "paused"
    const master = start("master", { runId, root: corpus, taskBytes: 0, heartbeatTimeout: "2 seconds" })
    start("worker", { runId, once: true, workerId: "w1", taskDelay: "400 millis" })
    start("worker", { runId, once: true, workerId: "w2", taskDelay: "400 millis" })
    await master.waitFor((e) => e._tag === "WorkerJoined" && e.workerId === "w2")
    await master.waitFor((e) => e._tag === "Progress")
    master.child.kill("SIGSTOP")
    await new Promise((r) => setTimeout(r, 3_500))
    master.child.kill("SIGCONT")
    const summary = await finish(master)
    expect(master.events.filter((e) => e._tag === "WorkerFailed")).toEqual([])
    expect(summary.failedWorkers).toEqual([])
    expect(summary.counts).toEqual(expected)
    expect(summary.filesProcessed).toBe(8)
  })

  it("with speculate, a straggler's task is given to the idle worker too; the first result counts, exactly", async () => {
    const expected = await sequentialCounts(corpus)
    const runId = "straggler"
    const master = start("master", { runId, root: corpus, splitBytes: 4096, speculate: true })
    // It holds its first task for 60 s: the run can only end before that by giving the task to the other worker.
    const slow = start("worker", { runId, taskDelay: 60_000 })
    await slow.waitFor((e) => e._tag === "TaskStarted")
    start("worker", { runId, once: true })
    const straggler = await master.waitFor((e) => e._tag === "Straggler")
    const summary = await finish(master)
    expect(summary.counts).toEqual(expected)
    expect(summary.filesProcessed).toBe(8)
    expect(summary.failedTasks).toEqual([])
    const started = slow.events.find((e) => e._tag === "TaskStarted")
    expect(straggler.taskId).toBe(started?.taskId)
  })

  // Issue 13 item 4: with speculation on by default, the slow worker's copy of a straggler is not needed once the
  // other copy counted; a `--once` worker holding it waited its task out, then retried its result for `holdFor` (a
  // minute) against the run's deleted streams before it exited.
  it("a slow worker --once whose straggler another worker finished exits as soon as the run is over", async () => {
    const runId = "slowonce"
    const master = start("master", { runId, root: corpus, splitBytes: 4096, speculate: true })
    const slow = start("worker", { runId, once: true, taskDelay: 20_000 })
    await slow.waitFor((e) => e._tag === "TaskStarted")
    start("worker", { runId, once: true })
    await master.waitFor((e) => e._tag === "Straggler")
    expect((await finish(master)).filesProcessed).toBe(8)
    const over = Date.now()
    expect((await slow.exited).code).toBe(0)
    expect(Date.now() - over).toBeLessThan(5_000)
  })

  it("a worker --once asleep through a whole run (started after it began waiting) exits when it wakes", async () => {
    const late = start("worker", { once: true })
    await late.waitFor((e) => e._tag === "WaitingForRun")
    late.child.kill("SIGSTOP")
    const master = start("master", { runId: "missed", root: corpus })
    start("worker", { runId: "missed", once: true })
    expect((await finish(master)).filesProcessed).toBe(8)
    late.child.kill("SIGCONT")
    await late.waitFor((e) => e._tag === "RunEnded" && e.runId === "missed", 15_000)
    expect((await late.exited).code).toBe(0)
  })

  it("a run id started again (fresh) after a worker saw it done is joined as the new run it is", async () => {
    const first = start("master", { runId: "again", root: corpus })
    start("worker", { runId: "again", once: true })
    await finish(first)
    // This worker first reads the finished run's record, then sees the same id set up again.
    const worker = start("worker", { runId: "again", once: true })
    await worker.waitFor((e) => e._tag === "WaitingForRun")
    const second = start("master", { runId: "again", root: corpus, fresh: true })
    expect((await finish(second)).filesProcessed).toBe(8)
    expect((await worker.exited).code).toBe(0)
  })

  it("a broken or forged message on the results subject is set aside with its reason; the run ends exact", async () => {
    const expected = await sequentialCounts(corpus)
    const runId = "forged"
    const master = start("master", { runId, root: corpus })
    await master.waitFor((e) => e._tag === "Started") // the run's streams exist
    const name = readdirSync(corpus).find((f) => f.endsWith(".log"))!
    const size = statSync(join(corpus, name)).size
    const nc = await connect({ servers: server.url })
    const js = jetstream(nc)
    const subject = `dla.${runId}.result`
    await js.publish(subject, new TextEncoder().encode("not a result"), { msgID: "garbage" })
    // A real task of the run, with counts that cannot be: a million lines in five bytes.
    const counts = { levels: { FATAL: 1_000_000 }, lines: 1_000_000, unmatched: 0, bytes: 5 }
    const forged = {
      _tag: "Done",
      runId,
      taskId: Task.taskId([{ rel: name, range: { start: 0, end: size } }]),
      workerId: "forger",
      counts,
      lines: counts.lines,
      bytes: counts.bytes
    }
    await js.publish(subject, new TextEncoder().encode(JSON.stringify(forged)), { msgID: "forged" })
    await nc.close()
    start("worker", { runId, once: true })
    const summary = await finish(master)
    expect(summary.counts).toEqual(expected)
    expect(summary).toMatchObject({ filesProcessed: 8, rejectedResults: 2, failedTasks: [] })
    // Two streams (undecodable messages, decoded results) merged: in either order.
    const reasons = master.events.filter((e) => e._tag === "ResultRejected").map((e) => String(e.reason))
    expect(reasons.sort()).toEqual([
      expect.stringMatching(/^bad result message/),
      expect.stringMatching(/^task \w+: 1000000 lines in 5 bytes$/)
    ])
  })

  it("a worker SIGKILLed mid-task is reported failed, the run waits for workers, its task is reassigned", async () => {
    const expected = await sequentialCounts(corpus)
    const runId = "crash"
    const master = start("master", { runId, root: corpus, heartbeatTimeout: "1500 millis", ackWait: "60 seconds" })
    // Watch the doomed worker's heartbeats: kill it once the master has been told which task it holds.
    const nc = await connect({ servers: server.url })
    const holding = new Promise<void>((resolve) => {
      nc.subscribe(`dla.${runId}.hb.doomed`, {
        callback: (_e, msg) => {
          if ((msg.json() as { inFlight: Array<string> }).inFlight.length > 0) resolve()
        }
      })
    })
    const doomed = start("worker", { runId, workerId: "doomed", taskDelay: "60 seconds" })
    const started = await doomed.waitFor((e) => e._tag === "TaskStarted")
    await holding
    await nc.close()
    await doomed.kill("SIGKILL")

    const failed = await master.waitFor((e) => e._tag === "WorkerFailed")
    expect(failed).toMatchObject({ workerId: "doomed", requeued: [started.path] })
    await master.waitFor((e) => e._tag === "WaitingForWorkers")
    const survivor = start("worker", { runId, workerId: "survivor", once: true })

    const summary = await finish(master)
    expect(summary.counts).toEqual(expected)
    expect(summary.failedWorkers).toEqual(["doomed"])
    expect(summary.requeuedTasks).toBe(1)
    expect(survivor.events).toContainEqual(expect.objectContaining({ _tag: "TaskFinished", taskId: started.taskId }))
  })

  it("a new master started after the master is SIGKILLed resumes from the checkpoint with exact counts", async () => {
    const expected = await sequentialCounts(corpus)
    const checkpointDir = join(scratch, "checkpoints")
    const args = { runId: "resume", root: corpus, checkpointEvery: 1, checkpointDir }
    const first = start("master", args)
    start("worker", { runId: "resume", taskDelay: "200 millis" })
    await first.waitFor((e) => e._tag === "CheckpointSaved" && (e.sequence as number) >= 3)
    await first.kill("SIGKILL")

    const second = start("master", args)
    const resumed = await second.waitFor((e) => e._tag === "Resumed")
    expect(resumed.filesAlreadyProcessed).toBeGreaterThanOrEqual(3)
    const summary = await finish(second)
    expect(summary.counts).toEqual(expected)
    expect(summary.filesAlreadyProcessed).toBe(resumed.filesAlreadyProcessed)
    expect(summary.filesProcessed).toBe(8)

    // One directory per checkpoint: the newest holds the finished run.
    const [newest] = await CheckpointStore.entries(join(checkpointDir, "resume"))
    const checkpoint = JSON.parse(readFileSync(join(newest!.dir, "checkpoint.json"), "utf8"))
    expect(checkpoint).toMatchObject({ complete: true, pending_files: [], failed_workers: [] })
    expect(checkpoint.processed_files).toHaveLength(8)
    expect(Object.keys(checkpoint)).toEqual(
      expect.arrayContaining(["timestamp", "counts", "processed_files", "pending_files", "failed_workers"])
    )
    expect(existsSync(join(newest!.dir, "files", "node-001.log"))).toBe(true)
  })

  it("the nats-server restarted mid-run (same store): the run finishes with exact counts", async () => {
    const expected = await sequentialCounts(corpus)
    const master = start("master", { runId: "restart", root: corpus, heartbeatTimeout: "10 seconds" })
    start("worker", { runId: "restart", taskDelay: "200 millis" })
    await master.waitFor((e) => e._tag === "Progress" && (e.progress as { tasksDone: number }).tasksDone >= 2)
    await server.kill("SIGKILL")
    await server.restart()
    const summary = await finish(master)
    expect(summary.counts).toEqual(expected)
    expect(summary.filesProcessed).toBe(8)
  })

  it("runs on a 3-node NATS cluster given all its URLs", async () => {
    const cluster = await startNatsCluster(3)
    try {
      const expected = await sequentialCounts(corpus)
      const servers = cluster.urls
      const master = start("master", { servers, runId: "cluster", root: corpus, splitBytes: 8192 })
      start("worker", { servers: [...servers].reverse(), runId: "cluster" })
      start("worker", { servers: servers.slice(1), runId: "cluster" })
      const summary = await finish(master)
      expect(summary.counts).toEqual(expected)
    } finally {
      await procs.stopAll()
      await cluster.stop()
    }
  })

  it("a file that cannot be read is reported failed, not retried; the rest is counted", async () => {
    const master = start("master", { runId: "poison", root: corpus })
    await master.waitFor((e) => e._tag === "Started")
    const victim = join(corpus, "node-001.log")
    rmSync(victim) // listed and planned, gone before any worker reads it
    const expected = await sequentialCounts(corpus)
    start("worker", { runId: "poison", once: true })
    const summary = await finish(master)
    expect(summary.counts).toEqual(expected)
    expect(summary.failedTasks).toEqual([expect.objectContaining({ path: victim })])
    expect(summary.filesProcessed).toBe(7)
  })
})
