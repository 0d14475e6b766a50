import type { Task } from "@dla/analyser"
import * as TaskQueue from "@dla/analyser/TaskQueue"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Option } from "effect"
import * as TestClock from "effect/testing/TestClock"

const task: Task.Task = { runId: "q", taskId: "t", parts: [{ path: "a.log", range: { start: 0, end: 1 }, size: 1 }] }

describe("TaskQueue.layerMemory", () => {
  it.effect("redelivers a task not acked within the ack wait when the clock says so (TestClock, no sleeps)", () =>
    Effect.gen(function* () {
      const queue = yield* TaskQueue.TaskQueue
      yield* queue.publish([task], 0)
      const first = Option.getOrThrow(yield* queue.take)
      expect(first.attempt).toBe(1)
      yield* TestClock.adjust("9 seconds")
      expect(yield* queue.outstanding).toBe(1) // still in flight: 9 s < the 10 s ack wait
      yield* first.working // the worker says it still works: the wait starts again
      yield* TestClock.adjust("9 seconds")
      yield* TestClock.adjust("3 seconds")
      const second = Option.getOrThrow(yield* queue.take)
      expect(second.attempt).toBe(2)
      yield* second.ack
      expect(yield* queue.outstanding).toBe(0)
    }).pipe(Effect.provide(TaskQueue.layerMemory({ ackWait: "10 seconds" })))
  )
})
