/**
 * The result channel over JetStream: stream `DLA_RESULTS_<run>`, `Nats-Msg-Id = <run>/<task>`, read by the master
 * with an ordered consumer from the first message (a new master replays the whole run).
 *
 * @since 0.1.0
 */
import { type JetStreamManager, type JsMsg, RetentionPolicy } from "@nats-io/jetstream"
import type { NatsConnection } from "@nats-io/nats-core"
import { Cause, Effect, Layer, Option, Queue, Stream } from "effect"
import type * as AnalyserError from "../AnalyserError.ts"
import * as ResultChannel from "../ResultChannel.ts"
import { decodeJson, encodeJson, TaskResult } from "../Task.ts"
import { clients, ensureStream, transport, tryNats } from "./internal/jetstream.ts"
import { readAll } from "./internal/streamReader.ts"
import { names } from "./RunsKv.ts"

/**
 * Creates the run's results stream, or checks that a left-over one fits (see `ensureStream`).
 *
 * @since 0.1.0
 * @category lifecycle
 */
export const ensure = (
  jsm: JetStreamManager,
  runId: string,
  options: { readonly duplicateWindow: number; readonly replicas: number }
) =>
  ensureStream(jsm, {
    name: names(runId).results,
    subjects: [names(runId).resultSubject],
    retention: RetentionPolicy.Limits,
    duplicateWindow: options.duplicateWindow,
    replicas: options.replicas
  })

const decodeResult = decodeJson(TaskResult, "result")

/**
 * The ResultChannel of run `runId` (its stream must exist: see `Distributed.setupRun`).
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (nc: NatsConnection, runId: string) =>
  Layer.effect(
    ResultChannel.ResultChannel,
    Effect.gen(function* () {
      const n = names(runId)
      const { js, jsm } = yield* clients(nc)
      // Messages on the results subject that are not results (a bug, or a publisher that should not be there).
      const rejected = yield* Queue.unbounded<string>()
      return ResultChannel.ResultChannel.of({
        publish: (result) =>
          tryNats("cannot publish a result", () =>
            js.publish(n.resultSubject, encodeJson(result), { msgID: `${runId}/${result.taskId}` })
          ).pipe(Effect.asVoid),
        // A new reader each time the stream is run: a master that resubscribes replays the run from its start.
        results: Stream.callback<JsMsg, AnalyserError.AnalyserError>((queue) =>
          Effect.acquireRelease(
            Effect.sync(() =>
              readAll(js, jsm, n.results, {
                onMessage: (msg) => void Queue.offerUnsafe(queue, msg),
                onError: (error) =>
                  void Queue.failCauseUnsafe(queue, Cause.fail(transport(`reading ${n.results} failed`)(error)))
              })
            ),
            (reader) => Effect.sync(() => reader.stop())
          )
        ).pipe(
          Stream.mapEffect((msg) =>
            decodeResult(msg.data).pipe(
              Effect.map(Option.some),
              Effect.catch((error) => Queue.offer(rejected, error.message).pipe(Effect.as(Option.none<TaskResult>())))
            )
          ),
          Stream.flatMap((o) => Stream.fromIterable(Option.toArray(o)))
        ),
        rejected: Stream.fromQueue(rejected)
      })
    })
  )
