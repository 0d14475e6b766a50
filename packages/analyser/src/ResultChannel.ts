/**
 * The result channel: workers publish one result per task, the master reads them all, from the run's start (so a
 * new master can replay what an old one saw). Publishing a result for a task id again adds nothing (dedupe on
 * publish); the master dedupes by task id as well, which covers duplicates beyond any dedupe window.
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
    readonly publish: (result: TaskResult) => Effect.Effect<void, AnalyserError.AnalyserError>
    /** Every result of the run, oldest first, then new ones as they come (one reader: the master). */
    readonly results: Stream.Stream<TaskResult, AnalyserError.AnalyserError>
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
    const queue = yield* Queue.unbounded<TaskResult>()
    const seen = new Set<string>()
    return ResultChannel.of({
      publish: (result) =>
        Effect.suspend(() => {
          if (seen.has(result.taskId)) return Effect.void
          seen.add(result.taskId)
          return Queue.offer(queue, result).pipe(Effect.asVoid)
        }),
      results: Stream.fromQueue(queue),
      rejected: Stream.empty
    })
  })
)
