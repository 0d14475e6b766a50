/**
 * Masters with standbys (issue 6, tests 2 and 3): real candidate and worker processes on a real nats-server, the
 * leading master SIGKILLed or paused by PID. The counts must equal the sequential analyser's.
 *
 * No step depends on how fast a process runs: the standby starts once the primary leads (started together on a loaded
 * machine, the standby can win the first term before the primary has joined), and the test holds two of the run's
 * tasks, unacked, until the step that must happen mid-run has happened.
 */
import { rmSync } from "node:fs"
import { holdMessages, type NatsServer, startNatsServer } from "@dla/testing"
import type { NatsConnection } from "@nats-io/nats-core"
import { connect } from "@nats-io/transport-node"
import { afterEach, beforeEach, describe, expect, it } from "vitest"
import { makeCorpus, sequentialCounts } from "./support/corpus.ts"
import { processGroup } from "./support/processes.ts"

let server: NatsServer
let nc: NatsConnection
let corpus: string
const procs = processGroup(() => ({ servers: server.url }))
const start = procs.start

beforeEach(async () => {
  server = await startNatsServer()
  nc = await connect({ servers: server.url })
  corpus = makeCorpus({ files: 8, lines: 300, nested: true })
})

afterEach(async () => {
  await procs.stopAll()
  await nc.close()
  await server.stop()
  rmSync(corpus, { recursive: true, force: true })
})

const leading = (e: { _tag: string }) => e._tag === "Leading"

/**
 * The primary, then the standby once the primary leads and two tasks are held (the run cannot end until the test
 * hands them back), then two workers taking `taskDelay` per task; returns once the standby stands behind the primary.
 * A long ack wait: the held tasks are never redelivered behind the test's back.
 */
const candidates = async (runId: string, taskDelay: string) => {
  const common = { runId, root: corpus, checkpointEvery: 1, ackWait: "10 minutes" }
  const primary = start("candidate", { ...common, candidateId: "primary", priority: 2 })
  const first = await primary.waitFor(leading)
  const held = await holdMessages(nc, `DLA_TASKS_${runId}`, "workers", 2)
  const standby = start("candidate", { ...common, candidateId: "standby", priority: 1, standby: true })
  const workers = [0, 1].map((i) => start("worker", { runId, workerId: `w${i}`, taskDelay, once: true }))
  await standby.waitFor((e) => e._tag === "Standing" && e.leader === "primary")
  return { primary, standby, first, held, workers }
}

interface Summary {
  readonly counts: unknown
  readonly filesProcessed: number
  readonly filesAlreadyProcessed: number
  readonly term: number
  readonly leader: string
  readonly previousLeader?: string
}

describe("masters with standbys (real processes)", () => {
  it("the leading master SIGKILLed mid-run: the standby takes over and finishes with exact counts", async () => {
    const expected = await sequentialCounts(corpus)
    const runId = "failover"
    const { primary, standby, first, held, workers } = await candidates(runId, "150 millis")
    await primary.waitFor((e) => e._tag === "CheckpointSaved" && (e.sequence as number) >= 3)
    const marks = workers.map((w) => w.events.length)
    await primary.kill("SIGKILL")

    const took = await standby.waitFor(leading, 15_000)
    expect(took).toMatchObject({ leader: "standby", previousLeader: "primary" })
    expect(took.term as number).toBeGreaterThan(first.term as number)
    const resumed = await standby.waitFor((e) => e._tag === "Resumed")
    expect(resumed.tasksAlreadyDone as number).toBeGreaterThanOrEqual(3)
    for (const msg of held) msg.nak()

    const { code, output, stderr } = await standby.exited
    expect(code, stderr).toBe(0)
    const summary = output as Summary
    expect(summary.counts).toEqual(expected)
    expect(summary.filesProcessed).toBe(8)
    expect(summary).toMatchObject({ leader: "standby", previousLeader: "primary", term: took.term })
    // The workers were never restarted: each kept working across the change of master and ended with the run.
    for (const w of workers) expect((await w.exited).code).toBe(0)
    const finishedAfter = workers.flatMap((w, i) => w.events.slice(marks[i]).filter((e) => e._tag === "TaskFinished"))
    expect(finishedAfter.length).toBeGreaterThan(0)
  })

  it("the leading master paused past the timeout is replaced; resumed, it writes nothing stale and the counts are exact", async () => {
    const expected = await sequentialCounts(corpus)
    const runId = "paused"
    // The held tasks keep the run going past the pause, so the primary wakes up into a run still in progress.
    const { primary, standby, first, held, workers } = await candidates(runId, "700 millis")
    await primary.waitFor((e) => e._tag === "CheckpointSaved")
    primary.child.kill("SIGSTOP")
    const took = await standby.waitFor(leading, 15_000)
    expect(took.term as number).toBeGreaterThan(first.term as number)
    const paused = primary.events.length
    primary.child.kill("SIGCONT")

    // Woken, the primary learns of the newer term and stands down before it saves anything.
    const since = (e: { _tag: string }) => primary.events.indexOf(e as never) >= paused
    await primary.waitFor((e) => since(e) && e._tag === "Standing" && e.leader === "standby", 15_000)
    for (const msg of held) msg.nak()
    const [a, b] = await Promise.all([primary.exited, standby.exited])
    expect(a.code, a.stderr).toBe(0)
    expect(b.code, b.stderr).toBe(0)
    const resumed = primary.events.slice(paused)
    const relead = resumed.findIndex((e) => leading(e))
    // Nothing was saved with the old term: any checkpoint after waking comes after leading again, with a newer term.
    expect(resumed.slice(0, relead === -1 ? undefined : relead).filter((e) => e._tag === "CheckpointSaved")).toEqual([])
    if (relead !== -1) expect(resumed[relead]!.term as number).toBeGreaterThan(took.term as number)
    // Whoever finished (the primary outranks the standby and may take the run back) has the exact counts.
    const finisher = [a, b].map((x) => x.output as Summary | undefined).find((x) => x?.counts !== undefined)
    expect(finisher?.counts).toEqual(expected)
    for (const w of workers) expect((await w.exited).code).toBe(0)
  })
})
