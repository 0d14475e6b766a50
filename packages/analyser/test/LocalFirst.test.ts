import * as Counter from "@dla/analyser/Counter"
import * as Fence from "@dla/analyser/Fence"
import * as Heartbeats from "@dla/analyser/Heartbeats"
import { Distributed } from "@dla/analyser/nats"
import * as ResultChannel from "@dla/analyser/ResultChannel"
import type { Task, TaskResult } from "@dla/analyser/Task"
import * as TaskQueue from "@dla/analyser/TaskQueue"
import { natsPerFile } from "@dla/testing"
import { describe, expect, it } from "@effect/vitest"
import { connect } from "@nats-io/transport-node"
import { Context, Deferred, Duration, Effect, Fiber, Layer, Option, Stream } from "effect"
import { TestClock } from "effect/testing"
import * as LocalFirst from "../src/internal/localFirst.ts"
import { makeCorpus, sequentialCounts } from "./support/corpus.ts"

const nats = natsPerFile()

const task = (n: number): Task => ({
  runId: "r",
  taskId: `t${n}`,
  parts: [{ path: `/logs/${n}.log`, range: { start: 0, end: 100 }, size: 100 }]
})

const result = (taskId: string, workerId: string): TaskResult => ({
  _tag: "Done",
  runId: "r",
  taskId,
  workerId,
  counts: { levels: { INFO: 1 }, lines: 1, unmatched: 0, bytes: 10 },
  lines: 1,
  bytes: 10
})

const beat = (workerId: string, inFlight: ReadonlyArray<string> = []) => ({ workerId, inFlight, done: 0 })

/** A local-first pair over in-memory "shared" services (what NATS is in a real run). */
const setup = (maxDeliveries = 3) =>
  Effect.gen(function* () {
    const shared = yield* Layer.build(
      Layer.mergeAll(TaskQueue.layerMemory({ maxDeliveries }), ResultChannel.layerMemory, Heartbeats.layerMemory)
    )
    const sharedServices = {
      queue: Context.get(shared, TaskQueue.TaskQueue),
      channel: Context.get(shared, ResultChannel.ResultChannel),
      heartbeats: Context.get(shared, Heartbeats.Heartbeats)
    }
    const localFirst = yield* LocalFirst.make({ maxDeliveries, guard: (action) => action })
    const services = (context: Context.Context<LocalFirst.Services>) => ({
      queue: Context.get(context, TaskQueue.TaskQueue),
      channel: Context.get(context, ResultChannel.ResultChannel),
      heartbeats: Context.get(context, Heartbeats.Heartbeats)
    })
    return {
      shared: sharedServices,
      local: services(localFirst.local),
      attach: () => services(localFirst.attach(sharedServices)),
      isShared: localFirst.isShared
    }
  })

const taken = (queue: TaskQueue.TaskQueue["Service"]) =>
  queue.take.pipe(Effect.map((d) => Option.getOrThrowWith(d, () => new Error("queue closed"))))

/** A take that finds nothing within `ms` gives None. */
const takeWithin = (queue: TaskQueue.TaskQueue["Service"], ms: number) =>
  queue.take.pipe(Effect.timeoutOption(Duration.millis(ms)), Effect.map(Option.flatten))

describe("localFirst", () => {
  it.live(
    "until another worker beats, the master's tasks and results stay in process: none reach the shared ones",
    () =>
      Effect.gen(function* () {
        const { shared, local, attach } = yield* setup()
        const master = attach()
        yield* master.queue.publish([task(1), task(2)], 0)
        const first = yield* taken(local.queue)
        const second = yield* taken(local.queue)
        expect([first.task.taskId, second.task.taskId]).toEqual(["t1", "t2"])
        expect(yield* master.queue.outstanding).toBe(2)
        expect(yield* shared.queue.outstanding).toBe(0)
        yield* local.channel.publish([result("t1", "local-1")])
        const heard = yield* master.channel.results.pipe(Stream.take(1), Stream.runCollect)
        expect(heard.map((batch) => batch.map((r) => r.taskId))).toEqual([["t1"]])
        yield* first.ack
        yield* second.ack
        yield* first.ack // an ack repeated changes nothing
        expect(yield* master.queue.outstanding).toBe(0)
        expect(yield* takeWithin(shared.queue, 100)).toEqual(Option.none())
      }).pipe(Effect.scoped)
  )

  it.live("tasks published before the master attaches are taken at once; its same publish adds nothing", () =>
    Effect.gen(function* () {
      const { local, attach } = yield* setup()
      yield* local.queue.publish([task(1), task(2)], 0)
      yield* (yield* taken(local.queue)).ack
      const master = attach()
      yield* master.queue.publish([task(1), task(2)], 0)
      expect((yield* taken(local.queue)).task.taskId).toBe("t2")
      expect(yield* takeWithin(local.queue, 100)).toEqual(Option.none())
      // A new generation is a requeue: delivered again.
      yield* master.queue.publish([task(1)], 1)
      expect((yield* taken(local.queue)).task.taskId).toBe("t1")
    }).pipe(Effect.scoped)
  )

  it.live("the first beat from elsewhere moves the untaken tasks to the shared queue, where every worker takes", () =>
    Effect.gen(function* () {
      const { shared, local, attach, isShared } = yield* setup()
      const master = attach()
      const heard = yield* master.heartbeats.listen
      const beats = yield* heard.pipe(Stream.take(2), Stream.runCollect, Effect.forkChild)
      yield* master.queue.publish([task(1), task(2), task(3)], 0)
      const held = yield* taken(local.queue)
      yield* local.heartbeats.beat(beat("local-1", ["t1"]))
      expect(yield* isShared).toBe(false)
      yield* shared.heartbeats.beat(beat("remote"))
      expect((yield* Fiber.join(beats)).map((b) => b.workerId).sort()).toEqual(["local-1", "remote"])
      expect(yield* isShared).toBe(true)
      const remote = yield* taken(shared.queue)
      const localAgain = yield* taken(local.queue)
      expect([held.task.taskId, remote.task.taskId, localAgain.task.taskId]).toEqual(["t1", "t2", "t3"])
      // From now on the master's publishes go to the shared queue too.
      yield* master.queue.publish([task(4)], 0)
      expect((yield* taken(shared.queue)).task.taskId).toBe("t4")
      // The local task held since before the switch still counts as outstanding.
      expect(yield* master.queue.outstanding).toBe(4)
      yield* held.ack
      expect(yield* master.queue.outstanding).toBe(3)
    }).pipe(Effect.scoped)
  )

  it.live("a local task handed back comes again, and is given up after the last delivery (told to the master)", () =>
    Effect.gen(function* () {
      const { local, attach } = yield* setup(2)
      const master = attach()
      const poisoned = yield* master.queue.poisoned.pipe(Stream.runHead, Effect.forkChild)
      yield* master.queue.publish([task(7)], 0)
      yield* (yield* taken(local.queue)).nak()
      const last = yield* taken(local.queue)
      expect(last.attempt).toBe(2)
      yield* last.nak()
      expect(yield* Fiber.join(poisoned)).toEqual(Option.some({ taskId: "t7", deliveries: 2 }))
      expect(yield* takeWithin(local.queue, 100)).toEqual(Option.none())
      expect(yield* master.queue.outstanding).toBe(0)
    }).pipe(Effect.scoped)
  )

  it.effect("a task handed back with a delay stays outstanding and comes back only after it", () =>
    Effect.gen(function* () {
      const { local, attach } = yield* setup()
      const master = attach()
      yield* master.queue.publish([task(1)], 0)
      yield* (yield* taken(local.queue)).nak(Duration.seconds(5))
      const again = yield* taken(local.queue).pipe(Effect.forkChild)
      yield* TestClock.adjust(Duration.seconds(4))
      expect(again.pollUnsafe()).toBeUndefined()
      expect(yield* master.queue.outstanding).toBe(1)
      yield* TestClock.adjust(Duration.seconds(1))
      const delivery = yield* Fiber.join(again)
      expect([delivery.task.taskId, delivery.attempt]).toEqual(["t1", 2])
    }).pipe(Effect.scoped)
  )

  it.live("closing the queue ends the local takes waiting for a task", () =>
    Effect.gen(function* () {
      const { local, attach } = yield* setup()
      const waiting = yield* local.queue.take.pipe(Effect.forkChild)
      yield* Effect.sleep("20 millis")
      yield* attach().queue.close
      expect(yield* Fiber.join(waiting)).toEqual(Option.none())
    }).pipe(Effect.scoped)
  )

  it.live("the master hears each local worker's last beat, even one sent before it listened", () =>
    Effect.gen(function* () {
      const { local, attach } = yield* setup()
      yield* local.heartbeats.beat(beat("local-1"))
      yield* local.heartbeats.beat(beat("local-1", ["t1"]))
      yield* local.heartbeats.beat(beat("local-2", ["t2"]))
      const heard = yield* attach().heartbeats.listen
      const beats = yield* heard.pipe(Stream.take(2), Stream.runCollect)
      expect(beats.map((b) => [b.workerId, b.inFlight])).toEqual([
        ["local-1", ["t1"]],
        ["local-2", ["t2"]]
      ])
    }).pipe(Effect.scoped)
  )

  it.live(
    "over NATS: a worker that joins a master's run takes tasks beside its local workers; the counts are exact",
    () =>
      Effect.gen(function* () {
        const root = makeCorpus({ files: 6, lines: 400 })
        const runId = "local-first-joined"
        // The worker from elsewhere, on a connection of its own, waits for the run before it starts.
        const remote = yield* Effect.acquireRelease(
          Effect.promise(() => connect({ servers: nats.server().url })),
          (nc) => Effect.promise(() => nc.close())
        )
        const waiting = yield* Deferred.make<void>()
        const served = yield* Distributed.worker(remote, {
          runId,
          once: true,
          workerId: "remote",
          onEvent: (event) => event._tag === "WaitingForRun" && Deferred.doneUnsafe(waiting, Effect.void)
        }).pipe(Effect.forkChild)
        yield* Deferred.await(waiting)
        // The local worker is slow, so that the run lasts past the remote worker's first heartbeats.
        const slow = Layer.effect(
          Counter.Counter,
          Effect.map(Counter.Counter, (inline) =>
            Counter.Counter.of({ count: (t) => Effect.delay(inline.count(t), "50 millis") })
          )
        ).pipe(Layer.provide(Counter.layerInline()))
        let local = 0
        const summary = yield* Distributed.master(nats.nc(), {
          runId,
          root,
          fresh: true,
          splitBytes: 4096,
          taskBytes: 0,
          localWorkers: {
            counters: [slow],
            onTask: () => (event) => {
              if (event._tag === "TaskFinished") local++
            }
          }
        }).pipe(Effect.provide(Fence.layerUnfenced))
        expect(summary.counts).toEqual(yield* Effect.promise(() => sequentialCounts(root)))
        const [remoteRun] = yield* Fiber.join(served)
        expect(remoteRun?.tasks).toBeGreaterThan(0)
        expect(local).toBeGreaterThan(0)
        expect(remoteRun!.tasks + local).toBeGreaterThanOrEqual(summary.tasks)
        expect([...summary.workers].sort()).toEqual([`${runId}-local-1`, "remote"])
      }).pipe(Effect.scoped)
  )

  it.live("a fresh run's local workers count while the master connects; a run that may resume waits for it", () =>
    Effect.gen(function* () {
      const root = makeCorpus({ files: 4, lines: 200 })
      const expected = yield* Effect.promise(() => sequentialCounts(root))
      const run = (runId: string, fresh: boolean) =>
        Effect.gen(function* () {
          let connected = false
          let countedOffline = 0
          // A connection that takes 300 ms to come.
          const connecting = Effect.sleep("300 millis").pipe(
            Effect.andThen(
              Effect.sync(() => {
                connected = true
                return nats.nc()
              })
            )
          )
          const summary = yield* Distributed.master(connecting, {
            runId,
            root,
            fresh,
            localWorkers: {
              counters: [Counter.layerInline()],
              onTask: () => (event) => {
                if (event._tag === "TaskFinished" && !connected) countedOffline++
              }
            }
          }).pipe(Effect.provide(Fence.layerUnfenced))
          expect(summary.counts).toEqual(expected)
          return countedOffline
        })
      expect(yield* run("head-start", true)).toBeGreaterThan(0)
      expect(yield* run("may-resume", false)).toBe(0)
    })
  )
})
