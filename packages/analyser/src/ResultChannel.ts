/**
 * The result channel: workers publish one result per task, several finished tasks' results at once as one batch
 * (one message over NATS), the master reads them all, batch by batch, from the run's start (so a new master can
 * replay what an old one saw). Publishing a result for a task id again adds nothing (dedupe on publish); the master
 * dedupes by task id as well, which covers duplicates beyond any dedupe window and a task in two batches.
 *
 * @since 0.1.0
 */
import { Context, Effect, Layer, Queue, Stream } from "effect"
import type * as AnalyserError from "./AnalyserError.ts"
import type { TaskResult } from "./Task.ts"

/**
 * Where workers publish task results and the master reads them.
 *
 * @since 0.1.0
 * @category services
 */
export class ResultChannel extends Context.Service<
  ResultChannel,
  {
    /** Publishes `results` together: all of them are on the channel once this succeeds (safe to retry). */
    readonly publish: (results: ReadonlyArray<TaskResult>) => Effect.Effect<void, AnalyserError.AnalyserError>
    /**
     * Every result of the run, oldest first, then new ones as they come (one reader: the master), in batches as they
     * were published (never empty).
     */
    readonly results: Stream.Stream<ReadonlyArray<TaskResult>, AnalyserError.AnalyserError>
    /**
     * Why each message on the channel that is not a result was set aside (it could not be decoded): the master
     * counts them and goes on. Empty in process, where nothing but a worker can publish.
     */
    readonly rejected: Stream.Stream<string>
  }
>()("@dla/analyser/ResultChannel") {}

/**
 * In-process channel (the embedded engine).
 *
 * @since 0.1.0
 * @category layers
 */
export const layerMemory = Layer.effect(
  ResultChannel,
  Effect.gen(function* () {
    const queue = yield* Queue.unbounded<ReadonlyArray<TaskResult>>()
    const seen = new Set<string>()
    return ResultChannel.of({
      publish: (results) =>
        Effect.suspend(() => {
          const fresh = results.filter((result) => !seen.has(result.taskId))
          if (fresh.length === 0) return Effect.void
          for (const result of fresh) seen.add(result.taskId)
          return Queue.offer(queue, fresh).pipe(Effect.asVoid)
        }),
      results: Stream.fromQueue(queue),
      rejected: Stream.empty
    })
  })
)
