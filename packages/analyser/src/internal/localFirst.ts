/**
 * A master's own workers served in process. Until a worker from elsewhere joins the run, the tasks the master
 * publishes wait here for its local workers, and their results come straight back: no task or result crosses NATS,
 * whose messages cost a 2-core run of 171 MB a quarter more main-thread time than the embedded engine
 * (docs/benchmarks.md). The first heartbeat heard from another worker moves the run to the shared queue for good: the
 * tasks not taken yet go there, and from then on every worker, the local ones too, takes its tasks from it.
 *
 * Local results never go through the shared channel: a master that takes over learns of them from the checkpoints,
 * and redoes what the last one does not cover (the local workers died with their master). A local delivery has no ack
 * wait: a local worker cannot go silent without the master's own process.
 */
import { Context, Deferred, Duration, Effect, Layer, Option, Queue, Schedule, type Scope, Stream } from "effect"
import type * as AnalyserError from "../AnalyserError.ts"
import type * as Fence from "../Fence.ts"
import * as Heartbeats from "../Heartbeats.ts"
import * as ResultChannel from "../ResultChannel.ts"
import type { Task } from "../Task.ts"
import * as TaskQueue from "../TaskQueue.ts"

/** The run's services every worker can reach (over NATS). */
export interface Shared {
  readonly queue: TaskQueue.TaskQueue["Service"]
  readonly channel: ResultChannel.ResultChannel["Service"]
  readonly heartbeats: Heartbeats.Heartbeats["Service"]
}

export type Services = TaskQueue.TaskQueue | ResultChannel.ResultChannel | Heartbeats.Heartbeats

export interface LocalFirst {
  /** The local workers' services. They may start before the run's shared services exist (see `attach`). */
  readonly local: Context.Context<Services>
  /**
   * The master's services once the run's shared ones exist: tasks published in process until the switch, every
   * worker's results and heartbeats heard, the shared queue's given-up tasks reported.
   */
  readonly attach: (shared: Shared) => Context.Context<Services>
  /** True once the run's tasks go through the shared queue. */
  readonly isShared: Effect.Effect<boolean>
}

export interface Options {
  readonly maxDeliveries?: number
  /** The master's fence: the tasks moved to the shared queue at the switch are state changes like any publish. */
  readonly guard: Fence.Fence["Service"]["guard"]
}

interface Ready {
  readonly task: Task
  readonly attempt: number
  readonly generation: number
}

/** Tasks moved to the shared queue are retried through a short outage; lost after that, the master requeues them. */
const throughOutage = {
  while: (error: AnalyserError.AnalyserError) => error.reason === "Transport",
  schedule: Schedule.spaced("500 millis"),
  times: 20
}

const services = (
  queue: TaskQueue.TaskQueue["Service"],
  channel: ResultChannel.ResultChannel["Service"],
  heartbeats: Heartbeats.Heartbeats["Service"]
): Context.Context<Services> =>
  Context.make(TaskQueue.TaskQueue, queue).pipe(
    Context.add(ResultChannel.ResultChannel, channel),
    Context.add(Heartbeats.Heartbeats, heartbeats)
  )

/**
 * In-process heartbeats whose listener hears each worker's last beat at once: the local workers start before the
 * master listens, and their first beats (the tasks they took) must not be lost.
 */
const lastBeats = Effect.gen(function* () {
  const hub = yield* Heartbeats.makeMemory
  const last = new Map<string, Heartbeats.Heartbeat>()
  return Heartbeats.Heartbeats.of({
    beat: (heartbeat) =>
      Effect.suspend(() => {
        last.set(heartbeat.workerId, heartbeat)
        return hub.beat(heartbeat)
      }),
    // Listening first: a beat between the two is heard twice rather than not at all.
    listen: Effect.map(hub.listen, (beats) => Stream.concat(Stream.fromIterable([...last.values()]), beats))
  })
})

export const make = (options: Options): Effect.Effect<LocalFirst, never, Scope.Scope> =>
  Effect.gen(function* () {
    const maxDeliveries = options.maxDeliveries ?? TaskQueue.defaults.maxDeliveries
    const scope = yield* Effect.scope
    const results = Context.get(yield* Layer.build(ResultChannel.layerMemory), ResultChannel.ResultChannel)
    const beats = yield* lastBeats
    const poisoned = yield* Queue.unbounded<TaskQueue.Poisoned>()
    // One fiber at a time touches these (JavaScript runs one thing at a time): taking a task is synchronous, so a task
    // is never taken twice nor lost between a local worker and the switch.
    const ready: Array<Ready> = []
    const known = new Set<string>()
    let held = 0
    let closed = false
    /** The shared services, once the run's tasks go through them. */
    let sharing: Shared | undefined
    let wake = Deferred.makeUnsafe<void>()
    /** Wakes every local take waiting for a task (each looks again). */
    const signal = () => {
      const woken = wake
      wake = Deferred.makeUnsafe<void>()
      Deferred.doneUnsafe(woken, Effect.void)
    }

    const toShared = (shared: Shared, entries: ReadonlyArray<Ready>) => {
      // Each task keeps its generation: the shared queue's dedupe is by task and generation.
      const byGeneration = new Map<number, Array<Task>>()
      for (const { task, generation } of entries) {
        const group = byGeneration.get(generation)
        if (group === undefined) byGeneration.set(generation, [task])
        else group.push(task)
      }
      return Effect.forEach(
        byGeneration,
        ([generation, tasks]) =>
          options.guard(shared.queue.publish(tasks, generation)).pipe(Effect.retry(throughOutage)),
        { discard: true }
      ).pipe(Effect.ignore)
    }

    /** A local task handed back: delivered again (on the shared queue after the switch), or given up. */
    const giveBack = (entry: Ready) =>
      Effect.suspend(() => {
        held--
        if (entry.attempt >= maxDeliveries) {
          return Queue.offer(poisoned, { taskId: entry.task.taskId, deliveries: entry.attempt }).pipe(Effect.asVoid)
        }
        const again = { ...entry, attempt: entry.attempt + 1 }
        if (sharing !== undefined) return toShared(sharing, [again])
        ready.push(again)
        signal()
        return Effect.void
      })

    const deliver = (entry: Ready): TaskQueue.Delivery => {
      held++
      let settled = false
      const settle = () => {
        const first = !settled
        settled = true
        return first
      }
      return {
        task: entry.task,
        attempt: entry.attempt,
        maxDeliveries,
        progressEvery: Duration.minutes(1), // `working` has nothing to restart
        ack: Effect.sync(() => {
          if (settle()) held--
        }),
        nak: (delay) =>
          Effect.suspend(() => {
            if (!settle()) return Effect.void
            // Outstanding until the delay is over, as on the shared queue.
            return delay === undefined
              ? giveBack(entry)
              : giveBack(entry).pipe(Effect.delay(delay), Effect.forkIn(scope), Effect.asVoid)
          }),
        working: Effect.void
      }
    }

    const take: Effect.Effect<Option.Option<TaskQueue.Delivery>, AnalyserError.AnalyserError> = Effect.suspend(() => {
      if (sharing !== undefined) return sharing.queue.take
      if (closed) return Effect.succeedNone
      const next = ready.shift()
      if (next !== undefined) return Effect.succeed(Option.some(deliver(next)))
      return Deferred.await(wake).pipe(Effect.andThen(take))
    })

    const close = Effect.sync(() => {
      closed = true
      signal()
    })
    const queue = TaskQueue.TaskQueue.of({
      publish: (tasks, generation) =>
        Effect.suspend(() => {
          if (sharing !== undefined) return sharing.queue.publish(tasks, generation)
          for (const task of tasks) {
            const key = `${task.taskId}/${generation}`
            if (known.has(key)) continue
            known.add(key)
            ready.push({ task, attempt: 1, generation })
          }
          signal()
          return Effect.void
        }),
      take,
      poisoned: Stream.fromQueue(poisoned),
      outstanding: Effect.sync(() => ready.length + held),
      close
    })

    const attach = (shared: Shared) => {
      /** The first heartbeat from elsewhere: what is not taken yet goes to the shared queue, where all take. */
      const share = Effect.suspend(() => {
        if (sharing !== undefined) return Effect.void
        sharing = shared
        const moving = ready.splice(0)
        signal()
        // Not on the heartbeats' way: a publish retried through an outage must not hold up the master's other beats.
        return toShared(shared, moving).pipe(Effect.forkIn(scope), Effect.asVoid)
      })
      return services(
        TaskQueue.TaskQueue.of({
          ...queue,
          poisoned: Stream.merge(queue.poisoned, shared.queue.poisoned),
          outstanding: Effect.suspend(() =>
            sharing === undefined ? queue.outstanding : Effect.map(shared.queue.outstanding, (n) => n + held)
          ),
          close: Effect.andThen(close, shared.queue.close)
        }),
        ResultChannel.ResultChannel.of({
          publish: shared.channel.publish,
          results: Stream.merge(results.results, shared.channel.results),
          rejected: shared.channel.rejected
        }),
        Heartbeats.merge(
          {
            ...shared.heartbeats,
            listen: Effect.map(
              shared.heartbeats.listen,
              Stream.tap(() => share)
            )
          },
          beats
        )
      )
    }
    return { local: services(queue, results, beats), attach, isShared: Effect.sync(() => sharing !== undefined) }
  })
