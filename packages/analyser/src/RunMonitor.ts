/**
 * What a run looks like from outside: the master's events (and the heartbeats it receives) folded into one
 * `RunState` snapshot by a pure reducer, so a dashboard, `dla status` or a test can watch a run.
 *
 * In NATS mode `publish` sends every discrete event on `dla.<run>.events` and the latest snapshot, throttled, to
 * KV `dla_runs` key `<run>.snapshot` (not `<run>.state`: that one is the run's lifecycle record, which workers read).
 *
 * @since 0.1.0
 */

import type { Counts } from "@dla/core"
import type { NatsConnection } from "@nats-io/nats-core"
import { Clock, Duration, Effect, Option, PubSub, Schedule, Schema, type Scope, Stream, SubscriptionRef } from "effect"
import * as AnalyserError from "./AnalyserError.ts"
import type * as Master from "./Master.ts"
import { CountsSchema, encodeJson } from "./Task.ts"

/**
 * One worker as a run's snapshot shows it: alive or failed, what it holds, what it has done.
 *
 * @since 0.1.0
 * @category models
 */
export const WorkerView = Schema.Struct({
  workerId: Schema.String,
  status: Schema.Literals(["alive", "failed"]),
  /** Task ids the worker said it holds in its last heartbeat. */
  inFlight: Schema.Array(Schema.String),
  /** What those tasks cover: relative paths, with `[start-end]` for a byte range (its current task). */
  working: Schema.Array(Schema.String),
  /** Tasks whose result from this worker the master counted (duplicates and other masters' results left out). */
  tasksDone: Schema.Number,
  joinedAt: Schema.Number,
  /** Epoch ms of its last heartbeat (or of joining). */
  lastHeartbeat: Schema.Number
})

/**
 * A decoded {@link WorkerView}.
 *
 * @since 0.1.0
 * @category models
 */
export type WorkerView = typeof WorkerView.Type

/**
 * Cumulative totals at one moment, with the rate since the previous sample.
 *
 * @since 0.1.0
 * @category models
 */
export const Sample = Schema.Struct({
  at: Schema.Number,
  lines: Schema.Number,
  bytes: Schema.Number,
  linesPerSecond: Schema.Number,
  bytesPerSecond: Schema.Number
})

/**
 * A decoded {@link Sample}.
 *
 * @since 0.1.0
 * @category models
 */
export type Sample = typeof Sample.Type

/**
 * A failed worker's tasks put back on the queue, and when.
 *
 * @since 0.1.0
 * @category models
 */
export const Recovery = Schema.Struct({
  at: Schema.Number,
  workerId: Schema.String,
  /** Paths of the tasks put back on the queue. */
  requeued: Schema.Array(Schema.String)
})

/**
 * A line of a run's log, with its epoch-ms time.
 *
 * @since 0.1.0
 * @category models
 */
export const LogLine = Schema.Struct({ at: Schema.Number, text: Schema.String })

/**
 * A run's snapshot: its status, progress, counts, workers, recoveries and recent log, as `dla status` and the dashboard
 * read it.
 *
 * @since 0.1.0
 * @category models
 */
export const RunState = Schema.Struct({
  version: Schema.Literal(1),
  runId: Schema.String,
  status: Schema.Literals(["starting", "running", "waiting", "done", "failed"]),
  startedAt: Schema.Number,
  updatedAt: Schema.Number,
  /**
   * Epoch ms the master last said it is alive: every event, and every publish (at least each `keepAlive`, events or
   * not). A run not over whose master is silent for long is stale: its master died (see `silentFor`).
   */
  masterSeenAt: Schema.Number,
  finishedAt: Schema.NullOr(Schema.Number),
  /** Why the run failed (status "failed"). */
  error: Schema.NullOr(Schema.String),
  resumed: Schema.NullOr(Schema.Struct({ filesAlreadyProcessed: Schema.Number, tasksAlreadyDone: Schema.Number })),
  files: Schema.Struct({ total: Schema.Number, done: Schema.Number }),
  tasks: Schema.Struct({ total: Schema.Number, pending: Schema.Number, inFlight: Schema.Number, done: Schema.Number }),
  bytes: Schema.Struct({ total: Schema.Number, done: Schema.Number }),
  counts: CountsSchema,
  workers: Schema.Array(WorkerView),
  recoveries: Schema.Array(Recovery),
  failedTasks: Schema.Array(Schema.Struct({ path: Schema.String, reason: Schema.String })),
  /** Messages on the results channel the master set aside (not results, or failing validation), and the last why. */
  rejected: Schema.Struct({ count: Schema.Number, lastReason: Schema.NullOr(Schema.String) }),
  checkpoints: Schema.Struct({
    saved: Schema.Number,
    lastSequence: Schema.NullOr(Schema.Number),
    lastAt: Schema.NullOr(Schema.Number)
  }),
  throughput: Schema.Array(Sample),
  /** The elected master and its term, once leader election reports it. */
  leader: Schema.NullOr(Schema.Struct({ id: Schema.String, term: Schema.Number })),
  /** The latest discrete events, oldest first, as one readable line each. */
  log: Schema.Array(LogLine)
})

/**
 * A decoded {@link RunState}.
 *
 * @since 0.1.0
 * @category models
 */
export type RunState = typeof RunState.Type

/**
 * Master events plus what only the caller of `Master.run` (or the election) knows, and what a run without a master
 * says (`dla analyse --follow`: it counts in one process, with no tasks nor workers).
 *
 * @since 0.1.0
 * @category models
 */
export type Event =
  | Master.Event
  | { readonly _tag: "Finished"; readonly summary: Master.Summary }
  | { readonly _tag: "RunFailed"; readonly message: string }
  | { readonly _tag: "LeaderElected"; readonly leaderId: string; readonly term: number }
  /** A follower's totals so far, over `files` files. */
  | { readonly _tag: "Counted"; readonly files: number; readonly counts: Counts.Counts }
  /** A follower stopped after `durationMs`: its totals are final (the run is done). */
  | { readonly _tag: "Stopped"; readonly files: number; readonly counts: Counts.Counts; readonly durationMs: number }

/**
 * How much history a snapshot keeps (it travels as one KV value).
 *
 * @since 0.1.0
 * @category constants
 */
export const limits = { samples: 180, log: 50, recoveries: 50, failedTasks: 50, sampleEveryMs: 1000 } as const

/**
 * The snapshot of run `runId` before any event, started at epoch ms `at`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const initial = (runId: string, at: number): RunState => ({
  version: 1,
  runId,
  status: "starting",
  startedAt: at,
  updatedAt: at,
  masterSeenAt: at,
  finishedAt: null,
  error: null,
  resumed: null,
  files: { total: 0, done: 0 },
  tasks: { total: 0, pending: 0, inFlight: 0, done: 0 },
  bytes: { total: 0, done: 0 },
  counts: { levels: {}, lines: 0, unmatched: 0, bytes: 0 },
  workers: [],
  recoveries: [],
  failedTasks: [],
  rejected: { count: 0, lastReason: null },
  checkpoints: { saved: 0, lastSequence: null, lastAt: null },
  throughput: [],
  leader: null,
  log: []
})

const keepLast = <A>(items: ReadonlyArray<A>, item: A, max: number): ReadonlyArray<A> => [...items, item].slice(-max)

/**
 * One readable line per discrete event (none for progress and heartbeats).
 *
 * @since 0.1.0
 * @category formatting
 */
export const describe = (event: Event): string | undefined => {
  switch (event._tag) {
    case "Started":
      return `started: ${event.files} files, ${event.tasks} tasks, ${event.bytes} bytes`
    case "Resumed":
      return `resumed from a checkpoint: ${event.filesAlreadyProcessed} files already processed`
    case "WorkerJoined":
      return `worker ${event.workerId} joined`
    case "WorkerFailed":
      return `worker ${event.workerId} failed: ${event.requeued.length} task(s) requeued`
    case "WaitingForWorkers":
      return `waiting for workers: ${event.pendingTasks} task(s) pending`
    case "TaskFailed":
      return `gave up on ${event.path}: ${event.reason}`
    case "CheckpointSaved":
      return `checkpoint ${event.sequence} saved`
    case "ResultRejected":
      return `set a result aside: ${event.reason}`
    case "Retrying":
      return `retrying ${event.what}: ${event.reason}`
    case "Straggler":
      // A copy for a worker known to be slow goes out well within a second.
      return `${event.path} is taking ${event.heldMs < 1000 ? `${Math.round(event.heldMs)} ms` : `${Math.round(event.heldMs / 1000)} s`}: also given to an idle worker`
    case "Finished":
      return `finished: ${event.summary.counts.lines} lines in ${event.summary.durationMs} ms`
    case "RunFailed":
      return `run failed: ${event.message}`
    case "LeaderElected":
      return `leader ${event.leaderId} (term ${event.term})`
    case "Stopped":
      return `stopped: ${event.counts.lines} lines in ${event.durationMs} ms`
    case "Progress":
    case "Heartbeat":
    case "Counted":
      return undefined
  }
}

/** Tasks held by live workers, bounded by what is not done yet. */
const withTasks = (state: RunState, workers: ReadonlyArray<WorkerView>, done: number): RunState => {
  const held = new Set(workers.filter((w) => w.status === "alive").flatMap((w) => w.inFlight)).size
  const inFlight = Math.min(held, state.tasks.total - done)
  return {
    ...state,
    workers,
    tasks: { total: state.tasks.total, done, inFlight, pending: state.tasks.total - done - inFlight }
  }
}

const upsertWorker = (
  workers: ReadonlyArray<WorkerView>,
  workerId: string,
  at: number,
  update: (w: WorkerView) => WorkerView
): ReadonlyArray<WorkerView> => {
  const known = workers.some((w) => w.workerId === workerId)
  const base: WorkerView = {
    workerId,
    status: "alive",
    inFlight: [],
    working: [],
    tasksDone: 0,
    joinedAt: at,
    lastHeartbeat: at
  }
  return known ? workers.map((w) => (w.workerId === workerId ? update(w) : w)) : [...workers, update(base)]
}

const sample = (samples: ReadonlyArray<Sample>, at: number, lines: number, bytes: number): ReadonlyArray<Sample> => {
  const last = samples.at(-1)
  // The first sample is a baseline (after a resume the totals jump to the checkpoint's: not a rate).
  if (last === undefined) return [{ at, lines, bytes, linesPerSecond: 0, bytesPerSecond: 0 }]
  if (at - last.at < limits.sampleEveryMs) return samples
  const seconds = (at - last.at) / 1000
  return keepLast(
    samples,
    {
      at,
      lines,
      bytes,
      linesPerSecond: Math.round((lines - last.lines) / seconds),
      bytesPerSecond: Math.round((bytes - last.bytes) / seconds)
    },
    limits.samples
  )
}

/** A follower's totals: every file seen is done, every byte read counted. */
const counted = (state: RunState, files: number, counts: Counts.Counts, at: number): RunState => ({
  ...state,
  files: { total: files, done: files },
  bytes: { total: counts.bytes, done: counts.bytes },
  counts,
  throughput: sample(state.throughput, at, counts.lines, counts.bytes)
})

/**
 * Folds one event, seen at epoch ms `at`, into the snapshot. Pure: the same inputs give the same state.
 *
 * @since 0.1.0
 * @category combinators
 */
export const reduce = (state: RunState, event: Event, at: number): RunState => {
  const text = describe(event)
  const next = reduceEvent({ ...state, updatedAt: at, masterSeenAt: at }, event, at)
  return text === undefined ? next : { ...next, log: keepLast(next.log, { at, text }, limits.log) }
}

const reduceEvent = (state: RunState, event: Event, at: number): RunState => {
  switch (event._tag) {
    case "Started":
      return {
        ...state,
        status: "running",
        files: { total: event.files, done: 0 },
        tasks: { total: event.tasks, pending: event.tasks, inFlight: 0, done: 0 },
        bytes: { total: event.bytes, done: 0 }
      }
    case "Resumed":
      return withTasks(
        {
          ...state,
          resumed: { filesAlreadyProcessed: event.filesAlreadyProcessed, tasksAlreadyDone: event.tasksAlreadyDone },
          files: { ...state.files, done: event.filesAlreadyProcessed }
        },
        state.workers,
        event.tasksAlreadyDone
      )
    case "Progress": {
      const p = event.progress
      const workers =
        event.workerId === undefined
          ? state.workers
          : upsertWorker(state.workers, event.workerId, at, (w) => ({ ...w, tasksDone: w.tasksDone + 1 }))
      return withTasks(
        {
          ...state,
          files: { total: p.filesTotal, done: p.filesDone },
          bytes: { total: p.bytesTotal, done: p.bytesDone },
          counts: event.counts,
          throughput: sample(state.throughput, at, event.counts.lines, event.counts.bytes)
        },
        workers,
        p.tasksDone
      )
    }
    case "WorkerJoined":
      return withTasks(
        { ...state, status: state.status === "waiting" ? "running" : state.status },
        upsertWorker(state.workers, event.workerId, at, (w) => ({ ...w, status: "alive", lastHeartbeat: at })),
        state.tasks.done
      )
    case "Heartbeat": {
      const hb = event.heartbeat
      return withTasks(
        { ...state, status: state.status === "waiting" ? "running" : state.status },
        upsertWorker(state.workers, hb.workerId, at, (w) => ({
          ...w,
          status: "alive",
          inFlight: hb.inFlight,
          working: event.working,
          lastHeartbeat: at
        })),
        state.tasks.done
      )
    }
    case "WorkerFailed":
      return withTasks(
        {
          ...state,
          recoveries: keepLast(
            state.recoveries,
            { at, workerId: event.workerId, requeued: event.requeued },
            limits.recoveries
          )
        },
        upsertWorker(state.workers, event.workerId, at, (w) => ({ ...w, status: "failed", inFlight: [], working: [] })),
        state.tasks.done
      )
    case "WaitingForWorkers":
      return { ...state, status: "waiting" }
    case "TaskFailed":
      return {
        ...state,
        failedTasks: keepLast(state.failedTasks, { path: event.path, reason: event.reason }, limits.failedTasks)
      }
    case "CheckpointSaved":
      return {
        ...state,
        checkpoints: { saved: state.checkpoints.saved + 1, lastSequence: event.sequence, lastAt: at }
      }
    case "Finished": {
      const s = event.summary
      return withTasks(
        {
          ...state,
          status: "done",
          finishedAt: at,
          counts: s.counts,
          files: { total: s.files, done: s.filesProcessed },
          bytes: { total: state.bytes.total, done: state.bytes.total },
          throughput: sample(state.throughput, at, s.counts.lines, s.counts.bytes)
        },
        state.workers.map((w) => ({ ...w, inFlight: [], working: [] })),
        s.tasks
      )
    }
    case "RunFailed":
      return { ...state, status: "failed", finishedAt: at, error: event.message }
    case "LeaderElected":
      return { ...state, leader: { id: event.leaderId, term: event.term } }
    case "ResultRejected":
      return { ...state, rejected: { count: state.rejected.count + 1, lastReason: event.reason } }
    case "Retrying":
    case "Straggler":
      return state
    case "Counted":
      return { ...counted(state, event.files, event.counts, at), status: "running" }
    case "Stopped":
      return { ...counted(state, event.files, event.counts, at), status: "done", finishedAt: at }
  }
}

/**
 * A published run's master refreshes `masterSeenAt` this often (see `publish`)...
 *
 * @since 0.1.0
 * @category constants
 */
export const keepAlive = Duration.seconds(2)

/**
 * ...so one silent this long is gone.
 *
 * @since 0.1.0
 * @category constants
 */
export const staleAfter = Duration.seconds(10)

/**
 * How long the master of a run that is not over has been silent, in ms, when that is past `staleAfter` (its master
 * died or lost NATS: the run is stale, not running); undefined for a live or finished run. `now` is the reader's clock.
 *
 * @since 0.1.0
 * @category predicates
 */
export const silentFor = (state: RunState, now: number): number | undefined => {
  if (state.status === "done" || state.status === "failed") return undefined
  const silent = now - state.masterSeenAt
  return silent >= Duration.toMillis(staleAfter) ? silent : undefined
}

/**
 * A live run: events go in with `push` (the master's, read off its `Master.Events` by {@link feed}; a follower's
 * own); the state is a `SubscriptionRef` (its `changes`: the current state, then each new one) and every event goes
 * out again on a `PubSub`, once folded into the state.
 *
 * @since 0.1.0
 * @category models
 */
export interface Monitor {
  readonly runId: string
  /** Folds `event` into `state`, then publishes it on `events`. */
  readonly push: (event: Event) => void
  readonly current: () => RunState
  readonly state: SubscriptionRef.SubscriptionRef<RunState>
  /** Every event pushed after a reader subscribed (unbounded: a slow reader never holds the master up). */
  readonly events: PubSub.PubSub<Event>
}

/**
 * A {@link Monitor} of run `runId`, its state the {@link initial} one; `now` stamps each event.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (runId: string, now: () => number = Date.now): Monitor => {
  const state = Effect.runSync(SubscriptionRef.make(initial(runId, now())))
  const events = Effect.runSync(PubSub.unbounded<Event>())
  return {
    runId,
    push: (event) => {
      Effect.runSync(SubscriptionRef.update(state, (current) => reduce(current, event, now())))
      PubSub.publishUnsafe(events, event)
    },
    current: () => SubscriptionRef.getUnsafe(state),
    state,
    events
  }
}

/**
 * Reads `hub` until the scope closes: subscribed before this returns (nothing published from then on is missed),
 * `handle` runs on each message in a fiber of the scope, and when the scope closes on the messages not read yet.
 * A message taken is handled even if the scope closes meanwhile. How every reader of a run's events reads them.
 *
 * @since 0.2.0
 * @category streams
 */
export const consume = <A>(
  hub: PubSub.PubSub<A>,
  handle: (message: A) => Effect.Effect<void>
): Effect.Effect<void, never, Scope.Scope> =>
  Effect.gen(function* () {
    const subscription = yield* PubSub.subscribe(hub)
    const handleAll = (messages: ReadonlyArray<A>) => Effect.forEach(messages, handle, { discard: true })
    // Runs after the reading fiber is interrupted (finalizers run last added first).
    yield* Effect.addFinalizer(() =>
      PubSub.takeUpTo(subscription, Number.POSITIVE_INFINITY).pipe(Effect.flatMap(handleAll))
    )
    yield* Effect.uninterruptibleMask((restore) =>
      restore(PubSub.takeAll(subscription)).pipe(Effect.flatMap(handleAll))
    ).pipe(Effect.forever, Effect.forkScoped)
  })

/**
 * Feeds `monitor` the master's events from `hub` (`Master.Events`) until the scope closes (see {@link consume}).
 *
 * @since 0.2.0
 * @category streams
 */
export const feed = (monitor: Monitor, hub: PubSub.PubSub<Master.Event>) =>
  consume(hub, (event) => Effect.sync(() => monitor.push(event)))

/**
 * Where run `runId` is published: the subject of its events and the KV key of its snapshot.
 *
 * @since 0.1.0
 * @category naming
 */
export const subjects = (runId: string) => ({
  events: `dla.${runId}.events`,
  snapshotKey: `${runId}.snapshot`
})

/**
 * How often {@link publish} writes a run's snapshot to KV.
 *
 * @since 0.1.0
 * @category models
 */
export interface PublishOptions {
  /** At most one KV write per interval (default 500 ms); the last state is always written when the scope closes. */
  readonly interval?: Duration.Input
  /** Written at least this often, changed or not, with `masterSeenAt` now (default `keepAlive`). */
  readonly keepAlive?: Duration.Input
  /**
   * Publish only while this says true (default: always). A standby master publishes only while it leads, so the
   * one run's snapshot and events come from its current leader alone.
   */
  readonly active?: () => boolean
}

/**
 * Publishes `monitor` over NATS until the scope closes: discrete events (not progress nor heartbeats) on
 * `dla.<run>.events` at once, the snapshot to KV throttled. Failures to publish are ignored: watching a run must
 * never break it.
 *
 * @since 0.1.0
 * @category writing
 */
export const publish = (nc: NatsConnection, monitor: Monitor, options: PublishOptions = {}) =>
  Effect.gen(function* () {
    const names = subjects(monitor.runId)
    // The master creates the bucket when it sets the run up, which may be after this starts: until then a write
    // fails and is tried again at the next interval.
    const kv = yield* openRuns(nc).pipe(Effect.option)
    const active = options.active ?? (() => true)
    /** The state last written, and when: a new state is written at the next interval, an unchanged one at keepAlive. */
    let written: RunState | undefined
    let writtenAt = Number.NEGATIVE_INFINITY
    const keepAliveMs = Duration.toMillis(Duration.fromInputUnsafe(options.keepAlive ?? keepAlive))
    // While inactive nothing is written: the first write after becoming active carries every change.
    const write = Effect.gen(function* () {
      const now = yield* Clock.currentTimeMillis
      const current = monitor.current()
      if ((current === written && now - writtenAt < keepAliveMs) || Option.isNone(kv) || !active()) return
      // The master is alive now, whatever its last event's time.
      const state = { ...current, masterSeenAt: now }
      yield* Effect.tryPromise(() => kv.value.put(names.snapshotKey, encodeJson(state))).pipe(
        Effect.andThen(
          Effect.sync(() => {
            written = current
            writtenAt = now
          })
        ),
        Effect.ignore
      )
    })
    const say = (event: Event) => {
      if (active() && describe(event) !== undefined) publishQuietly(nc, names.events, encodeJson(event))
    }
    // Subscribed now, so no event pushed from here on is missed; those still unread when the scope closes are sent
    // then, before the last state is written.
    yield* Effect.addFinalizer(() => write)
    yield* consume(monitor.events, (event) => Effect.sync(() => say(event)))
    yield* write.pipe(Effect.andThen(Effect.sleep(options.interval ?? "500 millis")), Effect.forever, Effect.forkScoped)
  })

const publishQuietly = (nc: NatsConnection, subject: string, data: Uint8Array) => {
  try {
    nc.publish(subject, data)
  } catch {
    // A closed or draining connection: the snapshot still carries the event's effect.
  }
}

/**
 * A run's snapshot from any value (a parsed KV entry); `None` when it is not one.
 *
 * @since 0.1.0
 * @category parsing
 */
export const decode = (json: unknown): Option.Option<RunState> => Schema.decodeUnknownOption(RunState)(json)

/**
 * The runs module. The NATS client is loaded here, when a run is published or read, not with every monitor: `dla
 * analyse` on one machine feeds a monitor and never needs NATS (its start is faster without).
 */
const runsKv = Effect.promise(() => import("./nats/RunsKv.ts"))

/** The runs bucket to write to (it may not exist yet: writes fail until a master creates it). */
const openRuns = (nc: NatsConnection) => runsKv.pipe(Effect.flatMap((transport) => transport.openRuns(nc)))

/** No bucket yet means no run has been published yet. */
const noBucket = (error: AnalyserError.AnalyserError) =>
  error.cause instanceof Error && error.cause.name === "StreamNotFoundError"

/** The runs bucket to read from, `None` until a master has created it (see `RunsKv.readRuns`). */
const readRuns = (nc: NatsConnection) => runsKv.pipe(Effect.flatMap((transport) => transport.readRuns(nc)))

/**
 * The latest snapshot of `runId` from KV, if any.
 *
 * @since 0.1.0
 * @category reading
 */
export const read = (nc: NatsConnection, runId: string) =>
  Effect.gen(function* () {
    const bucket = yield* readRuns(nc)
    if (Option.isNone(bucket)) return Option.none<RunState>()
    const entry = yield* Effect.tryPromise({
      try: () => bucket.value.get(subjects(runId).snapshotKey),
      catch: (cause) => AnalyserError.make("Transport", `cannot read the snapshot of run ${runId}`, cause)
    })
    return entry === null || entry.operation !== "PUT" ? Option.none<RunState>() : decode(entry.json())
  })

/**
 * The latest snapshot of every run in KV, newest start first.
 *
 * @since 0.1.0
 * @category reading
 */
export const list = (nc: NatsConnection) =>
  Effect.gen(function* () {
    const bucket = yield* readRuns(nc)
    if (Option.isNone(bucket)) return []
    const kv = bucket.value
    return yield* Effect.tryPromise({
      try: async () => {
        const found: Array<RunState> = []
        for await (const key of await kv.keys("*.snapshot")) {
          const entry = await kv.get(key)
          if (entry === null || entry.operation !== "PUT") continue
          const state = decode(entry.json())
          if (Option.isSome(state)) found.push(state.value)
        }
        return found.sort((a, b) => b.startedAt - a.startedAt)
      },
      catch: (cause) => AnalyserError.make("Transport", "cannot read run snapshots", cause)
    })
  })

/**
 * The current snapshot and every later one, of `runId` or of every run.
 *
 * @since 0.1.0
 * @category reading
 */
export const watch = (nc: NatsConnection, runId?: string): Stream.Stream<RunState, AnalyserError.AnalyserError> =>
  Stream.unwrap(
    Effect.gen(function* () {
      const { openRuns, runsBucket: bucket } = yield* runsKv
      const kv = yield* openRuns(nc)
      // A watcher may start before any master has created the bucket: wait for it rather than create it.
      const entries = yield* Effect.tryPromise({
        try: () => kv.watch({ key: runId === undefined ? "*.snapshot" : subjects(runId).snapshotKey }),
        catch: (cause) => AnalyserError.make("Transport", `cannot watch ${bucket}`, cause)
      }).pipe(Effect.retry({ while: noBucket, schedule: Schedule.spaced("1 second") }))
      return Stream.fromAsyncIterable(entries, (cause) =>
        AnalyserError.make("Transport", `watching ${bucket} failed`, cause)
      ).pipe(
        Stream.ensuring(Effect.sync(() => entries.stop())),
        Stream.flatMap((entry) =>
          Stream.fromIterable(entry.operation === "PUT" ? Option.toArray(decode(entry.json())) : [])
        )
      )
    })
  )
