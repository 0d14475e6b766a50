import { rmSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { RunsKv } from "@dla/analyser/nats"
import { type NatsCluster, startNatsCluster } from "@dla/testing"
import { jetstreamManager } from "@nats-io/jetstream"
import { connect } from "@nats-io/transport-node"
import { afterEach, describe, expect, it } from "vitest"
import { makeCorpus, sequentialCounts } from "./support/corpus.ts"
import { type Proc, processGroup } from "./support/processes.ts"

/** The cluster config users deploy (docs/deploy.md), run on loopback with free ports substituted. */
const configFile = fileURLToPath(new URL("../../../deploy/nats/nats.conf", import.meta.url))

/** A process's stderr without its heartbeat lines, for failure messages. */
const quiet = (stderr: string) =>
  stderr
    .split("\n")
    .filter((line) => !line.includes('"Heartbeat"'))
    .join("\n")
    .slice(-4000)

/** The master's exit, or a failure with its stderr when it has not finished within 90 s. */
const ended = (master: Proc) =>
  Promise.race([
    master.exited,
    new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error(`master did not finish; stderr:\n${quiet(master.stderr())}`)), 90_000)
    )
  ])

describe("a distributed run on the deploy/ 3-node NATS cluster", () => {
  let started: NatsCluster | undefined
  let corpus: string | undefined
  const procs = processGroup(() => ({ servers: started?.urls }))
  afterEach(async () => {
    await procs.stopAll()
    await started?.stop()
    if (corpus !== undefined) rmSync(corpus, { recursive: true, force: true })
  })
  /** Starts the test's cluster and writes its corpus; `expected` is the sequential analyser's counts for it. */
  const setUp = async (options: Parameters<typeof makeCorpus>[0]) => {
    const cluster = await startNatsCluster(3, { configFile })
    started = cluster
    corpus = makeCorpus(options)
    return { cluster, corpus, expected: await sequentialCounts(corpus) }
  }

  // The regression this guards: while the killed node's streams elect new leaders, result publishes and acks fail
  // for a second or two. A worker that handed its task back at each failure spent the task's delivery attempts
  // within a second, and sound tasks were given up as poison (counts short in about 1 run in 4).
  it.each([
    ["task", "tasks"],
    ["results", "results"]
  ] as const)(
    "uses R3 streams and finishes with exact counts when the %s stream's leader node is killed mid-run",
    {
      timeout: 120_000
    },
    async (_, stream) => {
      const { cluster, corpus, expected } = await setUp({ files: 8, lines: 300, nested: true })
      const servers = [...cluster.urls]
      const runId = "cluster"
      const start = (role: "master" | "worker", options: Record<string, unknown>) =>
        procs.start(role, { runId, replicas: 3, ...options })
      const master = start("master", { root: corpus, heartbeatTimeout: "15 seconds" })
      const worker = start("worker", { taskDelay: "200 millis" })
      await master.waitFor((e) => e._tag === "Progress" && (e.progress as { tasksDone: number }).tasksDone >= 2)

      const nc = await connect({ servers, timeout: 5_000 })
      try {
        const jsm = await jetstreamManager(nc)
        const info = await jsm.streams.info(RunsKv.names(runId)[stream])
        expect(info.config.num_replicas).toBe(3)
        const leader = cluster.servers.find((s) => s.name === info.cluster?.leader)
        expect(leader, `leader ${info.cluster?.leader}`).toBeDefined()
        await leader!.kill()
      } finally {
        await nc.close()
      }

      const { code, output, stderr } = await ended(master)
      expect(code, stderr).toBe(0)
      const summary = output as { counts: unknown; filesProcessed: number; failedTasks: Array<unknown> }
      expect(summary.failedTasks, `${JSON.stringify(summary.failedTasks)}\nworker:\n${quiet(worker.stderr())}`).toEqual(
        []
      )
      expect(summary.counts).toEqual(expected)
      expect(summary.filesProcessed).toBe(8)
    }
  )

  /** The node that leads the cluster's JetStream meta group now (its monitoring endpoint says). */
  const metaLeader = async (c: NatsCluster) => {
    for (const server of c.servers) {
      const jsz = (await fetch(`http://127.0.0.1:${server.monitorPort}/jsz`).then(
        (r) => r.json(),
        () => undefined
      )) as { meta_cluster?: { leader?: string } } | undefined
      const found = c.servers.find((s) => s.name === jsz?.meta_cluster?.leader)
      if (found !== undefined) return found
    }
    throw new Error("no JetStream meta leader")
  }

  // Issue 14 item 4: the meta leader killed as a master starts made its set-up fail (`cannot create stream ...:
  // timeout`, exit 1). The set-up now rides out the election (a `Retrying` line meanwhile) and the run completes.
  // The master starts while two of the three nodes are down, so its set-up surely meets a JetStream with no meta
  // leader (a kill timed against its start missed the set-up under load); the nodes come back once it has waited.
  it("an elected master's set-up rides out a JetStream without a meta leader, with exact counts", {
    timeout: 120_000
  }, async () => {
    const { cluster, corpus, expected } = await setUp({ files: 6, lines: 300 })
    const leader = await metaLeader(cluster)
    const down = [leader, cluster.servers.find((s) => s !== leader)!]
    await Promise.all(down.map((s) => s.kill()))
    const servers = cluster.servers.map((s) => s.url)
    const master = procs.start("candidate", { servers, runId: "setup", replicas: 3, root: corpus })
    await master.waitFor((e) => e._tag === "Retrying", 60_000)
    await Promise.all(down.map((s) => s.restart()))
    procs.start("worker", { servers, runId: "setup", once: true })
    const { code, output, stderr } = await ended(master)
    expect(code, quiet(stderr)).toBe(0)
    const summary = output as { counts: unknown; filesProcessed: number; failedWorkers: Array<string> }
    expect(summary.counts).toEqual(expected)
    expect(summary.filesProcessed).toBe(6)
    // What the operator saw meanwhile: the set-up step that waited, and why.
    const retries = master.events.filter((e) => e._tag === "Retrying")
    expect(retries.length, quiet(stderr)).toBeGreaterThan(0)
    expect(retries[0]).toMatchObject({ what: expect.stringMatching(/run set-up|election/) })
  })

  // Issue 14 item 4: in 3 of 11 node losses mid-run both live workers were marked failed (the master's loop waited
  // on a checkpoint write while the cluster elected, and then found every worker silent). Here nodes are lost three
  // times in one run, each time the leader of the bucket the checkpoints go to, with a checkpoint after every result.
  it("losing a node mid-run, three times over, fails no live worker, with exact counts", {
    timeout: 180_000
  }, async () => {
    const { cluster, corpus, expected } = await setUp({ files: 80, lines: 200 })
    const servers = [...cluster.urls]
    const runId = "losses"
    const master = procs.start("candidate", { runId, replicas: 3, root: corpus, taskBytes: 0, checkpointEvery: 1 })
    for (const n of [1, 2]) procs.start("worker", { runId, once: true, workerId: `w${n}`, taskDelay: "500 millis" })
    const tasksDone = () =>
      Math.max(
        0,
        ...master.events.flatMap((e) =>
          e._tag === "Progress" ? [(e.progress as { tasksDone: number }).tasksDone] : []
        )
      )
    const nc = await connect({ servers, timeout: 5_000, maxReconnectAttempts: -1, reconnectTimeWait: 100 })
    try {
      const jsm = await jetstreamManager(nc)
      for (const [after, stream] of [
        [4, "KV_dla_runs"],
        [14, "KV_dla_leases"],
        [24, `DLA_TASKS_${runId}`]
      ] as const) {
        await master.waitFor(() => tasksDone() >= after, 60_000)
        const info = await jsm.streams.info(stream).catch((e) => {
          throw new Error(`${stream} at ${tasksDone()}: ${e}`)
        })
        const leader = cluster.servers.find((s) => s.name === info.cluster?.leader)
        expect(leader, `leader ${info.cluster?.leader}`).toBeDefined()
        await leader!.kill()
        await master.waitFor(() => tasksDone() >= after + 4, 60_000)
        await leader!.restart()
      }
    } finally {
      await nc.close()
    }
    const { code, output, stderr } = await ended(master)
    expect(code, quiet(stderr)).toBe(0)
    const summary = output as { counts: unknown; filesProcessed: number; failedWorkers: Array<string> }
    expect(summary.failedWorkers, quiet(stderr)).toEqual([])
    expect(master.events.filter((e) => e._tag === "WorkerFailed")).toEqual([])
    expect(summary.counts).toEqual(expected)
    expect(summary.filesProcessed).toBe(80)
  })
})
