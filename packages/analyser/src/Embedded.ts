/**
 * The embedded engine: the master and N workers in one process over the in-process services, each worker counting
 * on its own thread, so `dla analyse <dir>` uses every core with no NATS server.
 *
 * @since 0.1.0
 */
import { availableParallelism } from "node:os"
import { type Duration, Effect, Fiber, Layer } from "effect"
import * as CheckpointStore from "./CheckpointStore.ts"
import * as Counter from "./Counter.ts"
import * as Fence from "./Fence.ts"
import * as Heartbeats from "./Heartbeats.ts"
import * as Master from "./Master.ts"
import * as ResultChannel from "./ResultChannel.ts"
import * as TaskQueue from "./TaskQueue.ts"
import * as Worker from "./Worker.ts"

export interface Options extends Master.Options {
  /** Worker threads (default: one per core). */
  readonly workers?: number
  /** A `--format` spec (default: core's). */
  readonly format?: string
  /** Save checkpoints under this directory too (default: in memory only). */
  readonly checkpointDir?: string
  readonly queue?: TaskQueue.Options
  /** See `Worker.Options.taskDelay`. */
  readonly taskDelay?: Duration.Input
}

/** The in-process services of one run. */
export const layer = (options: Pick<Options, "queue" | "checkpointDir" | "runId" | "root">) =>
  Layer.mergeAll(
    TaskQueue.layerMemory(options.queue),
    ResultChannel.layerMemory,
    Heartbeats.layerMemory,
    Fence.layerUnfenced,
    options.checkpointDir === undefined
      ? CheckpointStore.layerMemory
      : CheckpointStore.layerDirectory({ dir: options.checkpointDir, runId: options.runId, root: options.root })
  )

export const defaultWorkers = () => availableParallelism()

/** Tasks each counting thread holds: the next one waits in the thread while it counts the current one. */
const tasksPerThread = 2

/** Runs a whole run in this process and returns the master's summary. */
export const run = (options: Options) =>
  Effect.gen(function* () {
    const count = Math.max(1, options.workers ?? defaultWorkers())
    const workers = yield* Effect.forEach(
      Array.from({ length: count }, (_, i) => i),
      (i) =>
        Worker.run({ workerId: `thread-${i + 1}`, taskDelay: options.taskDelay, concurrency: tasksPerThread }).pipe(
          Effect.scoped,
          Effect.provide(Counter.layerThread(options.format)),
          Effect.forkScoped
        )
    )
    const summary = yield* Master.run({
      ...options,
      skipDirs: [...(options.skipDirs ?? []), ...(options.checkpointDir === undefined ? [] : [options.checkpointDir])]
    })
    yield* Fiber.joinAll(workers)
    return summary
  }).pipe(Effect.scoped, Effect.provide(layer(options)))
