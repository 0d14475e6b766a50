import { rmSync } from "node:fs"
import { join } from "node:path"
import * as AnalyserError from "@dla/analyser/AnalyserError"
import * as CheckpointStore from "@dla/analyser/CheckpointStore"
import * as Fence from "@dla/analyser/Fence"
import * as Heartbeats from "@dla/analyser/Heartbeats"
import * as Master from "@dla/analyser/Master"
import * as ResultChannel from "@dla/analyser/ResultChannel"
import * as Task from "@dla/analyser/Task"
import * as TaskQueue from "@dla/analyser/TaskQueue"
import { Counts, FileAnalysis } from "@dla/core"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Fiber, Layer, Option, PubSub, Queue, Stream } from "effect"
import * as TestClock from "effect/testing/TestClock"
import { checkpoint } from "./support/checkpoint.ts"
import { makeCorpus, sequentialCounts } from "./support/corpus.ts"
import { recordEvents } from "./support/events.ts"
import { failingPublishes } from "./support/outage.ts"

/** `task` counted inline, as worker `workerId` would report it. */
const resultOf = (task: Task.Task, workerId = "fake") =>
  Effect.gen(function* () {
    const counts = Counts.mergeAll(
      yield* Effect.forEach(task.parts, (p) => Effect.promise(() => FileAnalysis.analyseFile(p.path, p)))
    )
    return {
      _tag: "Done",
      runId: task.runId,
      taskId: task.taskId,
      workerId,
      counts: { levels: counts.levels, lines: counts.lines, unmatched: counts.unmatched, bytes: counts.bytes },
      lines: counts.lines,
      bytes: counts.bytes
    } satisfies Task.TaskResult
  })

/** A stand-in worker: counts every task it takes inline and publishes the result `copies` times. */
const fakeWorker = (copies = 1) =>
  Effect.gen(function* () {
    const queue = yield* TaskQueue.TaskQueue
    const channel = yield* ResultChannel.ResultChannel
    const seen: Array<string> = []
    while (true) {
      const next = yield* queue.take
      if (Option.isNone(next)) return seen
      const { task } = next.value
      seen.push(...task.parts.map((p) => p.path))
      const result = yield* resultOf(task)
      for (let i = 0; i < copies; i++) yield* channel.publish([result])
      yield* next.value.ack
    }
  })

/** A result channel without publish-side dedupe, so the master's own dedupe is what is tested. */
const leakyResults = Layer.effect(
  ResultChannel.ResultChannel,
  Effect.gen(function* () {
    const queue = yield* Queue.unbounded<ReadonlyArray<Task.TaskResult>>()
    return ResultChannel.ResultChannel.of({
      publish: (results) => Queue.offer(queue, results).pipe(Effect.asVoid),
      results: Stream.fromQueue(queue),
      rejected: Stream.empty
    })
  })
)

/** The in-process services, with a test's own task queue, result channel or fence in place of the default. */
const services = ({
  queue = TaskQueue.layerMemory(),
  results = ResultChannel.layerMemory,
  fence = Fence.layerUnfenced
}: {
  readonly queue?: Layer.Layer<TaskQueue.TaskQueue>
  readonly results?: Layer.Layer<ResultChannel.ResultChannel>
  readonly fence?: Layer.Layer<Fence.Fence>
} = {}) => Layer.mergeAll(queue, results, Heartbeats.layerMemory, CheckpointStore.layerMemory, fence)

/** The in-process queue, whose first `failures` publishes fail as if NATS were restarting. */
const flakyQueue = (failures: number) =>
  failingPublishes(TaskQueue.TaskQueue, TaskQueue.layerMemory(), failures, "cannot publish tasks: no stream leader")

/**
 * The in-process queue with a worker that lives only while the first tasks go out: inside that publish it takes a
 * task, says so in one heartbeat and is never heard of again (the worker that died right after taking its task).
 */
const queueWithShortLivedWorker = Layer.effect(
  TaskQueue.TaskQueue,
  Effect.gen(function* () {
    const queue = yield* TaskQueue.TaskQueue
    const heartbeats = yield* Heartbeats.Heartbeats
    let first = true
    return TaskQueue.TaskQueue.of({
      ...queue,
      publish: (tasks, generation) =>
        queue.publish(tasks, generation).pipe(
          Effect.andThen(
            Effect.suspend(() => {
              if (!first) return Effect.void
              first = false
              return queue.take.pipe(
                Effect.flatMap((taken) =>
                  heartbeats.beat({
                    workerId: "short-lived",
                    inFlight: Option.toArray(Option.map(taken, (d) => d.task.taskId)),
                    done: 0
                  })
                )
              )
            })
          )
        )
    })
  })
).pipe(Layer.provide(TaskQueue.layerMemory()))

describe("Master", () => {
  it.live(
    "listens to heartbeats before its tasks go out: a worker that dies at once is failed, its task requeued",
    () =>
      Effect.gen(function* () {
        const dir = makeCorpus({ files: 3, lines: 50 })
        const worker = yield* fakeWorker().pipe(Effect.forkChild)
        const summary = yield* Master.run({ runId: "short", root: dir, heartbeatTimeout: "300 millis" })
        expect(summary.failedWorkers).toEqual(["short-lived"])
        expect(summary.requeuedTasks).toBe(1)
        expect(summary.counts).toEqual(yield* Effect.promise(() => sequentialCounts(dir)))
        yield* Fiber.join(worker)
        rmSync(dir, { recursive: true })
      }).pipe(
        // The queue's ack wait (30 s) would hand the task back eventually: finishing well before means it was requeued.
        Effect.timeout("10 seconds"),
        Effect.provide(
          Layer.mergeAll(
            queueWithShortLivedWorker,
            ResultChannel.layerMemory,
            CheckpointStore.layerMemory,
            Fence.layerUnfenced
          ).pipe(Layer.provideMerge(Heartbeats.layerMemory))
        )
      )
  )

  it.effect("a worker silent past the heartbeat timeout is failed when the clock says so (TestClock, no sleeps)", () =>
    Effect.gen(function* () {
      const dir = makeCorpus({ files: 3, lines: 50 })
      const recorded = yield* recordEvents
      const master = yield* Master.run({ runId: "clock", root: dir, heartbeatTimeout: "5 seconds" }).pipe(
        Effect.provideService(Master.Events, recorded.hub),
        Effect.forkChild
      )
      // The silent worker: it takes a task (so the master listens already), says so once, and is never heard again.
      const queue = yield* TaskQueue.TaskQueue
      const taken = Option.getOrThrow(yield* queue.take)
      yield* Heartbeats.Heartbeats.use((h) => h.beat({ workerId: "silent", inFlight: [taken.task.taskId], done: 0 }))
      const failed = recorded.events.pipe(Effect.map((events) => events.filter((e) => e._tag === "WorkerFailed")))
      // The clock moves a tick (250 ms) at a time, as it does for a master that runs: one jump of seconds would be
      // a master held up that long, deaf to heartbeats (see Scheduler's deafMs), which fails nobody.
      const advance = (ms: number) =>
        Effect.forEach(Array.from({ length: ms / 250 }), () => TestClock.adjust("250 millis"), { discard: true })
      yield* advance(4000)
      expect(yield* failed).toEqual([])
      yield* advance(2000)
      expect(yield* failed).toEqual([
        { _tag: "WorkerFailed", workerId: "silent", requeued: [taken.task.parts[0].path] }
      ])
      // A live worker does the rest, the requeued task included.
      yield* fakeWorker().pipe(Effect.forkChild)
      const summary = yield* Fiber.join(master)
      expect(summary).toMatchObject({ failedWorkers: ["silent"], requeuedTasks: 1, filesProcessed: 3 })
      rmSync(dir, { recursive: true })
    }).pipe(Effect.provide(services()))
  )

  it.live(
    "a worker killed mid-batch (results of some tasks out, none acked) costs nothing: its tasks come back, each counts once",
    () =>
      Effect.gen(function* () {
        const dir = makeCorpus({ files: 4, lines: 50 })
        const master = yield* Master.run({ runId: "batch", root: dir, taskBytes: 0 }).pipe(Effect.forkChild)
        // The worker that dies: it takes every task, gets one batch out (the results of two of them, one twice over)
        // and is killed before it acks anything or hands anything back.
        const queue = yield* TaskQueue.TaskQueue
        const taken = yield* Effect.forEach(Array.from({ length: 4 }), () =>
          queue.take.pipe(Effect.map(Option.getOrThrow))
        )
        const [first, second] = yield* Effect.forEach(taken.slice(0, 2), (d) => resultOf(d.task, "killed"))
        yield* ResultChannel.ResultChannel.use((c) => c.publish([first!, second!, first!]))
        // After the ack wait every task is delivered again, to a live worker that counts all four anew.
        const live = yield* fakeWorker().pipe(Effect.forkChild)
        const summary = yield* Fiber.join(master)
        expect(summary.counts).toEqual(yield* Effect.promise(() => sequentialCounts(dir)))
        expect(summary.filesProcessed).toBe(4)
        expect(summary.duplicateResults).toBe(3)
        expect(summary.workers).toEqual([])
        expect(yield* Fiber.join(live)).toHaveLength(4)
        rmSync(dir, { recursive: true })
      }).pipe(
        Effect.timeout("20 seconds"),
        // Without the channel's dedupe on publish: the master's own per-task dedupe is what keeps the counts exact.
        Effect.provide(services({ queue: TaskQueue.layerMemory({ ackWait: "500 millis" }), results: leakyResults }))
      )
  )

  // Issue 13 item 1: the master's events leave it on a PubSub. A reader subscribed before the run starts gets every
  // one, in order; a reader that never reads does not hold the master up (the hub is unbounded), and loses nothing.
  it.live("a reader subscribed before the run gets every event; one that never reads neither stalls nor loses", () =>
    Effect.gen(function* () {
      const dir = makeCorpus({ files: 6, lines: 100 })
      const reader = yield* recordEvents
      const idle = yield* PubSub.subscribe(reader.hub) // never read while the run goes on
      const worker = yield* fakeWorker().pipe(Effect.forkChild)
      const summary = yield* Master.run({ runId: "events", root: dir, taskBytes: 0 }).pipe(
        Effect.provideService(Master.Events, reader.hub),
        Effect.timeout("30 seconds")
      )
      yield* Fiber.join(worker)
      const events = yield* reader.events
      const tags = events.map((e) => e._tag)
      expect(tags[0]).toBe("Started")
      expect(tags.filter((t) => t === "Progress")).toHaveLength(summary.tasks)
      expect(tags.at(-1)).toBe("CheckpointSaved")
      expect(yield* PubSub.takeAll(idle)).toEqual(events)
      rmSync(dir, { recursive: true })
    }).pipe(Effect.provide(services()))
  )

  it.live("rides out a transport outage while it publishes the run's tasks", () =>
    Effect.gen(function* () {
      const dir = makeCorpus({ files: 3, lines: 50 })
      const worker = yield* fakeWorker().pipe(Effect.forkChild)
      const summary = yield* Master.run({ runId: "outage", root: dir })
      expect(summary.counts).toEqual(yield* Effect.promise(() => sequentialCounts(dir)))
      expect(summary.filesProcessed).toBe(3)
      yield* Fiber.join(worker)
      rmSync(dir, { recursive: true })
    }).pipe(Effect.provide(services({ queue: flakyQueue(2) })))
  )

  it.live("counts a duplicated result once", () =>
    Effect.gen(function* () {
      const dir = makeCorpus({ files: 5, lines: 100 })
      const worker = yield* fakeWorker(2).pipe(Effect.forkChild)
      const summary = yield* Master.run({ runId: "dup", root: dir })
      expect(summary.counts).toEqual(yield* Effect.promise(() => sequentialCounts(dir)))
      expect(summary.duplicateResults).toBeGreaterThan(0)
      expect(summary.filesProcessed).toBe(5)
      yield* Fiber.join(worker)
      rmSync(dir, { recursive: true })
    }).pipe(Effect.provide(services({ results: leakyResults })))
  )

  it.live("resumes from a checkpoint: skips the tasks it holds and reports the files already processed", () =>
    Effect.gen(function* () {
      const dir = makeCorpus({ files: 4, lines: 100 })
      const first = join(dir, "node-000.log")
      const counted = yield* Effect.promise(() => FileAnalysis.analyseFile(first))
      const store = yield* CheckpointStore.CheckpointStore
      yield* store.save(
        checkpoint("resume", 7, {
          counts: counted.levels,
          lines: counted.lines,
          unmatched: counted.unmatched,
          bytes: counted.bytes,
          processed_files: [first],
          completed_tasks: [Task.taskId([{ rel: "node-000.log", range: { start: 0, end: counted.bytes } }])]
        })
      )
      const recorded = yield* recordEvents
      const worker = yield* fakeWorker().pipe(Effect.forkChild)
      const summary = yield* Master.run({ runId: "resume", root: dir }).pipe(
        Effect.provideService(Master.Events, recorded.hub)
      )
      expect(yield* recorded.events).toContainEqual({ _tag: "Resumed", filesAlreadyProcessed: 1, tasksAlreadyDone: 1 })
      expect(summary.counts).toEqual(yield* Effect.promise(() => sequentialCounts(dir)))
      expect(summary.filesAlreadyProcessed).toBe(1)
      expect(yield* Fiber.join(worker)).not.toContain(first)
      const saved = yield* store.load
      expect(Option.map(saved, (c) => [c.sequence > 7, c.complete, c.processed_files.length])).toEqual(
        Option.some([true, true, 4])
      )
      rmSync(dir, { recursive: true })
    }).pipe(Effect.provide(services()))
  )

  it.live("a fresh start ignores the checkpoint's state but numbers its own checkpoints after it", () =>
    Effect.gen(function* () {
      const dir = makeCorpus({ files: 2, lines: 50 })
      const store = yield* CheckpointStore.CheckpointStore
      yield* store.save(checkpoint("fresh", 41, { counts: { FATAL: 1_000 }, lines: 1_000, bytes: 1 }))
      const worker = yield* fakeWorker().pipe(Effect.forkChild)
      const summary = yield* Master.run({ runId: "fresh", root: dir, fresh: true })
      expect(summary.counts).toEqual(yield* Effect.promise(() => sequentialCounts(dir)))
      expect(summary.filesAlreadyProcessed).toBe(0)
      expect(Option.map(yield* store.load, (c) => c.sequence > 41)).toEqual(Option.some(true))
      yield* Fiber.join(worker)
      rmSync(dir, { recursive: true })
    }).pipe(Effect.provide(services()))
  )

  it.live("a fenced-out master writes nothing: no task published, no checkpoint", () =>
    Effect.gen(function* () {
      const dir = makeCorpus({ files: 2, lines: 10 })
      const error = yield* Master.run({ runId: "fenced", root: dir }).pipe(Effect.flip)
      expect(error).toMatchObject({ _tag: "AnalyserError", reason: "Fenced" })
      expect(yield* TaskQueue.TaskQueue.use((q) => q.outstanding)).toBe(0)
      expect(yield* CheckpointStore.CheckpointStore.use((s) => s.load)).toEqual(Option.none())
      rmSync(dir, { recursive: true })
    }).pipe(
      Effect.provide(
        services({
          fence: Layer.succeed(
            Fence.Fence,
            Fence.Fence.of({
              guard: () => Effect.fail(AnalyserError.make("Fenced", "another master leads this run")),
              writeKv: () => Effect.fail(AnalyserError.make("Fenced", "another master leads this run")),
              adoptKv: () => Effect.fail(AnalyserError.make("Fenced", "another master leads this run"))
            })
          )
        })
      )
    )
  )

  it.live("an empty directory is an Input error", () =>
    Effect.gen(function* () {
      const dir = makeCorpus({ files: 0, lines: 0 })
      const error = yield* Master.run({ runId: "empty", root: dir }).pipe(Effect.flip)
      expect(error).toMatchObject({ reason: "Input", message: expect.stringContaining("no log files") })
    }).pipe(Effect.provide(services()))
  )
})
