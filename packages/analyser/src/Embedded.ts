/**
 * The embedded engine: the master and N workers in one process over the in-process services, one worker counting
 * on the main thread and each other one on its own worker thread, so `dla analyse <dir>` uses every core with no
 * NATS server.
 *
 * @since 0.1.0
 */
import { availableParallelism } from "node:os"
import { type Duration, Effect, Exit, Fiber, Layer, Option, PubSub, Scope } from "effect"
import * as CheckpointStore from "./CheckpointStore.ts"
import * as Counter from "./Counter.ts"
import * as Fence from "./Fence.ts"
import * as Heartbeats from "./Heartbeats.ts"
import * as Master from "./Master.ts"
import * as ResultChannel from "./ResultChannel.ts"
import * as TaskQueue from "./TaskQueue.ts"
import * as Worker from "./Worker.ts"

/**
 * How {@link run} runs: the master's options, plus how many workers count and in what format.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options extends Master.Options {
  /** Workers: one on the main thread, the others on worker threads (default: one per core). */
  readonly workers?: number
  /** A `--format` spec (default: core's). */
  readonly format?: string
  readonly queue?: TaskQueue.Options
  /** See `Worker.Options.taskDelay`. */
  readonly taskDelay?: Duration.Input
  /**
   * Bytes of input each counting thread must have to be started (default 0: every worker starts at once). Given, the
   * threads wait for the master's plan and start only as many as the input pays for (see {@link threadBytes}).
   */
  readonly threadBytes?: number
}

/**
 * Input that pays for one more counting thread: starting one costs about 0.1 s of CPU (Node's worker bootstrap and
 * the counting bundle), what a core takes to count about 100 MB, and it joins ~60 ms late. On 2 cores 192 MB in 20
 * files counted faster on the main thread alone; 1.1 GB needed both cores (docs/benchmarks.md).
 *
 * @since 0.1.0
 * @category constants
 */
export const threadBytes = 256 * 1024 * 1024

/**
 * The in-process services of one run.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (
  options: Pick<Options, "queue" | "checkpointDir" | "keepInputs" | "keepCheckpoints" | "runId" | "root">
) =>
  Layer.mergeAll(
    TaskQueue.layerMemory(options.queue),
    ResultChannel.layerMemory,
    Heartbeats.layerMemory,
    Fence.layerUnfenced,
    options.checkpointDir === undefined
      ? CheckpointStore.layerMemory
      : CheckpointStore.layerDirectory({
          dir: options.checkpointDir,
          runId: options.runId,
          root: options.root,
          keepInputs: options.keepInputs,
          keep: options.keepCheckpoints
        })
  )

/**
 * The default number of workers: one per core this process may use.
 *
 * @since 0.1.0
 * @category constants
 */
export const defaultWorkers = () => availableParallelism()

/**
 * Tasks each worker holds: the next one waits beside the current one (see `Worker.Options.concurrency`).
 *
 * @since 0.2.0
 * @category constants
 */
export const tasksPerWorker = 2

/**
 * Runs a whole run in this process and returns the master's summary.
 *
 * @since 0.1.0
 * @category running
 */
export const run = (options: Options) =>
  Effect.gen(function* () {
    const count = Math.max(1, options.workers ?? defaultWorkers())
    // The first worker counts on this thread, from the first task on; the others each start a thread and take tasks
    // once it is loaded (~60 ms). So a small input is done before any thread is up, and a big one uses every core.
    const worker = (i: number) =>
      Worker.run({
        workerId: `thread-${i + 1}`, // thread-1 is the main thread
        taskDelay: options.taskDelay,
        concurrency: tasksPerWorker
      }).pipe(
        Effect.scoped,
        Effect.provide(i === 0 ? Counter.layerInline(options.format) : Counter.layerThread(options.format)),
        Effect.forkScoped
      )
    const workers = [yield* worker(0)]
    const startThreads = (n: number) =>
      Effect.forEach(
        Array.from({ length: n }, (_, i) => i + 1),
        worker
      ).pipe(Effect.map((started) => workers.push(...started)))
    const perThread = options.threadBytes ?? 0
    // The caller's hub of events, else one of its own: the threads may wait for the plan's `Started`.
    const events = yield* Effect.serviceOption(Master.Events).pipe(
      Effect.flatMap(Option.match({ onNone: () => Master.events, onSome: Effect.succeed }))
    )
    if (perThread <= 0) yield* startThreads(count - 1)
    else {
      // The threads the planned input pays for start once the master has planned: subscribed before it starts, and
      // only until then (an unread subscription would keep every later event).
      const subscribed = yield* Scope.make()
      const planning = yield* PubSub.subscribe(events).pipe(Scope.provide(subscribed))
      yield* PubSub.take(planning).pipe(
        Effect.repeat({ until: (event) => event._tag === "Started" }),
        Effect.ensuring(Scope.close(subscribed, Exit.void)),
        Effect.flatMap((event) =>
          event._tag === "Started"
            ? startThreads(Math.min(count - 1, Math.floor(event.bytes / perThread)))
            : Effect.void
        ),
        Effect.forkScoped
      )
    }
    const summary = yield* Master.run(options).pipe(Effect.provideService(Master.Events, events))
    // Every task is settled and the queue closed: the workers have nothing left to do, and a thread still loading
    // (a small input) is not waited for.
    yield* Fiber.interruptAll(workers)
    return summary
  }).pipe(Effect.scoped, Effect.provide(layer(options)))
