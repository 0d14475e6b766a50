/**
 * The worker loop, written once against the services: take a task, count it (reporting progress so a long task is
 * not redelivered), publish the result, then ack; results that are ready together leave as one batch, and the next
 * task is taken as soon as one is counted. A file that cannot be counted (missing, unreadable, binary) is named in
 * the result's `skipped` at once, the task's other files still counted: retrying would fail the same way. A worker
 * that dies mid-task is what redelivery is for. A result is published before the ack, so a crash in between means a redelivery and a duplicate result, which
 * the master drops: counts are never lost nor doubled.
 *
 * A transport outage (a NATS node restarting, a stream electing a new leader) is not the task's fault: the worker
 * keeps the task it has counted (reporting progress) and retries the publish and the ack for `holdFor`, and only then
 * hands the task back, after a pause. Handing it back at once would spend its delivery attempts within a second of
 * an outage and give a sound task up as poison.
 *
 * @since 0.1.0
 */
import { hostname } from "node:os"
import { type Cause, Clock, Duration, Effect, Fiber, Option, Queue, Schedule } from "effect"
import type * as AnalyserError from "./AnalyserError.ts"
import { Counter } from "./Counter.ts"
import * as Heartbeats from "./Heartbeats.ts"
import { ResultChannel } from "./ResultChannel.ts"
import type { TaskResult } from "./Task.ts"
import { type Delivery, TaskQueue } from "./TaskQueue.ts"

/**
 * How {@link run} serves tasks: its id, its heartbeat interval, how many tasks it holds, what it reports.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  readonly workerId?: string
  readonly heartbeatInterval?: Duration.Input
  /**
   * Bench and test hook: a worker this many times slower than it is (after counting a task it waits out
   * `slowdown - 1` times as long as counting took), to measure what a straggler costs a run.
   */
  readonly slowdown?: number
  /** Test and demo hook: wait this long before counting each task (makes "mid-run" easy to hit). */
  readonly taskDelay?: Duration.Input
  /**
   * Tasks this worker holds at once (default 1). With 2, the next task is already there when one ends, so a
   * counter that is a thread away never sits idle while a result and the next task cross over.
   */
  readonly concurrency?: number
  /**
   * How long a worker holding a counted task retries publishing the result and acking through a transport outage
   * before it hands the task back (default 1 minute; a NATS leader election takes a few seconds).
   */
  readonly holdFor?: Duration.Input
  /** What the worker is doing, for its own output (and tests). */
  readonly onTask?: (event: TaskEvent) => void
  /**
   * Completes once the run is over (over NATS: its record says "done"). The worker then stops at once: a task it
   * still holds (a straggler's copy whose other copy counted, a result retried for `holdFor`) is not needed any more.
   */
  readonly runOver?: Effect.Effect<void>
}

/**
 * What a worker reports of each task: started, finished, retrying.
 *
 * @since 0.1.0
 * @category models
 */
export type TaskEvent =
  /** `path`: the task's first file (a task of small files holds many). */
  | { readonly _tag: "TaskStarted"; readonly taskId: string; readonly path: string; readonly attempt: number }
  | { readonly _tag: "TaskFinished"; readonly taskId: string; readonly path: string; readonly ok: boolean }
  /** Publishing the result or acking failed (e.g. NATS is restarting): the worker holds the task and retries. */
  | { readonly _tag: "TaskRetrying"; readonly taskId: string; readonly reason: string }
  /** It kept failing for `holdFor`: the task is handed back, to be delivered again after `retryIn`. */
  | { readonly _tag: "TaskDeferred"; readonly taskId: string; readonly reason: string; readonly retryIn: number }

/**
 * What a worker did in a run: its id, the tasks it finished and those that failed.
 *
 * @since 0.1.0
 * @category models
 */
export interface Summary {
  readonly workerId: string
  readonly tasks: number
  readonly failedTasks: number
}

/** Handed back after a transport outage, a task waits this long before its next delivery. */
const deferredRetryIn = Duration.seconds(5)

/**
 * A worker id unique enough for a run: host, pid and a random suffix.
 *
 * @since 0.1.0
 * @category ids
 */
export const makeWorkerId = () => `${hostname()}-${process.pid}-${Math.random().toString(36).slice(2, 6)}`

/**
 * Results that leave together at most: one message (the NATS channel splits a batch too big for one), and the most
 * counted tasks a worker keeps waiting for the transport before it stops taking more.
 */
const maxBatch = 64

/** A counted task on its way out: its result to publish, then its delivery to ack. */
interface Finished {
  readonly delivery: Delivery
  readonly result: TaskResult
  readonly ok: boolean
}

/**
 * Serves tasks until the run's queue is closed; returns what this worker did.
 *
 * @since 0.1.0
 * @category running
 */
export const run = (options: Options = {}) =>
  Effect.gen(function* () {
    const queue = yield* TaskQueue
    const results = yield* ResultChannel
    const heartbeats = yield* Heartbeats.Heartbeats
    const counter = yield* Counter
    const scope = yield* Effect.scope
    const workerId = options.workerId ?? makeWorkerId()
    const inFlight = new Set<string>()
    let done = 0
    let failed = 0

    const beat = Effect.suspend(() => heartbeats.beat({ workerId, inFlight: [...inFlight], done })).pipe(
      Effect.ignore // a missed heartbeat is not fatal: the next one follows
    )
    yield* beat.pipe(
      Effect.repeat(
        Schedule.spaced(Duration.fromInputUnsafe(options.heartbeatInterval ?? Heartbeats.defaults.interval))
      ),
      Effect.forkScoped
    )

    const holdFor = options.holdFor ?? Duration.minutes(1)
    // Quick at first (an election is over in a second or two), then every 2 s until `holdFor` is spent.
    const throughOutage = Schedule.min([Schedule.exponential("100 millis"), Schedule.spaced("2 seconds")]).pipe(
      Schedule.upTo({ duration: holdFor })
    )

    /**
     * Tasks taken and neither acked nor handed back yet, each with its progress reports (they go on until the ack, so
     * a task is not redelivered while its result waits for the transport). A stopped worker hands them back at once
     * rather than after the ack wait.
     */
    const held = new Map<Delivery, Fiber.Fiber<unknown>>()
    yield* Effect.addFinalizer(() =>
      Effect.forEach(held.keys(), (delivery) => delivery.nak().pipe(Effect.ignore), { discard: true })
    )
    const release = (delivery: Delivery) =>
      Effect.suspend(() => {
        const progress = held.get(delivery)
        held.delete(delivery)
        inFlight.delete(delivery.task.taskId)
        return progress === undefined ? Effect.void : Fiber.interrupt(progress)
      })
    /** The transport stayed down for `holdFor` (or the counter died): hand the task back for later, keep serving. */
    const defer = (delivery: Delivery, error: AnalyserError.AnalyserError) =>
      Effect.sync(() =>
        options.onTask?.({
          _tag: "TaskDeferred",
          taskId: delivery.task.taskId,
          reason: error.message,
          retryIn: Duration.toMillis(deferredRetryIn)
        })
      ).pipe(Effect.andThen(delivery.nak(deferredRetryIn).pipe(Effect.ignore)), Effect.andThen(release(delivery)))

    // Counted tasks wait here for the sender, which publishes the results of all that wait as one batch, then acks
    // them together: a counter never idles through its last result's round trips, and under a stream of small tasks
    // one message carries many results. Bounded: a worker whose results cannot leave stops taking tasks.
    const outbox = yield* Queue.bounded<Finished, Cause.Done>(maxBatch)

    const handle = (delivery: Delivery) =>
      Effect.gen(function* () {
        const { task } = delivery
        const progress = yield* delivery.working.pipe(
          Effect.ignore,
          Effect.delay(delivery.progressEvery),
          Effect.forever,
          Effect.forkIn(scope)
        )
        held.set(delivery, progress)
        inFlight.add(task.taskId)
        yield* beat // the master learns at once what this worker holds
        options.onTask?.({
          _tag: "TaskStarted",
          taskId: task.taskId,
          path: task.parts[0].path,
          attempt: delivery.attempt
        })
        if (options.taskDelay !== undefined) yield* Effect.sleep(options.taskDelay)
        const countedAt = yield* Clock.currentTimeMillis
        const { counts, skipped, files } = yield* counter.count(task)
        if (options.slowdown !== undefined && options.slowdown > 1) {
          const took = (yield* Clock.currentTimeMillis) - countedAt
          yield* Effect.sleep(Duration.millis(took * (options.slowdown - 1)))
        }
        // Counted when any part was: a task whose every part was set aside failed (its reasons go to the master).
        const ok = skipped.length < task.parts.length
        const result: TaskResult = {
          _tag: "Done",
          runId: task.runId,
          taskId: task.taskId,
          workerId,
          counts,
          lines: counts.lines,
          bytes: counts.bytes,
          ...(skipped.length === 0 ? {} : { skipped }),
          files
        }
        yield* Queue.offer(outbox, { delivery, result, ok })
      }).pipe(Effect.catch((error) => defer(delivery, error)))

    /** Publishes a batch's results (one message), then acks each of its tasks, retrying each through an outage. */
    const send = (batch: ReadonlyArray<Finished>) => {
      const said = new Set<string>()
      const retried =
        (taskIds: ReadonlyArray<string>) =>
        <A>(effect: Effect.Effect<A, AnalyserError.AnalyserError>) =>
          effect.pipe(
            Effect.tapError((error) =>
              Effect.sync(() => {
                for (const taskId of taskIds) {
                  if (said.has(taskId)) continue
                  said.add(taskId)
                  options.onTask?.({ _tag: "TaskRetrying", taskId, reason: error.message })
                }
              })
            ),
            Effect.retry(throughOutage)
          )
      const settle = ({ delivery, ok }: Finished) =>
        delivery.ack.pipe(
          retried([delivery.task.taskId]),
          Effect.andThen(
            Effect.sync(() => {
              if (ok) done++
              else failed++
              const { taskId, parts } = delivery.task
              options.onTask?.({ _tag: "TaskFinished", taskId, path: parts[0].path, ok })
            })
          ),
          Effect.andThen(release(delivery)),
          Effect.catch((error) => defer(delivery, error))
        )
      // A result is published before its task is acked: a crash in between means a redelivery and a duplicate result,
      // which the master drops (a batch sent again is dropped whole by the channel's dedupe).
      return results.publish(batch.map((f) => f.result)).pipe(
        retried(batch.map((f) => f.delivery.task.taskId)),
        Effect.matchEffect({
          onFailure: (error) => Effect.forEach(batch, (f) => defer(f.delivery, error), { discard: true }),
          onSuccess: () => Effect.forEach(batch, settle, { concurrency: "unbounded", discard: true })
        })
      )
    }
    const sender = yield* Queue.takeBetween(outbox, 1, maxBatch).pipe(
      Effect.flatMap(send),
      Effect.forever,
      Effect.catchTag("Done", () => Effect.void),
      Effect.forkScoped
    )

    const loop: Effect.Effect<void, AnalyserError.AnalyserError> = queue.take.pipe(
      Effect.flatMap(Option.match({ onNone: () => Effect.void, onSome: (d) => handle(d).pipe(Effect.andThen(loop)) }))
    )
    const loops = Effect.all(
      Array.from({ length: Math.max(1, options.concurrency ?? 1) }, () => loop),
      { concurrency: "unbounded", discard: true }
    )
    // The queue is closed: the results still waiting go out before the worker is done.
    const served = loops.pipe(Effect.andThen(Queue.end(outbox)), Effect.andThen(Fiber.join(sender)))
    yield* options.runOver === undefined ? served : Effect.raceFirst(served, options.runOver)
    return { workerId, tasks: done, failedTasks: failed } satisfies Summary
  })
