/**
 * Runs in KV: the bucket `dla_runs` keeps each run's lifecycle record (`<run>.state`), and the names of the run's
 * streams and subjects follow from its id. Masters create the bucket and write the records; workers and watchers
 * read and watch them.
 *
 * @since 0.1.0
 */
import * as KvBucket from "@dla/election/KvBucket"
import { type JetStreamManager, jetstream } from "@nats-io/jetstream"
import { type KV, Kvm } from "@nats-io/kv"
import type { NatsConnection } from "@nats-io/nats-core"
import { Clock, Effect, Option, Schema, Stream } from "effect"
import type * as AnalyserError from "../AnalyserError.ts"
import { encodeJson } from "../Task.ts"
import {
  clients,
  deleteStream,
  ignoreNotFound,
  listening,
  parseJson,
  transport,
  tryNats
} from "./internal/jetstream.ts"

/**
 * The KV bucket that holds every run's lifecycle record.
 *
 * @since 0.1.0
 * @category constants
 */
export const runsBucket = "dla_runs"

/**
 * The durable consumer every worker of a run pulls tasks from.
 *
 * @since 0.1.0
 * @category constants
 */
export const consumerName = "workers"

/**
 * Run ids become stream names and subject tokens: keep them to letters, digits, `-` and `_`.
 *
 * @since 0.1.0
 * @category predicates
 */
export const isValidRunId = (runId: string) => /^[A-Za-z0-9_-]{1,64}$/.test(runId)

/**
 * The streams and subjects of run `runId`: tasks, results and each worker's heartbeats.
 *
 * @since 0.1.0
 * @category naming
 */
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

/**
 * A run's lifecycle record in `dla_runs`: running or done, its root, when it started.
 *
 * @since 0.1.0
 * @category models
 */
export const RunState = Schema.Struct({
  status: Schema.Literals(["running", "done"]),
  root: Schema.String,
  startedAt: Schema.String
})

/**
 * A decoded {@link RunState}.
 *
 * @since 0.1.0
 * @category models
 */
export type RunState = typeof RunState.Type

/**
 * The `dla_runs` bucket, bound without a round trip, for writing, and for reading by the process that created it (a
 * master after `Distributed.setupRun`). Any other reader uses `readRuns`. Only a master creates the bucket (with the
 * run's replicas): a worker or a watcher that starts first must not create it with one copy, on whichever node it
 * happens to reach.
 *
 * @since 0.1.0
 * @category constructors
 */
export const openRuns = (nc: NatsConnection) =>
  // Without asking the server first whether JetStream is there (a round trip): the bucket is known to exist.
  tryNats(`cannot open KV bucket ${runsBucket}`, () => new Kvm(jetstream(nc, { checkAPI: false })).open(runsBucket))

/**
 * The `dla_runs` bucket for a reader that may run while a master creates it (a worker, a standby, `dla status`, a
 * dashboard): `None` while it does not exist. nats-server 2.9.10 crashes (a nil store in `jsMsgGetRequest`) when a
 * STREAM.MSG.GET reaches a stream still being created, and nats.js binds a KV without looking, so that every `get`
 * is such a request. So the bucket's stream is looked up first (STREAM.INFO: "not found" is `None`), and its values
 * are read with direct gets (DIRECT.GET, answered by the stream itself once it is ready, never by a half-made one),
 * as every bucket nats.js makes on a 2.9+ server allows; a bucket made without direct gets falls back to MSG.GET,
 * on a stream that exists.
 *
 * @since 0.1.0
 * @category constructors
 */
export const readRuns = (nc: NatsConnection): Effect.Effect<Option.Option<KV>, AnalyserError.AnalyserError> =>
  Effect.gen(function* () {
    const { jsm } = yield* clients(nc)
    const info = yield* tryNats(`cannot read KV bucket ${runsBucket}`, () =>
      jsm.streams.info(`KV_${runsBucket}`).catch(ignoreNotFound)
    )
    if (info === undefined) return Option.none()
    const allowDirect = info.config.allow_direct === true
    return Option.some(
      yield* tryNats(`cannot open KV bucket ${runsBucket}`, () =>
        new Kvm(jetstream(nc, { checkAPI: false })).open(runsBucket, { allow_direct: allowDirect })
      )
    )
  })

/**
 * Creates the `dla_runs` bucket with `replicas` copies, or opens it when it exists. Masters do it in `setupRun`; a
 * process that only publishes its state (`dla analyse --follow --nats`) does it too, so that watchers can see it.
 *
 * @since 0.1.0
 * @category constructors
 */
export const createRuns = (nc: NatsConnection, replicas = 1) =>
  // The one bucket opener (it retries the creation race of nats-server 2.9).
  KvBucket.create(nc, runsBucket, { replicas }).pipe(
    Effect.mapError((error) => transport(`cannot create KV bucket ${runsBucket}`)(error.cause))
  )

/**
 * Writes the run's record as `running`, started now (masters, when they set a run up).
 *
 * @since 0.1.0
 * @category writing
 */
export const markRunning = (kv: KV, runId: string, root: string) =>
  Effect.flatMap(Clock.currentTimeMillis, (now) => {
    const state: RunState = { status: "running", root, startedAt: new Date(now).toISOString() }
    return tryNats("cannot write the run state", () => kv.put(names(runId).stateKey, encodeJson(state)))
  })

/**
 * Ends the run: its record says `done`, its task and results streams are removed, side by side (the run's last
 * checkpoint, saved before, is what a master resuming it reads: it says complete either way).
 *
 * @since 0.1.0
 * @category writing
 */
export const markDone = (nc: NatsConnection, jsm: JetStreamManager, runId: string) =>
  Effect.gen(function* () {
    const n = names(runId)
    const kv = yield* openRuns(nc)
    const record = tryNats("cannot write the run state", async () => {
      const entry = await kv.get(n.stateKey)
      const state = entry === null || entry.operation !== "PUT" ? {} : entry.json<object>()
      await kv.put(n.stateKey, encodeJson({ ...state, status: "done" }))
    })
    yield* Effect.all([record, deleteStreams(jsm, runId)], { concurrency: "unbounded", discard: true })
  })

/**
 * Removes the run's task and results streams (gone already is fine).
 *
 * @since 0.1.0
 * @category writing
 */
export const deleteStreams = (jsm: JetStreamManager, runId: string) =>
  Effect.forEach([names(runId).tasks, names(runId).results], (stream) => deleteStream(jsm, stream), {
    concurrency: "unbounded",
    discard: true
  })

/**
 * A run's lifecycle record as a watcher sees it.
 *
 * @since 0.1.0
 * @category models
 */
export interface RunEntry {
  readonly runId: string
  readonly state: RunState
}

/** The subject of run `runId`'s record, or of every run's. */
const stateSubjects = (runId = "*") => `$KV.${runsBucket}.${runId}.state`

/**
 * Every run's lifecycle record: those in KV now (oldest first), then each one written from now on, as it is written.
 * The subscription is to the KV bucket's own subjects (a KV write is a message on `$KV.dla_runs.<key>`), made before
 * KV is read, so nothing written between the two is missed, and it works before any master has created the bucket:
 * a worker that starts first learns of the run the moment it is set up, without polling.
 *
 * @since 0.1.0
 * @category reading
 */
export const watchRuns = (nc: NatsConnection, runId?: string) =>
  Effect.gen(function* () {
    const writes = yield* listening(nc, stateSubjects(runId))
    const now = yield* runs(nc, runId)
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

/**
 * The runs known in KV, oldest first (a worker with no `--run` serves the running ones in this order); only run
 * `runId`'s, when given (one read, however many runs the bucket keeps).
 *
 * @since 0.1.0
 * @category reading
 */
export const runs = (nc: NatsConnection, runId?: string) =>
  Effect.gen(function* () {
    const bucket = yield* readRuns(nc)
    // No bucket yet: no master has set a run up.
    if (Option.isNone(bucket)) return []
    const kv = bucket.value
    const { jsm } = yield* clients(nc)
    return yield* tryNats("cannot list runs", async () => {
      const found: Array<RunEntry> = []
      // The keys from the stream's subjects (STREAM.INFO), not from a consumer over the bucket (kv.keys): a worker
      // needs no right to create consumers there (deploy/nats/auth.conf), and so cannot copy the bucket elsewhere.
      // Gone since it was looked up (`dla runs prune` does not remove it, but an operator may): no runs.
      const listed = async () => {
        const info = await jsm.streams
          .info(`KV_${runsBucket}`, { subjects_filter: stateSubjects() })
          .catch(ignoreNotFound)
        const prefix = `$KV.${runsBucket}.`
        return Object.keys(info?.state.subjects ?? {}).map((subject) => subject.slice(prefix.length))
      }
      const keys = runId === undefined ? await listed() : [names(runId).stateKey]
      // Read side by side: a bucket keeps every run's record.
      const entries = await Promise.all(keys.map((key) => kv.get(key).then((entry) => ({ key, entry }))))
      for (const { key, entry } of entries) {
        if (entry === null || entry.operation !== "PUT") continue
        const state = Schema.decodeUnknownOption(RunState)(entry.json())
        if (Option.isSome(state)) {
          found.push({ runId: key.slice(0, -".state".length), state: state.value })
        }
      }
      return found.sort((a, b) => a.state.startedAt.localeCompare(b.state.startedAt))
    })
  })
