/**
 * The task queue: the master publishes tasks, workers take them one at a time and ack, nak or report progress.
 * Delivery is at least once: a task not acked within the ack wait goes back to the queue, and a task delivered
 * `maxDeliveries` times without an ack is given up and reported on `poisoned` (never retried forever).
 *
 * @since 0.1.0
 */
import { type Cause, Clock, Context, Duration, Effect, Layer, Option, Queue, Schedule, Stream } from "effect"
import type * as AnalyserError from "./AnalyserError.ts"
import type { Task } from "./Task.ts"

/**
 * A task delivered to a worker, with its attempt and how to keep it, finish it or give it back.
 *
 * @since 0.1.0
 * @category models
 */
export interface Delivery {
  readonly task: Task
  /** 1 for the first delivery, 2 for the first redelivery, ... */
  readonly attempt: number
  readonly maxDeliveries: number
  /** How often a worker busy with this task should call `working` so it is not redelivered. */
  readonly progressEvery: Duration.Duration
  /** Succeeds once the queue has taken the ack (over NATS: the server confirmed it), so it is safe to retry. */
  readonly ack: Effect.Effect<void, AnalyserError.AnalyserError>
  /**
   * Gives the task back for another delivery (or gives it up, on the last attempt), at once or after `delay` (a
   * worker that could not get its result through waits out the outage rather than spending the attempts at once).
   */
  readonly nak: (delay?: Duration.Duration) => Effect.Effect<void, AnalyserError.AnalyserError>
  /** Progress: restarts the ack wait. */
  readonly working: Effect.Effect<void, AnalyserError.AnalyserError>
}

/**
 * A task delivered as often as the queue allows without being acked: the master gives it up.
 *
 * @since 0.1.0
 * @category models
 */
export interface Poisoned {
  readonly taskId: string
  readonly deliveries: number
}

/**
 * The run's tasks, delivered to workers at least once and redelivered when not acked in time.
 *
 * @since 0.1.0
 * @category services
 */
export class TaskQueue extends Context.Service<
  TaskQueue,
  {
    /**
     * Idempotent per task id and `generation`: publishing the same pair again adds nothing (JetStream: message-id
     * dedupe). The master bumps the generation to requeue a task on purpose (its worker died, it was lost).
     */
    readonly publish: (
      tasks: ReadonlyArray<Task>,
      generation: number
    ) => Effect.Effect<void, AnalyserError.AnalyserError>
    /** Waits for the next task; `None` once the run's queue is gone (the run is over). */
    readonly take: Effect.Effect<Option.Option<Delivery>, AnalyserError.AnalyserError>
    /** Tasks given up after too many deliveries (master side). */
    readonly poisoned: Stream.Stream<Poisoned, AnalyserError.AnalyserError>
    /** Tasks queued or in flight: 0 means nothing more will be delivered. */
    readonly outstanding: Effect.Effect<number, AnalyserError.AnalyserError>
    /** Ends the run's queue (master side, at the end): takers get `None`. */
    readonly close: Effect.Effect<void, AnalyserError.AnalyserError>
  }
>()("@dla/analyser/TaskQueue") {}

/**
 * How long a delivery may go unacked, and how often a task is delivered at most.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** A delivery not acked (nor `working`) within this time is redelivered. */
  readonly ackWait?: Duration.Input
  readonly maxDeliveries?: number
}

/**
 * Default {@link Options}: 30 s to ack a delivery, three deliveries at most.
 *
 * @since 0.1.0
 * @category constants
 */
export const defaults = { ackWait: Duration.seconds(30), maxDeliveries: 3 } as const

interface InFlight {
  readonly task: Task
  readonly attempt: number
  deadline: number
}

/**
 * In-process queue (the embedded engine): same semantics as the JetStream work queue, in memory.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerMemory = (options: Options = {}) =>
  Layer.effect(
    TaskQueue,
    Effect.gen(function* () {
      const ackWaitMs = Duration.toMillis(options.ackWait ?? defaults.ackWait)
      const maxDeliveries = options.maxDeliveries ?? defaults.maxDeliveries
      const ready = yield* Queue.unbounded<{ task: Task; attempt: number }, Cause.Done>()
      const poisoned = yield* Queue.unbounded<Poisoned>()
      const known = new Set<string>()
      const inFlight = new Map<number, InFlight>()
      let nextDelivery = 0
      let queued = 0
      const scope = yield* Effect.scope

      const giveBack = (entry: InFlight) =>
        entry.attempt >= maxDeliveries
          ? Queue.offer(poisoned, { taskId: entry.task.taskId, deliveries: entry.attempt })
          : Effect.sync(() => queued++).pipe(
              Effect.andThen(Queue.offer(ready, { task: entry.task, attempt: entry.attempt + 1 }))
            )

      const settle = (id: number, then: (entry: InFlight) => Effect.Effect<unknown>) =>
        Effect.suspend(() => {
          const entry = inFlight.get(id)
          if (entry === undefined) return Effect.void // already redelivered after its ack wait: a late ack is a no-op
          inFlight.delete(id)
          return then(entry)
        }).pipe(Effect.asVoid)

      // Redelivers what was not acked in time, like JetStream's ack wait: on the Effect's Clock, which also paces this
      // loop, so a TestClock moves both.
      const clock = yield* Clock.Clock
      yield* Effect.suspend(() => {
        const now = clock.currentTimeMillisUnsafe()
        const expired = [...inFlight].filter(([, entry]) => entry.deadline <= now)
        return Effect.forEach(expired, ([id]) => settle(id, giveBack), { discard: true })
      }).pipe(Effect.repeat(Schedule.spaced(Duration.millis(Math.max(10, ackWaitMs / 4)))), Effect.forkScoped)
      yield* Effect.addFinalizer(() => Queue.end(ready))

      return TaskQueue.of({
        publish: (tasks, generation) =>
          Effect.forEach(
            tasks.filter((task) => !known.has(`${task.taskId}/${generation}`)),
            (task) =>
              Effect.sync(() => {
                known.add(`${task.taskId}/${generation}`)
                queued++
              }).pipe(Effect.andThen(Queue.offer(ready, { task, attempt: 1 }))),
            { discard: true }
          ),
        take: Queue.take(ready).pipe(
          Effect.map(({ task, attempt }) => {
            const id = nextDelivery++
            queued--
            inFlight.set(id, { task, attempt, deadline: clock.currentTimeMillisUnsafe() + ackWaitMs })
            const delivery: Delivery = {
              task,
              attempt,
              maxDeliveries,
              progressEvery: Duration.millis(ackWaitMs / 3),
              ack: settle(id, () => Effect.void),
              nak: (delay) =>
                delay === undefined
                  ? settle(id, giveBack)
                  : // Still in flight (outstanding) until the delay is over, as with JetStream's delayed nak.
                    Effect.sync(() => {
                      const entry = inFlight.get(id)
                      if (entry !== undefined) entry.deadline = Number.POSITIVE_INFINITY // not the ack wait's
                    }).pipe(
                      Effect.andThen(Effect.sleep(delay)),
                      Effect.andThen(settle(id, giveBack)),
                      Effect.forkIn(scope),
                      Effect.asVoid
                    ),
              working: Effect.sync(() => {
                const entry = inFlight.get(id)
                if (entry !== undefined) entry.deadline = clock.currentTimeMillisUnsafe() + ackWaitMs
              })
            }
            return Option.some(delivery)
          }),
          Effect.catchTag("Done", () => Effect.succeed(Option.none<Delivery>()))
        ),
        poisoned: Stream.fromQueue(poisoned),
        outstanding: Effect.sync(() => queued + inFlight.size),
        close: Queue.end(ready).pipe(Effect.asVoid)
      })
    })
  )
