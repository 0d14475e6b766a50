/**
 * The result channel over JetStream: stream `DLA_RESULTS_<run>`, read by the master with an ordered consumer from the
 * first message (a new master replays the whole run). A message holds one result (`Nats-Msg-Id = <run>/<task>`) or a
 * batch of them, a JSON array (`Nats-Msg-Id = <run>/batch/<digest of its task ids>`: the same batch sent again is
 * dropped by the server; a task in two different batches by the master).
 *
 * @since 0.1.0
 */
import { createHash } from "node:crypto"
import { type JetStreamManager, type JsMsg, RetentionPolicy } from "@nats-io/jetstream"
import type { NatsConnection } from "@nats-io/nats-core"
import { Cause, Effect, Layer, Option, Queue, Schema, Stream } from "effect"
import type * as AnalyserError from "../AnalyserError.ts"
import * as ResultChannel from "../ResultChannel.ts"
import { decodeJson, encodeJson, TaskResult } from "../Task.ts"
import { clients, ensureStream, transport, tryNats } from "./internal/jetstream.ts"
import { readAll } from "./internal/streamReader.ts"
import { names } from "./RunsKv.ts"

/**
 * Creates the run's results stream, or checks that a left-over one fits (see `ensureStream`). `fresh`: a left-over
 * stream is made again, empty.
 *
 * @since 0.1.0
 * @category lifecycle
 */
export const ensure = (
  jsm: JetStreamManager,
  runId: string,
  options: { readonly duplicateWindow: number; readonly replicas: number; readonly fresh?: boolean }
) =>
  ensureStream(jsm, {
    name: names(runId).results,
    subjects: [names(runId).resultSubject],
    retention: RetentionPolicy.Limits,
    duplicateWindow: options.duplicateWindow,
    replicas: options.replicas,
    fresh: options.fresh
  })

const decodeResults = decodeJson(Schema.Union([TaskResult, Schema.Array(TaskResult)]), "result")

const isBatch = (decoded: TaskResult | ReadonlyArray<TaskResult>): decoded is ReadonlyArray<TaskResult> =>
  Array.isArray(decoded)

/** A batch stays well under NATS's default 1 MB message limit: a bigger one goes as several messages. */
const maxBatchBytes = 256 * 1024

/** `results` as messages: each result's JSON, as many to a message as fit in `maxBatchBytes`. */
const messages = (runId: string, results: ReadonlyArray<TaskResult>) => {
  const out: Array<{ readonly data: Uint8Array; readonly msgID: string }> = []
  let batch: Array<TaskResult> = []
  let json: Array<string> = []
  let bytes = 0
  const flush = () => {
    if (batch.length === 1) out.push({ data: encodeJson(batch[0]), msgID: `${runId}/${batch[0]!.taskId}` })
    else if (batch.length > 1) {
      const digest = createHash("sha256")
        .update(batch.map((r) => r.taskId).join(","))
        .digest("base64url")
      out.push({ data: new TextEncoder().encode(`[${json.join(",")}]`), msgID: `${runId}/batch/${digest}` })
    }
    batch = []
    json = []
    bytes = 0
  }
  for (const result of results) {
    const one = JSON.stringify(result)
    if (bytes + one.length > maxBatchBytes) flush()
    batch.push(result)
    json.push(one)
    bytes += one.length
  }
  flush()
  return out
}

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
        publish: (results) =>
          tryNats("cannot publish a result", () =>
            Promise.all(messages(runId, results).map(({ data, msgID }) => js.publish(n.resultSubject, data, { msgID })))
          ).pipe(Effect.asVoid),
        // A new reader each time the stream is run: a master that resubscribes replays the run from its start.
        results: Stream.callback<JsMsg, AnalyserError.AnalyserError>((queue) =>
          Effect.acquireRelease(
            Effect.clockWith((clock) =>
              Effect.sync(() =>
                readAll(js, jsm, n.results, {
                  now: () => clock.currentTimeMillisUnsafe(),
                  onMessage: (msg) => void Queue.offerUnsafe(queue, msg),
                  onError: (error) =>
                    void Queue.failCauseUnsafe(queue, Cause.fail(transport(`reading ${n.results} failed`)(error)))
                })
              )
            ),
            (reader) => Effect.sync(() => reader.stop())
          )
        ).pipe(
          Stream.mapEffect((msg) =>
            decodeResults(msg.data).pipe(
              Effect.map((decoded) => (isBatch(decoded) ? decoded : [decoded])),
              Effect.map((batch) => (batch.length === 0 ? Option.none() : Option.some(batch))),
              Effect.catch((error) =>
                Queue.offer(rejected, error.message).pipe(Effect.as(Option.none<ReadonlyArray<TaskResult>>()))
              )
            )
          ),
          Stream.flatMap((o) => Stream.fromIterable(Option.toArray(o)))
        ),
        rejected: Stream.fromQueue(rejected)
      })
    })
  )
