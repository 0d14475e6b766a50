/**
 * The services over NATS JetStream (nats.js v3; the caller brings the `NatsConnection`):
 * - tasks: stream `DLA_TASKS_<run>` (work-queue retention) with one shared durable pull consumer, explicit acks,
 *   an ack wait and a max-deliveries limit; publish dedupe by `Nats-Msg-Id = <run>/<task>/<generation>`;
 *   tasks given up are reported by the server's max-deliveries advisory.
 * - results: stream `DLA_RESULTS_<run>`, `Nats-Msg-Id = <run>/<task>`, read by the master with an ordered
 *   consumer from the first message (a new master replays the whole run).
 * - heartbeats: core subjects `dla.<run>.hb.<worker>`.
 * - checkpoints and run state: KV bucket `dla_runs`, keys `<run>.checkpoint` and `<run>.state`.
 *
 * @since 0.1.0
 */

import { FencedKv } from "@dla/election"
import * as KvBucket from "@dla/election/KvBucket"
import {
  AckPolicy,
  type Consumer,
  JetStreamApiError,
  type JetStreamManager,
  type JsMsg,
  jetstream,
  jetstreamManager,
  RetentionPolicy,
  StorageType
} from "@nats-io/jetstream"
import { Kvm } from "@nats-io/kv"
import { type Msg, millis, type NatsConnection, nanos } from "@nats-io/nats-core"
import { Cause, Duration, Effect, Layer, Option, Queue, Schedule, Schema, Stream } from "effect"
import * as AnalyserError from "./AnalyserError.ts"
import * as CheckpointStore from "./CheckpointStore.ts"
import * as Fence from "./Fence.ts"
import * as Heartbeats from "./Heartbeats.ts"
import { readAll } from "./internal/streamReader.ts"
import * as ResultChannel from "./ResultChannel.ts"
import { decodeJson, encodeJson, Task, TaskResult } from "./Task.ts"
import * as TaskQueue from "./TaskQueue.ts"

export const runsBucket = "dla_runs"
const consumerName = "workers"

/** Run ids become stream names and subject tokens: keep them to letters, digits, `-` and `_`. */
export const isValidRunId = (runId: string) => /^[A-Za-z0-9_-]{1,64}$/.test(runId)

export const names = (runId: string) => ({
  tasks: `DLA_TASKS_${runId}`,
  results: `DLA_RESULTS_${runId}`,
  taskSubject: `dla.${runId}.task`,
  resultSubject: `dla.${runId}.result`,
  heartbeat: (workerId: string) => `dla.${runId}.hb.${workerId.replace(/[^A-Za-z0-9_-]/g, "_")}`,
  heartbeats: `dla.${runId}.hb.*`,
  maxDeliveriesAdvisory: `$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.DLA_TASKS_${runId}.${consumerName}`,
  stateKey: `${runId}.state`,
  checkpointKey: `${runId}.checkpoint`
})

export interface Options extends TaskQueue.Options {
  /** How long JetStream remembers message ids for dedupe (default 10 min). */
  readonly duplicateWindow?: Duration.Input
  /**
   * Copies of the run's streams and of the `dla_runs` bucket on a NATS cluster (default 1; 3 on a 3-node cluster,
   * so the run survives the loss of a node). Applies when they are created; a left-over stream is updated to it.
   */
  readonly replicas?: number
}

const transport = (what: string) => (cause: unknown) => AnalyserError.make("Transport", what, cause)

const notFound = (error: unknown) =>
  error instanceof JetStreamApiError && [10059, 10014].includes(error.apiError().err_code)

const tryNats = <A>(what: string, f: () => Promise<A>) => Effect.tryPromise({ try: f, catch: transport(what) })

export const RunState = Schema.Struct({
  status: Schema.Literals(["running", "done"]),
  root: Schema.String,
  startedAt: Schema.String
})
export type RunState = typeof RunState.Type

/**
 * The `dla_runs` bucket, bound without a round trip (reads fail with "stream not found" until it exists). Only a
 * master creates it (`setupRun`, with the run's replicas): a worker or a watcher that starts first must not create
 * it with one copy, on whichever node it happens to reach.
 */
export const openRuns = (nc: NatsConnection) =>
  tryNats(`cannot open KV bucket ${runsBucket}`, () => new Kvm(nc).open(runsBucket))

/**
 * Creates the `dla_runs` bucket with `replicas` copies, or opens it when it exists. Masters do it in `setupRun`; a
 * process that only publishes its state (`dla analyse --follow --nats`) does it too, so that watchers can see it.
 */
export const createRuns = (nc: NatsConnection, replicas = 1) =>
  // The one bucket opener (it retries the creation race of nats-server 2.9).
  KvBucket.create(nc, runsBucket, { replicas }).pipe(
    Effect.mapError((error) => transport(`cannot create KV bucket ${runsBucket}`)(error.cause))
  )

/**
 * Creates the run's streams and consumer, or checks that left-over ones fit: a stream with another retention or
 * subjects is a Conflict (one line naming it), a consumer with other limits is updated. `fresh` deletes them first.
 */
export const setupRun = (
  nc: NatsConnection,
  runId: string,
  root: string,
  options: Options & { fresh?: boolean } = {}
) =>
  Effect.gen(function* () {
    if (!isValidRunId(runId)) {
      return yield* AnalyserError.make("Input", `bad run id "${runId}": use letters, digits, - and _ (at most 64)`)
    }
    const replicas = options.replicas ?? 1
    if (!Number.isInteger(replicas) || replicas < 1 || replicas > 5) {
      return yield* AnalyserError.make("Input", `bad replicas ${replicas}: JetStream keeps 1 to 5 copies`)
    }
    const n = names(runId)
    const jsm = yield* tryNats("JetStream is not available", () => jetstreamManager(nc))
    const kv = yield* createRuns(nc, replicas)
    if (options.fresh) {
      yield* deleteStreams(jsm, n)
      yield* tryNats("cannot reset the run's checkpoint", () => kv.delete(n.checkpointKey))
    }
    const duplicateWindow = nanos(Duration.toMillis(options.duplicateWindow ?? "10 minutes"))
    yield* ensureStream(jsm, {
      name: n.tasks,
      subjects: [n.taskSubject],
      retention: RetentionPolicy.Workqueue,
      duplicateWindow,
      replicas
    })
    yield* ensureStream(jsm, {
      name: n.results,
      subjects: [n.resultSubject],
      retention: RetentionPolicy.Limits,
      duplicateWindow,
      replicas
    })
    const consumer = {
      durable_name: consumerName,
      ack_policy: AckPolicy.Explicit,
      ack_wait: nanos(Duration.toMillis(options.ackWait ?? TaskQueue.defaults.ackWait)),
      max_deliver: options.maxDeliveries ?? TaskQueue.defaults.maxDeliveries,
      max_ack_pending: -1
    }
    yield* tryNats(`cannot create consumer ${consumerName} on ${n.tasks}`, async () => {
      const existing = await jsm.consumers.info(n.tasks, consumerName).catch(ignoreNotFound)
      if (existing === undefined) await jsm.consumers.add(n.tasks, consumer)
      else if (existing.config.ack_wait !== consumer.ack_wait || existing.config.max_deliver !== consumer.max_deliver) {
        await jsm.consumers.update(n.tasks, consumerName, {
          ack_wait: consumer.ack_wait,
          max_deliver: consumer.max_deliver
        })
      }
    })
    const state: RunState = { status: "running", root, startedAt: new Date().toISOString() }
    yield* tryNats("cannot write the run state", () => kv.put(n.stateKey, encodeJson(state)))
  })

const ignoreNotFound = (error: unknown): undefined => {
  if (notFound(error)) return undefined
  throw error
}

/** Removes the run's task and results streams (gone already is fine). */
const deleteStreams = (jsm: JetStreamManager, n: ReturnType<typeof names>) =>
  Effect.forEach(
    [n.tasks, n.results],
    (stream) => tryNats(`cannot delete stream ${stream}`, () => jsm.streams.delete(stream).catch(ignoreNotFound)),
    { discard: true }
  )

interface StreamSpec {
  readonly name: string
  readonly subjects: ReadonlyArray<string>
  readonly retention: RetentionPolicy
  readonly duplicateWindow: number
  readonly replicas: number
}

const ensureStream = (jsm: JetStreamManager, spec: StreamSpec) =>
  Effect.gen(function* () {
    const existing = yield* tryNats(`cannot read stream ${spec.name}`, () =>
      jsm.streams.info(spec.name).catch(ignoreNotFound)
    )
    if (existing === undefined) {
      yield* tryNats(`cannot create stream ${spec.name}`, () =>
        jsm.streams.add({
          name: spec.name,
          subjects: [...spec.subjects],
          retention: spec.retention,
          storage: StorageType.File,
          duplicate_window: spec.duplicateWindow,
          num_replicas: spec.replicas
        })
      )
      return
    }
    const config = existing.config
    const sameSubjects = [...config.subjects].sort().join(",") === [...spec.subjects].sort().join(",")
    if (config.retention !== spec.retention || !sameSubjects) {
      return yield* AnalyserError.make(
        "Conflict",
        `stream ${spec.name} exists with another config (retention ${config.retention}, subjects ${config.subjects.join(" ")}; expected ${spec.retention}, ${spec.subjects.join(" ")}): start over with --fresh or pick another --run`
      )
    }
    if (config.duplicate_window !== spec.duplicateWindow || config.num_replicas !== spec.replicas) {
      yield* tryNats(`cannot update stream ${spec.name}`, () =>
        jsm.streams.update(spec.name, { duplicate_window: spec.duplicateWindow, num_replicas: spec.replicas })
      )
    }
  })

/**
 * Subscribes to core-NATS `subject` now, for the scope, and gives what arrives as a stream. The SUB goes out before
 * anything this connection publishes afterwards, and the server keeps that order.
 */
const listening = (nc: NatsConnection, subject: string) =>
  Effect.gen(function* () {
    const queue = yield* Queue.unbounded<Msg>()
    yield* Effect.acquireRelease(
      Effect.sync(() => nc.subscribe(subject, { callback: (_error, msg) => void Queue.offerUnsafe(queue, msg) })),
      (sub) => Effect.sync(() => sub.unsubscribe())
    )
    return Stream.fromQueue(queue)
  })

/** The payloads of core-NATS messages on `subject` as a stream, subscribed while it runs. */
const subscription = (nc: NatsConnection, subject: string) =>
  Stream.unwrap(listening(nc, subject)).pipe(Stream.map((msg) => msg.data))

const ackPayload = new TextEncoder().encode("+ACK")

/**
 * A delivery's ack subject. nats.js keeps it as `reply` on every message it hands out (`JsMsgImpl`) but leaves it out
 * of the `JsMsg` type; an ack sent again must go there, since `ackAck()` sends at most once. The NATS conformance
 * suite acks twice, so a client that stops carrying it fails there first.
 */
const ackSubject = (msg: JsMsg) => {
  const reply = (msg as JsMsg & { readonly reply?: unknown }).reply
  if (typeof reply !== "string" || reply === "") throw new Error("this nats.js gives no ack subject for a message")
  return reply
}

const delivery = (
  nc: NatsConnection,
  msg: JsMsg,
  task: Task,
  ackWaitMs: number,
  maxDeliveries: number
): TaskQueue.Delivery => ({
  task,
  attempt: msg.info.deliveryCount,
  maxDeliveries,
  progressEvery: Duration.millis(ackWaitMs / 3),
  // An ack is a core-NATS message to the consumer's leader: one sent while a new leader is being elected is lost
  // without a word. Asking for the server's reply (JetStream's "ack ack") makes a lost ack an error to retry; the
  // same ack subject reaches whichever node leads the consumer now.
  ack: tryNats("cannot ack a task", () => nc.request(ackSubject(msg), ackPayload, { timeout: 2000 })).pipe(
    Effect.asVoid
  ),
  nak: (delay) => Effect.sync(() => msg.nak(delay === undefined ? undefined : Duration.toMillis(delay))),
  working: Effect.sync(() => msg.working())
})

const decodeTask = decodeJson(Task, "task")
const decodeResult = decodeJson(TaskResult, "result")
const decodeHeartbeat = decodeJson(Heartbeats.Heartbeat, "heartbeat")

/** TaskQueue, ResultChannel and Heartbeats of run `runId` (its streams must exist: see `setupRun`). */
export const layer = (nc: NatsConnection, runId: string, options: Options = {}) =>
  Layer.unwrap(
    Effect.gen(function* () {
      const n = names(runId)
      const js = jetstream(nc)
      const jsm = yield* tryNats("JetStream is not available", () => jetstreamManager(nc))
      // A worker learns the run's ack wait and delivery limit from the consumer the master made.
      const consumerConfig = yield* Effect.promise(() =>
        jsm.consumers.info(n.tasks, consumerName).then(
          (info) => info.config,
          () => undefined
        )
      )
      const ackWaitMs =
        options.ackWait !== undefined
          ? Duration.toMillis(options.ackWait)
          : consumerConfig?.ack_wait !== undefined
            ? millis(consumerConfig.ack_wait)
            : Duration.toMillis(TaskQueue.defaults.ackWait)
      const maxDeliveries = options.maxDeliveries ?? consumerConfig?.max_deliver ?? TaskQueue.defaults.maxDeliveries

      const streamExists = tryNats(`cannot read stream ${n.tasks}`, () =>
        jsm.streams.info(n.tasks).then(
          () => true,
          (error) => (notFound(error) ? false : Promise.reject(error))
        )
      )
      // Looked up once (a round trip), again only after an error.
      let tasksConsumer: Promise<Consumer> | undefined
      // One pull: Some(Some(delivery)), Some(None) when the run's queue is gone, None to pull again.
      const pull: Effect.Effect<
        Option.Option<Option.Option<TaskQueue.Delivery>>,
        AnalyserError.AnalyserError
      > = Effect.tryPromise({
        try: async (signal) => {
          tasksConsumer ??= js.consumers.get(n.tasks, consumerName)
          const msg = await (await tasksConsumer).next({ expires: 2000 })
          // A take interrupted meanwhile must not keep the task until its ack wait runs out.
          if (signal.aborted) msg?.nak()
          return signal.aborted ? null : msg
        },
        catch: transport("cannot pull a task")
      }).pipe(
        Effect.flatMap((msg) => {
          if (msg === null) {
            return streamExists.pipe(Effect.map((exists) => (exists ? Option.none() : Option.some(Option.none()))))
          }
          return decodeTask(msg.data).pipe(
            Effect.map((task) => Option.some(Option.some(delivery(nc, msg, task, ackWaitMs, maxDeliveries)))),
            // A message that is not a task is dropped for good rather than redelivered forever.
            Effect.catch(() => Effect.sync(() => msg.term()).pipe(Effect.as(Option.none())))
          )
        }),
        Effect.tapError(() =>
          Effect.sync(() => {
            tasksConsumer = undefined
          })
        ),
        Effect.catch((error) =>
          notFound(error.cause)
            ? Effect.succeed(Option.some(Option.none()))
            : // The server may be restarting: try again shortly (the connection reconnects by itself).
              Effect.sleep("250 millis").pipe(Effect.as(Option.none()))
        )
      )
      const take = pull.pipe(
        Effect.repeat({ until: Option.isSome }),
        Effect.map((o) => Option.flatten(o))
      )

      const poisoned = subscription(nc, n.maxDeliveriesAdvisory).pipe(
        Stream.mapEffect((data) =>
          tryNats("cannot read a given-up task", async () => {
            const advisory = JSON.parse(new TextDecoder().decode(data)) as { stream_seq: number; deliveries: number }
            const stored = await jsm.streams.getMessage(n.tasks, { seq: advisory.stream_seq })
            // Remove it so it no longer counts as outstanding; its id is all the master needs.
            await jsm.streams.deleteMessage(n.tasks, advisory.stream_seq).catch(() => false)
            if (stored === null) return []
            const task = JSON.parse(new TextDecoder().decode(stored.data)) as Task
            return [{ taskId: task.taskId, deliveries: advisory.deliveries }]
          }).pipe(
            // Mid-election a cluster does not answer for a few seconds: losing the advisory would hang the run.
            Effect.retry({ schedule: Schedule.spaced("500 millis"), times: 60 })
          )
        ),
        Stream.flatMap((found) => Stream.fromIterable(found))
      )

      const taskQueue = TaskQueue.TaskQueue.of({
        publish: (tasks, generation) =>
          tryNats("cannot publish tasks", async () => {
            // Pipelined publishes: each waits for its ack, 128 in flight at once.
            for (let i = 0; i < tasks.length; i += 128) {
              await Promise.all(
                tasks
                  .slice(i, i + 128)
                  .map((task) =>
                    js.publish(n.taskSubject, encodeJson(task), { msgID: `${runId}/${task.taskId}/${generation}` })
                  )
              )
            }
          }),
        take,
        poisoned,
        outstanding: tryNats("cannot read the task consumer", async () => {
          const info = await jsm.consumers.info(n.tasks, consumerName)
          return info.num_pending + info.num_ack_pending
        }),
        close: Effect.gen(function* () {
          const kv = yield* openRuns(nc)
          yield* tryNats("cannot write the run state", async () => {
            const entry = await kv.get(n.stateKey)
            const state = entry === null || entry.operation !== "PUT" ? {} : entry.json<object>()
            await kv.put(n.stateKey, encodeJson({ ...state, status: "done" }))
          })
          yield* deleteStreams(jsm, n)
        })
      })

      // Messages on the results subject that are not results (a bug, or a publisher that should not be there).
      const rejected = yield* Queue.unbounded<string>()
      const results = ResultChannel.ResultChannel.of({
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

      const heartbeats = Heartbeats.Heartbeats.of({
        beat: (heartbeat) =>
          Effect.try({
            try: () => nc.publish(n.heartbeat(heartbeat.workerId), encodeJson(heartbeat)),
            catch: transport("cannot send a heartbeat")
          }),
        listen: listening(nc, n.heartbeats).pipe(
          Effect.map((beats) =>
            beats.pipe(
              Stream.mapEffect((msg) => decodeHeartbeat(msg.data).pipe(Effect.option)),
              Stream.flatMap((o) => Stream.fromIterable(Option.toArray(o)))
            )
          )
        )
      })

      return Layer.mergeAll(
        Layer.succeed(TaskQueue.TaskQueue, taskQueue),
        Layer.succeed(ResultChannel.ResultChannel, results),
        Layer.succeed(Heartbeats.Heartbeats, heartbeats)
      )
    })
  )

/** The KV checkpoint as stored: file lists left out (they follow from the task ids and the plan) so it stays small. */
const storedCheckpoint = (checkpoint: CheckpointStore.Checkpoint) => ({
  ...checkpoint,
  processed_files: [],
  pending_files: []
})

/**
 * Checkpoints in KV (`dla_runs`, key `<run>.checkpoint`), written through the master's `Fence`: term-stamped and by
 * compare-and-set, and adopted (re-stamped with this master's term) when the master loads it, so a master that lost
 * the run can never write one after its successor took over. The directory checkpoint keeps the file lists.
 */
export const layerCheckpoints = (nc: NatsConnection, runId: string) =>
  Layer.effect(
    CheckpointStore.CheckpointStore,
    Effect.gen(function* () {
      const kv = yield* openRuns(nc)
      const fence = yield* Fence.Fence
      const key = names(runId).checkpointKey
      return CheckpointStore.CheckpointStore.of({
        load: fence.adoptKv(kv, key).pipe(Effect.map(CheckpointStore.decodeUnknown)),
        save: (checkpoint) => fence.writeKv(kv, key, storedCheckpoint(checkpoint))
      })
    })
  )

/** The run's KV checkpoint, read only (for `dla status` and other watchers: nothing is re-stamped). */
export const readCheckpoint = (nc: NatsConnection, runId: string) =>
  Effect.gen(function* () {
    const kv = yield* openRuns(nc)
    const stamped = yield* FencedKv.read(kv, names(runId).checkpointKey).pipe(
      Effect.mapError(transport("cannot read the KV checkpoint"))
    )
    return stamped === undefined ? Option.none() : CheckpointStore.decodeUnknown(stamped.value)
  })

/** A run's lifecycle record as a watcher sees it. */
export interface RunEntry {
  readonly runId: string
  readonly state: RunState
}

const stateSubjects = `$KV.${runsBucket}.*.state`

/**
 * Every run's lifecycle record: those in KV now (oldest first), then each one written from now on, as it is written.
 * The subscription is to the KV bucket's own subjects (a KV write is a message on `$KV.dla_runs.<key>`), made before
 * KV is read, so nothing written between the two is missed, and it works before any master has created the bucket:
 * a worker that starts first learns of the run the moment it is set up, without polling.
 */
export const watchRuns = (nc: NatsConnection) =>
  Effect.gen(function* () {
    const writes = yield* listening(nc, stateSubjects)
    const now = yield* runs(nc).pipe(
      Effect.catchIf(
        (error) => error.cause instanceof Error && error.cause.name === "StreamNotFoundError",
        () => Effect.succeed([])
      )
    )
    const later = writes.pipe(
      Stream.flatMap((msg) => {
        const runId = msg.subject.slice(`$KV.${runsBucket}.`.length, -".state".length)
        // A deleted record (an empty message with a KV-Operation header) or one that is not a run state is skipped.
        const state = Schema.decodeUnknownOption(RunState)(parseJson(msg.data))
        return Stream.fromIterable(Option.toArray(Option.map(state, (state): RunEntry => ({ runId, state }))))
      })
    )
    return Stream.concat(Stream.fromIterable<RunEntry>(now), later)
  })

const parseJson = (data: Uint8Array): unknown => {
  try {
    return JSON.parse(new TextDecoder().decode(data))
  } catch {
    return undefined
  }
}

/** The runs known in KV, oldest first (a worker with no `--run` serves the running ones in this order). */
export const runs = (nc: NatsConnection) =>
  Effect.gen(function* () {
    const kv = yield* openRuns(nc)
    return yield* tryNats("cannot list runs", async () => {
      const found: Array<{ runId: string; state: RunState }> = []
      // No bucket yet: no master has set a run up.
      const keys = await kv.keys("*.state").catch(ignoreNotFound)
      for await (const key of keys ?? []) {
        const entry = await kv.get(key)
        if (entry === null || entry.operation !== "PUT") continue
        const state = Schema.decodeUnknownOption(RunState)(entry.json())
        if (Option.isSome(state)) {
          found.push({ runId: key.slice(0, -".state".length), state: state.value })
        }
      }
      return found.sort((a, b) => a.state.startedAt.localeCompare(b.state.startedAt))
    })
  })
