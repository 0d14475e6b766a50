import * as Counter from "@dla/analyser/Counter"
import * as Heartbeats from "@dla/analyser/Heartbeats"
import * as ResultChannel from "@dla/analyser/ResultChannel"
import type * as Task from "@dla/analyser/Task"
import * as TaskQueue from "@dla/analyser/TaskQueue"
import * as Worker from "@dla/analyser/Worker"
import { Counts } from "@dla/core"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Fiber, Latch, Layer, Option, Stream } from "effect"
import { failingPublishes } from "./support/outage.ts"

const task = (n: number): Task.Task => ({
  runId: "w",
  taskId: `t${n}`,
  parts: [{ path: `/logs/${n}.log`, range: { start: 0, end: 10 }, size: 10 }]
})

const oneLine = { levels: { INFO: 1 }, lines: 1, unmatched: 0, bytes: 10 }
const counted = { counts: oneLine, skipped: [], files: [{ path: "/logs/1.log", format: "generator", ...oneLine }] }

const counter = (count: Counter.Counter["Service"]["count"]) =>
  Layer.succeed(Counter.Counter, Counter.Counter.of({ count }))

const services = Layer.mergeAll(TaskQueue.layerMemory(), ResultChannel.layerMemory, Heartbeats.layerMemory)

describe("Worker", () => {
  it.live("publishes one result per task (a file it cannot count set aside) and stops when the queue closes", () =>
    Effect.gen(function* () {
      const queue = yield* TaskQueue.TaskQueue
      yield* queue.publish([task(1), task(2)], 0)
      const worker = yield* Worker.run({ workerId: "w1" }).pipe(
        Effect.provide(
          counter((t) =>
            Effect.succeed(
              t.taskId === "t1"
                ? { counts: oneLine, skipped: [], files: [{ path: t.parts[0].path, format: "generator", ...oneLine }] }
                : {
                    counts: Counts.empty,
                    files: [],
                    skipped: [{ path: t.parts[0].path, error: "no such file or directory", binary: false }]
                  }
            )
          )
        ),
        Effect.scoped,
        Effect.forkChild
      )
      const results = yield* ResultChannel.ResultChannel.use((c) =>
        c.results.pipe(Stream.flattenIterable, Stream.take(2), Stream.runCollect)
      )
      expect(results.map((r) => [r.taskId, r._tag, r._tag === "Done" ? (r.skipped ?? []).length : -1])).toEqual([
        ["t1", "Done", 0],
        ["t2", "Done", 1]
      ])
      expect(yield* queue.outstanding).toBe(0)
      yield* queue.close
      expect(yield* Fiber.join(worker)).toEqual({ workerId: "w1", tasks: 1, failedTasks: 1 })
    }).pipe(Effect.provide(services))
  )

  it.live("a worker stopped mid-task hands the task back at once", () =>
    Effect.gen(function* () {
      const queue = yield* TaskQueue.TaskQueue
      yield* queue.publish([task(1)], 0)
      const started = yield* Latch.make()
      const worker = yield* Worker.run({ onTask: (e) => e._tag === "TaskStarted" && started.openUnsafe() }).pipe(
        Effect.provide(counter(() => Effect.never)),
        Effect.scoped,
        Effect.forkChild
      )
      yield* started.await
      yield* Fiber.interrupt(worker)
      // The ack wait is 30 s: getting the task back within a second means it was handed back.
      const again = yield* queue.take.pipe(Effect.timeoutOption("1 second"), Effect.map(Option.flatten))
      expect(Option.map(again, (d) => [d.task.taskId, d.attempt])).toEqual(Option.some(["t1", 2]))
    }).pipe(Effect.provide(services))
  )

  /** The in-process channel, failing like a NATS cluster electing a leader for the first `failures` publishes. */
  const flakyResults = (failures: number) =>
    failingPublishes(
      ResultChannel.ResultChannel,
      ResultChannel.layerMemory,
      failures,
      "cannot publish a result: no stream leader"
    )

  it.live("holds a counted task through a transport outage: counted once, delivered once, result published", () =>
    Effect.gen(function* () {
      const queue = yield* TaskQueue.TaskQueue
      yield* queue.publish([task(1)], 0)
      const events: Array<string> = []
      let countedTimes = 0
      const worker = yield* Worker.run({ workerId: "w3", onTask: (e) => events.push(`${e._tag} ${e.taskId}`) }).pipe(
        Effect.provide(counter(() => Effect.sync(() => ++countedTimes).pipe(Effect.as(counted)))),
        Effect.scoped,
        Effect.forkChild
      )
      const result = yield* ResultChannel.ResultChannel.use((c) =>
        c.results.pipe(Stream.flattenIterable, Stream.runHead)
      )
      expect(Option.map(result, (r) => r.taskId)).toEqual(Option.some("t1"))
      expect(yield* queue.outstanding).toBe(0)
      yield* queue.close
      expect(yield* Fiber.join(worker)).toEqual({ workerId: "w3", tasks: 1, failedTasks: 0 })
      expect(countedTimes).toBe(1)
      expect(events).toEqual(["TaskStarted t1", "TaskRetrying t1", "TaskFinished t1"])
    }).pipe(
      Effect.timeout("10 seconds"),
      Effect.provide(Layer.mergeAll(TaskQueue.layerMemory(), flakyResults(5), Heartbeats.layerMemory))
    )
  )

  it.live("hands a task back after holding it for holdFor, for a later delivery rather than at once", () =>
    Effect.gen(function* () {
      const queue = yield* TaskQueue.TaskQueue
      yield* queue.publish([task(1)], 0)
      const deferred = yield* Latch.make()
      let retryIn = 0
      let started = 0
      yield* Worker.run({
        holdFor: "300 millis",
        onTask: (e) => {
          if (e._tag === "TaskStarted") started++
          if (e._tag !== "TaskDeferred") return
          retryIn = e.retryIn
          deferred.openUnsafe()
        }
      }).pipe(
        Effect.provide(counter(() => Effect.succeed(counted))),
        Effect.provide(flakyResults(Number.POSITIVE_INFINITY)),
        Effect.scoped,
        Effect.forkChild
      )
      yield* deferred.await
      expect(retryIn).toBeGreaterThan(1000)
      // Still held by the queue, and not delivered again before the pause although the worker is taking meanwhile.
      yield* Effect.sleep("1 second")
      expect(yield* queue.outstanding).toBe(1)
      expect(started).toBe(1)
    }).pipe(
      Effect.timeout("10 seconds"),
      Effect.provide(Layer.mergeAll(TaskQueue.layerMemory(), Heartbeats.layerMemory))
    )
  )

  it.live("counts on while a result waits for the transport; the results ready meanwhile leave as one batch", () =>
    Effect.gen(function* () {
      const queue = yield* TaskQueue.TaskQueue
      yield* queue.publish([task(1), task(2), task(3)], 0)
      const channel = yield* ResultChannel.ResultChannel
      // The first publish is held until all three tasks are counted: a worker that waited for its result to be out
      // before taking the next task would never count the others, and the timeout below fails the test.
      const allCounted = yield* Latch.make()
      let counting = 0
      let publishes = 0
      const slowFirst = Layer.succeed(
        ResultChannel.ResultChannel,
        ResultChannel.ResultChannel.of({
          ...channel,
          publish: (results) =>
            (publishes++ === 0 ? allCounted.await : Effect.void).pipe(Effect.andThen(channel.publish(results)))
        })
      )
      const worker = yield* Worker.run({ workerId: "w4" }).pipe(
        Effect.provide(
          // Counting takes a moment, as it does: t1's result is on its way before t2 is counted.
          counter(() =>
            Effect.sleep("20 millis").pipe(
              Effect.andThen(
                Effect.sync(() => {
                  if (++counting === 3) allCounted.openUnsafe()
                })
              ),
              Effect.as(counted)
            )
          )
        ),
        Effect.provide(slowFirst),
        Effect.scoped,
        Effect.forkChild
      )
      const batches = yield* channel.results.pipe(Stream.take(2), Stream.runCollect)
      expect(batches.map((b) => b.map((r) => r.taskId))).toEqual([["t1"], ["t2", "t3"]])
      yield* queue.close
      expect(yield* Fiber.join(worker)).toEqual({ workerId: "w4", tasks: 3, failedTasks: 0 })
      expect(yield* queue.outstanding).toBe(0)
    }).pipe(Effect.timeout("5 seconds"), Effect.provide(services))
  )

  it.live("with concurrency 2 a worker holds its next task while it counts the current one", () =>
    Effect.gen(function* () {
      const queue = yield* TaskQueue.TaskQueue
      yield* queue.publish([task(1), task(2), task(3)], 0)
      // Counting finishes only once two tasks are being counted at the same time: a worker taking one task at a
      // time never gets there, and the timeout below fails the test.
      const bothHeld = yield* Latch.make()
      let counting = 0
      const worker = yield* Worker.run({ workerId: "w2", concurrency: 2 }).pipe(
        Effect.provide(
          counter(() =>
            Effect.sync(() => {
              if (++counting >= 2) bothHeld.openUnsafe()
            }).pipe(Effect.andThen(bothHeld.await), Effect.as(counted))
          )
        ),
        Effect.scoped,
        Effect.forkChild
      )
      const results = yield* ResultChannel.ResultChannel.use((c) =>
        c.results.pipe(Stream.flattenIterable, Stream.take(3), Stream.runCollect)
      )
      expect(results.map((r) => r.taskId).sort()).toEqual(["t1", "t2", "t3"])
      yield* queue.close
      expect(yield* Fiber.join(worker)).toEqual({ workerId: "w2", tasks: 3, failedTasks: 0 })
    }).pipe(Effect.timeout("5 seconds"), Effect.provide(services))
  )
})
