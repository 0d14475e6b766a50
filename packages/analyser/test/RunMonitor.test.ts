import { rmSync } from "node:fs"
import * as Embedded from "@dla/analyser/Embedded"
import * as Master from "@dla/analyser/Master"
import { RunsKv } from "@dla/analyser/nats"
import * as RunMonitor from "@dla/analyser/RunMonitor"
import { type NatsServer, startNatsServer } from "@dla/testing"
import { describe, expect, it } from "@effect/vitest"
import { Kvm } from "@nats-io/kv"
import { connect } from "@nats-io/transport-node"
import { Effect, Fiber, Option, PubSub, Stream, SubscriptionRef } from "effect"
import { makeCorpus, sequentialCounts } from "./support/corpus.ts"

const counts = (lines: number) => ({ levels: { INFO: lines }, lines, unmatched: 0, bytes: lines * 10 })
const progress = (tasksDone: number, lines: number, workerId?: string): RunMonitor.Event => ({
  _tag: "Progress",
  workerId,
  progress: {
    filesTotal: 2,
    filesDone: tasksDone >= 4 ? 2 : tasksDone >= 2 ? 1 : 0,
    tasksTotal: 4,
    tasksDone,
    bytesTotal: 400,
    bytesDone: tasksDone * 100,
    workersAlive: 2
  },
  counts: counts(lines)
})
const beat = (workerId: string, inFlight: Array<string>, done: number): RunMonitor.Event => ({
  _tag: "Heartbeat",
  heartbeat: { workerId, inFlight, done },
  working: inFlight.map((id) => `file-of-${id}.log`)
})

/** Folds `events`, the i-th seen at 1000 * i ms. */
const fold = (events: ReadonlyArray<RunMonitor.Event>) =>
  events.reduce((state, event, i) => RunMonitor.reduce(state, event, 1000 * (i + 1)), RunMonitor.initial("r1", 0))

const started: RunMonitor.Event = { _tag: "Started", files: 2, tasks: 4, bytes: 400 }

describe("RunMonitor.reduce", () => {
  it("tracks workers, their current tasks and the task split pending / in flight / done", () => {
    const state = fold([
      started,
      { _tag: "WorkerJoined", workerId: "w1" },
      beat("w1", ["t1"], 0),
      { _tag: "WorkerJoined", workerId: "w2" },
      beat("w2", ["t2"], 0),
      progress(1, 10, "w1"),
      beat("w1", ["t3"], 0)
    ])
    expect(state.status).toBe("running")
    expect(
      state.workers.map((w) => [w.workerId, w.status, w.inFlight, w.working, w.tasksDone, w.lastHeartbeat])
    ).toEqual([
      ["w1", "alive", ["t3"], ["file-of-t3.log"], 1, 7000],
      ["w2", "alive", ["t2"], ["file-of-t2.log"], 0, 5000]
    ])
    expect(state.tasks).toEqual({ total: 4, done: 1, inFlight: 2, pending: 1 })
    expect(state.files).toEqual({ total: 2, done: 0 })
    expect(state.counts).toEqual(counts(10))
    expect(state.updatedAt).toBe(7000)
  })

  it("marks a failed worker, drops its tasks from in flight and records the recovery", () => {
    const state = fold([
      started,
      beat("w1", ["t1"], 0),
      beat("w2", ["t2"], 0),
      { _tag: "WorkerFailed", workerId: "w2", requeued: ["/logs/b.log"] }
    ])
    expect(state.workers.find((w) => w.workerId === "w2")).toMatchObject({
      status: "failed",
      inFlight: [],
      working: []
    })
    expect(state.tasks).toEqual({ total: 4, done: 0, inFlight: 1, pending: 3 })
    expect(state.recoveries).toEqual([{ at: 4000, workerId: "w2", requeued: ["/logs/b.log"] }])
    expect(state.log.at(-1)?.text).toBe("worker w2 failed: 1 task(s) requeued")
    // A heartbeat from it again (it was only slow): alive again, the recovery stays on record.
    const back = RunMonitor.reduce(state, beat("w2", [], 0), 5000)
    expect(back.workers.find((w) => w.workerId === "w2")?.status).toBe("alive")
    expect(back.recoveries).toHaveLength(1)
  })

  it("samples throughput at most once a second, the first sample being a baseline", () => {
    const base = fold([started])
    const events: Array<[RunMonitor.Event, number]> = [
      [progress(1, 100), 1000],
      [progress(2, 150), 1500], // under a second after the last sample: no new sample
      [progress(3, 300), 3000]
    ]
    const state = events.reduce((s, [e, at]) => RunMonitor.reduce(s, e, at), base)
    expect(state.throughput.map((s) => [s.at, s.lines, s.linesPerSecond, s.bytesPerSecond])).toEqual([
      [1000, 100, 0, 0],
      [3000, 300, 100, 1000]
    ])
  })

  it("keeps bounded history: samples, log lines", () => {
    let state = fold([started])
    for (let i = 1; i <= RunMonitor.limits.samples + 20; i++) state = RunMonitor.reduce(state, progress(1, i), i * 1000)
    expect(state.throughput).toHaveLength(RunMonitor.limits.samples)
    for (let i = 0; i < RunMonitor.limits.log + 5; i++) {
      state = RunMonitor.reduce(state, { _tag: "CheckpointSaved", sequence: i }, 500_000 + i)
    }
    expect(state.log).toHaveLength(RunMonitor.limits.log)
    expect(state.checkpoints).toEqual({
      saved: RunMonitor.limits.log + 5,
      lastSequence: RunMonitor.limits.log + 4,
      lastAt: 500_000 + RunMonitor.limits.log + 4
    })
  })

  it("waiting, resume, leader, given-up tasks, finish and failure", () => {
    const waiting = fold([started, { _tag: "WaitingForWorkers", pendingTasks: 4 }])
    expect(waiting.status).toBe("waiting")
    expect(RunMonitor.reduce(waiting, { _tag: "WorkerJoined", workerId: "w1" }, 9000).status).toBe("running")

    const resumed = fold([started, { _tag: "Resumed", filesAlreadyProcessed: 1, tasksAlreadyDone: 2 }])
    expect(resumed.resumed).toEqual({ filesAlreadyProcessed: 1, tasksAlreadyDone: 2 })
    expect(resumed.tasks).toEqual({ total: 4, done: 2, inFlight: 0, pending: 2 })

    const led = fold([started, { _tag: "LeaderElected", leaderId: "master-a", term: 3 }])
    expect(led.leader).toEqual({ id: "master-a", term: 3 })

    const gaveUp = fold([started, { _tag: "TaskFailed", path: "/logs/x.log", reason: "EACCES" }])
    expect(gaveUp.failedTasks).toEqual([{ path: "/logs/x.log", reason: "EACCES" }])

    const summary: Master.Summary = {
      runId: "r1",
      counts: counts(40),
      files: 2,
      filesProcessed: 2,
      filesAlreadyProcessed: 0,
      byFile: [],
      tasks: 4,
      failedTasks: [],
      failedWorkers: [],
      workers: ["w1"],
      requeuedTasks: 0,
      duplicateResults: 0,
      rejectedResults: 0,
      checkpointsSaved: 1,
      durationMs: 4000
    }
    const done = fold([started, beat("w1", ["t4"], 3), { _tag: "Finished", summary }])
    expect(done).toMatchObject({ status: "done", finishedAt: 3000, counts: counts(40) })
    expect(done.tasks).toEqual({ total: 4, done: 4, inFlight: 0, pending: 0 })

    const retrying = fold([started, { _tag: "Retrying", what: "reading results", reason: "connection lost" }])
    expect(retrying.log.at(-1)?.text).toBe("retrying reading results: connection lost")

    const failed = fold([started, { _tag: "RunFailed", message: "fenced" }])
    expect(failed).toMatchObject({ status: "failed", error: "fenced", finishedAt: 2000 })
  })

  it("a snapshot survives JSON and decodes with the schema", () => {
    const state = fold([started, beat("w1", ["t1"], 0), progress(1, 10)])
    expect(RunMonitor.decode(JSON.parse(JSON.stringify(state)))).toEqual(Option.some(state))
    expect(Option.isNone(RunMonitor.decode({ runId: "x" }))).toBe(true)
  })
})

describe("RunMonitor.describe", () => {
  it("one line per discrete event, none for progress; a straggler held under a second in ms", () => {
    expect(RunMonitor.describe({ _tag: "Resumed", filesAlreadyProcessed: 3, tasksAlreadyDone: 4 })).toBe(
      "resumed from a checkpoint: 3 files already processed"
    )
    const straggler = (heldMs: number) =>
      RunMonitor.describe({ _tag: "Straggler", taskId: "t1", path: "a.log [0-100]", heldMs })
    expect(straggler(310)).toBe("a.log [0-100] is taking 310 ms: also given to an idle worker")
    expect(straggler(12_400)).toBe("a.log [0-100] is taking 12 s: also given to an idle worker")
    expect(RunMonitor.describe(progress(1, 10))).toBeUndefined()
  })
})

describe("RunMonitor: a run without a master (dla analyse --follow)", () => {
  it("a follower's Counted and Stopped events fold into its counts and its end, with no tasks nor workers", () => {
    const follow = (events: ReadonlyArray<RunMonitor.Event>) =>
      events.reduce((state, event, i) => RunMonitor.reduce(state, event, 1000 * (i + 1)), RunMonitor.initial("f", 0))
    const running = follow([{ _tag: "Counted", files: 2, counts: counts(5) }])
    expect([running.status, running.files, running.bytes, running.counts, running.tasks]).toEqual([
      "running",
      { total: 2, done: 2 },
      { total: 50, done: 50 },
      counts(5),
      { total: 0, pending: 0, inFlight: 0, done: 0 }
    ])
    const stopped = follow([
      { _tag: "Counted", files: 2, counts: counts(5) },
      { _tag: "Stopped", files: 3, counts: counts(9), durationMs: 1500 }
    ])
    expect([stopped.status, stopped.finishedAt, stopped.files, stopped.counts, stopped.workers]).toEqual([
      "done",
      2000,
      { total: 3, done: 3 },
      counts(9),
      []
    ])
    expect(stopped.log.map((l) => l.text)).toEqual(["stopped: 9 lines in 1500 ms"])
  })
})

describe("RunMonitor.make: state in a SubscriptionRef, events on a PubSub", () => {
  it.effect("a reader of the state's changes and of the events sees every push after it subscribed", () =>
    Effect.gen(function* () {
      const monitor = RunMonitor.make("m", () => 5)
      const events = yield* PubSub.subscribe(monitor.events)
      const statuses = yield* SubscriptionRef.changes(monitor.state).pipe(
        Stream.map((state) => state.status),
        Stream.take(3),
        Stream.runCollect,
        Effect.forkScoped
      )
      yield* Effect.yieldNow
      monitor.push(started)
      monitor.push({ _tag: "RunFailed", message: "x" })
      expect(yield* Fiber.join(statuses)).toEqual(["starting", "running", "failed"])
      expect((yield* PubSub.takeAll(events)).map((e) => e._tag)).toEqual(["Started", "RunFailed"])
      expect(monitor.current().status).toBe("failed")
    }).pipe(Effect.scoped)
  )
})

describe("RunMonitor over a real run", () => {
  it.live("an embedded run's events fold into a done snapshot with the run's exact counts", () =>
    Effect.gen(function* () {
      const dir = makeCorpus({ files: 6, lines: 300 })
      const expected = yield* Effect.promise(() => sequentialCounts(dir))
      const monitor = RunMonitor.make("embedded")
      const hub = yield* Master.events
      const summary = yield* RunMonitor.feed(monitor, hub).pipe(
        Effect.andThen(Embedded.run({ runId: "embedded", root: dir, workers: 2 })),
        Effect.provideService(Master.Events, hub),
        Effect.scoped
      )
      monitor.push({ _tag: "Finished", summary })
      const state = monitor.current()
      expect(state.status).toBe("done")
      expect(state.counts).toEqual(expected)
      expect(state.files).toEqual({ total: 6, done: 6 })
      // Heartbeats sent before the master listens are not replayed: a short run may see only one worker.
      expect(state.workers.length).toBeGreaterThanOrEqual(1)
      for (const w of state.workers) expect(w.workerId).toMatch(/^thread-[12]$/)
      // Each task counted once, for the worker whose result counted (heartbeats lag a worker's last result).
      expect(state.workers.reduce((n, w) => n + w.tasksDone, 0)).toBe(summary.tasks)
      expect(state.checkpoints.saved).toBeGreaterThanOrEqual(1)
      rmSync(dir, { recursive: true })
    })
  )
})

describe("RunMonitor.publish", () => {
  /** A real nats-server and a connection for the scope, and the tags of the events published for `runId`. */
  const natsWithEvents = (runId: string) =>
    Effect.gen(function* () {
      const server: NatsServer = yield* Effect.acquireRelease(
        Effect.promise(() => startNatsServer()),
        (s) => Effect.promise(() => s.stop())
      )
      const nc = yield* Effect.acquireRelease(
        Effect.promise(() => connect({ servers: server.url })),
        (c) => Effect.promise(() => c.close())
      )
      const events: Array<string> = []
      nc.subscribe(RunMonitor.subjects(runId).events, {
        callback: (_e, msg) => void events.push(msg.json<{ _tag: string }>()._tag)
      })
      return { nc, events }
    })

  it.live("puts the snapshot in KV (throttled, last one on close) and events on dla.<run>.events", () =>
    Effect.gen(function* () {
      const { nc, events } = yield* natsWithEvents("pub")
      expect(yield* RunMonitor.list(nc)).toEqual([]) // no bucket yet
      expect(yield* RunMonitor.read(nc, "pub")).toEqual(Option.none())
      const monitor = RunMonitor.make("pub")
      const watched = yield* RunMonitor.watch(nc, "pub").pipe(
        Stream.filter((s) => s.status === "failed"),
        Stream.runHead,
        Effect.forkScoped
      )
      // Only a master creates the bucket (RunsKv.setupRun, with the run's replicas); the watcher above,
      // started first, waits for it, and the monitor only writes to it.
      yield* Effect.promise(() => new Kvm(nc).create(RunsKv.runsBucket, { history: 1 }))
      yield* Effect.scoped(
        Effect.gen(function* () {
          yield* RunMonitor.publish(nc, monitor, { interval: "50 millis" })
          monitor.push(started)
          monitor.push(beat("w1", ["t1"], 0))
          monitor.push({ _tag: "WorkerJoined", workerId: "w1" })
          monitor.push({ _tag: "RunFailed", message: "stop" })
          monitor.push({ _tag: "LeaderElected", leaderId: "m", term: 1 })
        })
      )
      const stored = yield* RunMonitor.read(nc, "pub")
      expect(Option.map(stored, (s) => [s.status, s.leader?.term, s.workers.length])).toEqual(
        Option.some(["failed", 1, 1])
      )
      const listed = yield* RunMonitor.list(nc)
      expect(listed.map((s) => s.runId)).toEqual(["pub"])
      yield* Effect.promise(() => nc.flush())
      expect(events).toEqual(["Started", "WorkerJoined", "RunFailed", "LeaderElected"])
      const seen = yield* Fiber.join(watched)
      expect(Option.map(seen, (s) => s.error)).toEqual(Option.some("stop"))
    }).pipe(Effect.scoped)
  )

  it.live(
    "refreshes masterSeenAt each keepAlive without events, so a reader can tell a live master from a dead one",
    () =>
      Effect.gen(function* () {
        const { nc } = yield* natsWithEvents("alive")
        yield* Effect.promise(() => new Kvm(nc).create(RunsKv.runsBucket, { history: 1 }))
        const monitor = RunMonitor.make("alive")
        monitor.push(started)
        yield* RunMonitor.publish(nc, monitor, { interval: "20 millis", keepAlive: "100 millis" })
        yield* Effect.sleep("400 millis")
        const stored = Option.getOrThrow(yield* RunMonitor.read(nc, "alive"))
        expect(stored.masterSeenAt).toBeGreaterThan(monitor.current().updatedAt + 200)
        expect(RunMonitor.silentFor(stored, stored.masterSeenAt + 1000)).toBeUndefined()
        expect(RunMonitor.silentFor(stored, stored.masterSeenAt + 63_000)).toBe(63_000)
      }).pipe(Effect.scoped)
  )

  it.live("publishes nothing while inactive (a standby), and the whole state once active (it took over)", () =>
    Effect.gen(function* () {
      const { nc, events } = yield* natsWithEvents("gated")
      yield* Effect.promise(() => new Kvm(nc).create(RunsKv.runsBucket, { history: 1 })) // as a master does
      const monitor = RunMonitor.make("gated")
      let leading = false
      yield* Effect.scoped(
        Effect.gen(function* () {
          yield* RunMonitor.publish(nc, monitor, { interval: "20 millis", active: () => leading })
          monitor.push({ _tag: "LeaderElected", leaderId: "primary", term: 1 })
          monitor.push(started)
          yield* Effect.sleep("100 millis")
          yield* Effect.promise(() => nc.flush())
          expect(yield* RunMonitor.read(nc, "gated")).toEqual(Option.none())
          expect(events).toEqual([])
          leading = true
          monitor.push({ _tag: "LeaderElected", leaderId: "standby", term: 2 })
        })
      )
      const stored = yield* RunMonitor.read(nc, "gated")
      expect(Option.map(stored, (s) => [s.status, s.leader])).toEqual(
        Option.some(["running", { id: "standby", term: 2 }])
      )
      yield* Effect.promise(() => nc.flush())
      expect(events).toEqual(["LeaderElected"])
    }).pipe(Effect.scoped)
  )
})
