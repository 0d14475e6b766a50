/**
 * One conformance suite for every implementation of the analyser's services: the master and worker logic relies
 * on exactly these behaviours, whatever carries the messages.
 */

import type * as AnalyserError from "@dla/analyser/AnalyserError"
import { CheckpointStore } from "@dla/analyser/CheckpointStore"
import { Heartbeats } from "@dla/analyser/Heartbeats"
import { ResultChannel } from "@dla/analyser/ResultChannel"
import type { Task, TaskResult } from "@dla/analyser/Task"
import { TaskQueue } from "@dla/analyser/TaskQueue"
import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Fiber, type Layer, Option, Schedule, Stream } from "effect"
import { checkpoint as makeCheckpoint } from "../support/checkpoint.ts"

export type Services = TaskQueue | ResultChannel | Heartbeats | CheckpointStore

export interface Implementation {
  readonly name: string
  /** Fresh services for a new run id. */
  readonly layer: (
    runId: string,
    options: { readonly ackWait: Duration.Input; readonly maxDeliveries: number }
  ) => Layer.Layer<Services, AnalyserError.AnalyserError>
}

let runs = 0
const nextRunId = () => `conf${process.pid}x${++runs}`

const task = (runId: string, n: number): Task => ({
  runId,
  taskId: `t${n}`,
  parts: [{ path: `/logs/${n}.log`, range: { start: 0, end: 100 * n }, size: 100 * n }]
})

const done = (runId: string, taskId: string, workerId = "w1"): TaskResult => ({
  _tag: "Done",
  runId,
  taskId,
  workerId,
  counts: { levels: { INFO: 2 }, lines: 3, unmatched: 1, bytes: 10 },
  lines: 3,
  bytes: 10
})

const checkpoint = (runId: string, sequence: number) =>
  makeCheckpoint(runId, sequence, { counts: { INFO: sequence }, lines: sequence, completed_tasks: [`t${sequence}`] })

const takeSome = TaskQueue.use((queue) =>
  queue.take.pipe(Effect.map((d) => Option.getOrThrowWith(d, () => new Error("queue closed"))))
)

/** A take that finds nothing within `ms` gives None. */
const takeWithin = (ms: number) =>
  TaskQueue.use((queue) => queue.take.pipe(Effect.timeoutOption(Duration.millis(ms)), Effect.map(Option.flatten)))

/** Asserts the queue is done with: nothing more to take (within 300 ms) and nothing outstanding. */
const expectDrained = Effect.gen(function* () {
  expect(yield* takeWithin(300)).toEqual(Option.none())
  expect(yield* (yield* TaskQueue).outstanding).toBe(0)
})

export const conformance = (impl: Implementation) =>
  describe(`conformance: ${impl.name}`, () => {
    const run = <A, E>(
      body: (runId: string) => Effect.Effect<A, E, Services>,
      options = { ackWait: Duration.seconds(30) as Duration.Input, maxDeliveries: 3 }
    ) => {
      const runId = nextRunId()
      return body(runId).pipe(Effect.provide(impl.layer(runId, options)))
    }
    /** A test on a run of its own. */
    const test = <A, E>(name: string, ...args: Parameters<typeof run<A, E>>) => it.live(name, () => run(...args))

    test("delivers every published task once; acked tasks are no longer outstanding", (runId) =>
      Effect.gen(function* () {
        const queue = yield* TaskQueue
        yield* queue.publish([task(runId, 1), task(runId, 2), task(runId, 3)], 0)
        const seen: Array<string> = []
        for (let i = 0; i < 3; i++) {
          const delivery = yield* takeSome
          expect(delivery.attempt).toBe(1)
          seen.push(delivery.task.taskId)
          yield* delivery.ack
        }
        expect(seen.sort()).toEqual(["t1", "t2", "t3"])
        yield* expectDrained
      }))

    test("publishing the same task and generation twice adds nothing; a new generation requeues it", (runId) =>
      Effect.gen(function* () {
        const queue = yield* TaskQueue
        yield* queue.publish([task(runId, 1)], 0)
        yield* queue.publish([task(runId, 1)], 0)
        yield* (yield* takeSome).ack
        expect(yield* takeWithin(300)).toEqual(Option.none())
        yield* queue.publish([task(runId, 1)], 1)
        const again = yield* takeSome
        expect(again.task.taskId).toBe("t1")
        yield* again.ack
      }))

    test(
      "redelivers a task not acked within the ack wait, unless the worker reports progress",
      (runId) =>
        Effect.gen(function* () {
          const queue = yield* TaskQueue
          yield* queue.publish([task(runId, 1), task(runId, 2)], 0)
          const kept = yield* takeSome
          const progress = yield* kept.working.pipe(Effect.repeat(Schedule.spaced("150 millis")), Effect.forkChild)
          const dropped = yield* takeSome
          expect(dropped.task.taskId).not.toBe(kept.task.taskId)
          const redelivered = yield* takeSome
          expect(redelivered.task.taskId).toBe(dropped.task.taskId)
          expect(redelivered.attempt).toBe(2)
          yield* redelivered.ack
          yield* Fiber.interrupt(progress)
          yield* kept.ack
          expect(yield* takeWithin(300)).toEqual(Option.none())
        }),
      { ackWait: Duration.millis(600), maxDeliveries: 3 }
    )

    test("an ack can be repeated (a worker retries one whose answer was lost) and the task stays done", (runId) =>
      Effect.gen(function* () {
        const queue = yield* TaskQueue
        yield* queue.publish([task(runId, 1)], 0)
        const delivery = yield* takeSome
        yield* delivery.ack
        yield* delivery.ack
        yield* expectDrained
      }))

    test("a task handed back with a delay stays outstanding and comes back only after the delay", (runId) =>
      Effect.gen(function* () {
        const queue = yield* TaskQueue
        yield* queue.publish([task(runId, 1)], 0)
        const handedBack = Date.now()
        yield* (yield* takeSome).nak(Duration.millis(1200))
        expect(yield* queue.outstanding).toBe(1)
        // One take, left waiting (an abandoned take could be handed the task and spend a delivery on it).
        const again = yield* takeWithin(4000)
        expect(Option.map(again, (d) => [d.task.taskId, d.attempt])).toEqual(Option.some(["t1", 2]))
        // A lower bound only: it may come back late on a busy machine, never early.
        expect(Date.now() - handedBack).toBeGreaterThanOrEqual(1100)
        yield* Option.getOrThrow(again).ack
      }))

    test(
      "reports a task given up after max deliveries, and never delivers it again",
      (runId) =>
        Effect.gen(function* () {
          const queue = yield* TaskQueue
          const poisoned = yield* queue.poisoned.pipe(Stream.runHead, Effect.forkChild)
          yield* Effect.sleep("200 millis") // the master listens before tasks go out
          yield* queue.publish([task(runId, 7)], 0)
          yield* (yield* takeSome).nak()
          const last = yield* takeSome
          expect(last.attempt).toBe(2)
          yield* last.nak()
          // Workers keep pulling meanwhile (JetStream gives a task up when it would deliver it again).
          const [given, next] = yield* Effect.all([Fiber.join(poisoned), takeWithin(1500)], { concurrency: 2 })
          expect(given).toEqual(Option.some({ taskId: "t7", deliveries: 2 }))
          expect(next).toEqual(Option.none())
        }),
      { ackWait: Duration.seconds(30), maxDeliveries: 2 }
    )

    test("take gives None once the run's queue is closed", (runId) =>
      Effect.gen(function* () {
        const queue = yield* TaskQueue
        yield* queue.publish([task(runId, 1)], 0)
        yield* (yield* takeSome).ack
        yield* queue.close
        expect(yield* queue.take).toEqual(Option.none())
      }))

    test("results: published before the master reads are replayed, a task's result only once", (runId) =>
      Effect.gen(function* () {
        const channel = yield* ResultChannel
        yield* channel.publish([done(runId, "t1")])
        yield* channel.publish([done(runId, "t1", "w2")])
        yield* channel.publish([done(runId, "t2")])
        const results = yield* channel.results.pipe(Stream.flattenIterable, Stream.take(2), Stream.runCollect)
        expect(results.map((r) => [r.taskId, r.workerId])).toEqual([
          ["t1", "w1"],
          ["t2", "w1"]
        ])
      }))

    test("results: a batch arrives as one batch; the same batch again adds nothing", (runId) =>
      Effect.gen(function* () {
        const channel = yield* ResultChannel
        const batch = [done(runId, "t1"), done(runId, "t2"), done(runId, "t3")]
        yield* channel.publish(batch)
        yield* channel.publish(batch) // a worker that retries a publish whose answer was lost
        yield* channel.publish([done(runId, "t4")])
        const read = yield* channel.results.pipe(Stream.take(2), Stream.runCollect)
        expect(read.map((b) => b.map((r) => r.taskId))).toEqual([["t1", "t2", "t3"], ["t4"]])
      }))

    test("heartbeats reach the master", () =>
      Effect.gen(function* () {
        const heartbeats = yield* Heartbeats
        // Listening is in place once `listen` returns: no wait is needed before the beat.
        const beats = yield* heartbeats.listen
        yield* heartbeats.beat({ workerId: "w1", inFlight: ["t1"], done: 4 })
        const first = yield* beats.pipe(Stream.runHead, Effect.timeout("5 seconds"))
        expect(first).toEqual(Option.some({ workerId: "w1", inFlight: ["t1"], done: 4 }))
      }).pipe(Effect.scoped))

    test("checkpoints: none at first, then the last one saved", (runId) =>
      Effect.gen(function* () {
        const store = yield* CheckpointStore
        expect(yield* store.load).toEqual(Option.none())
        yield* store.save(checkpoint(runId, 1))
        yield* store.save(checkpoint(runId, 2))
        const loaded = yield* store.load
        expect(Option.map(loaded, (c) => [c.sequence, c.completed_tasks, c.counts])).toEqual(
          Option.some([2, ["t2"], { INFO: 2 }])
        )
      }))
  })
