/**
 * Master and worker processes over NATS: the same `Master.run` / `Worker.run` as the embedded engine, on the
 * JetStream services. The caller brings the `NatsConnection` (and so decides servers, credentials and TLS).
 *
 * @since 0.1.0
 */
import { Leadership } from "@dla/election"
import { type NatsConnection, nanos } from "@nats-io/nats-core"
import { Clock, Context, Duration, Effect, Fiber, Layer, Option, Schedule, Stream } from "effect"
import * as AnalyserError from "../AnalyserError.ts"
import * as CheckpointStore from "../CheckpointStore.ts"
import * as Counter from "../Counter.ts"
import * as Fence from "../Fence.ts"
import * as Heartbeats from "../Heartbeats.ts"
import * as LocalFirst from "../internal/localFirst.ts"
import * as Master from "../Master.ts"
import * as ResultChannel from "../ResultChannel.ts"
import * as TaskQueue from "../TaskQueue.ts"
import * as Worker from "../Worker.ts"
import * as CheckpointKv from "./CheckpointKv.ts"
import * as HeartbeatSubjects from "./HeartbeatSubjects.ts"
import { clients, tryNats } from "./internal/jetstream.ts"
import * as ResultStream from "./ResultStream.ts"
import * as RunsKv from "./RunsKv.ts"
import * as TaskStream from "./TaskStream.ts"

/**
 * How a run's streams and KV bucket are made: dedupe window, replicas, and the task queue's ack wait and deliveries.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options extends TaskQueue.Options {
  /** How long JetStream remembers message ids for dedupe (default 10 min). */
  readonly duplicateWindow?: Duration.Input
  /**
   * Copies of the run's streams and of the `dla_runs` bucket on a NATS cluster (default 1; 3 on a 3-node cluster,
   * so the run survives the loss of a node). Applies when they are created; a left-over stream is updated to it.
   */
  readonly replicas?: number
}

/**
 * Creates the run's streams and consumer, or checks that left-over ones fit: a stream with another retention or
 * subjects is a Conflict (one line naming it), a consumer with other limits is updated. `fresh` deletes them first.
 * Then the run's record in `dla_runs` says it is running (workers watching the bucket join it).
 *
 * @since 0.1.0
 * @category lifecycle
 */
export const setupRun = (
  nc: NatsConnection,
  runId: string,
  root: string,
  options: Options & { fresh?: boolean } = {}
) =>
  Effect.gen(function* () {
    if (!RunsKv.isValidRunId(runId)) {
      return yield* AnalyserError.make("Input", `bad run id "${runId}": use letters, digits, - and _ (at most 64)`)
    }
    const replicas = options.replicas ?? 1
    if (!Number.isInteger(replicas) || replicas < 1 || replicas > 5) {
      return yield* AnalyserError.make("Input", `bad replicas ${replicas}: JetStream keeps 1 to 5 copies`)
    }
    const { jsm } = yield* clients(nc)
    const duplicateWindow = nanos(Duration.toMillis(options.duplicateWindow ?? "10 minutes"))
    const fresh = options.fresh === true
    // The bucket and the streams are independent: made side by side, each in as few round trips as it takes (the
    // set-up is most of what a run over NATS costs more than one in process). Only "running" waits for all three.
    // Starting afresh deletes only streams an earlier run left behind (see `ensureStream`).
    const bucket = RunsKv.createRuns(nc, replicas).pipe(
      Effect.tap((kv) =>
        fresh
          ? tryNats("cannot reset the run's checkpoint", () => kv.delete(RunsKv.names(runId).checkpointKey))
          : Effect.void
      )
    )
    const [kv] = yield* Effect.all(
      [
        bucket,
        TaskStream.ensure(jsm, runId, { ...options, duplicateWindow, replicas, fresh }),
        ResultStream.ensure(jsm, runId, { duplicateWindow, replicas, fresh })
      ],
      { concurrency: "unbounded" }
    )
    yield* RunsKv.markRunning(kv, runId, root)
  })

/**
 * TaskQueue, ResultChannel and Heartbeats of run `runId` (its streams must exist: see `setupRun`).
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (nc: NatsConnection, runId: string, options: TaskQueue.Options = {}) =>
  Layer.mergeAll(
    TaskStream.layer(nc, runId, options),
    ResultStream.layer(nc, runId),
    HeartbeatSubjects.layer(nc, runId)
  )

/**
 * How {@link master} runs: the master's options, the streams' options, how long set-up may take, and the workers it
 * runs in its own process.
 *
 * @since 0.1.0
 * @category models
 */
export interface MasterOptions extends Master.Options, Options {
  /**
   * How long the set-up (election, streams, consumer, KV buckets) rides out a NATS cluster that does not answer,
   * e.g. electing a new stream or meta leader after losing a node, before the master fails (default 60 s).
   */
  readonly setupDeadline?: Duration.Input
  /** Workers in the master's process (`dla analyse --nats`), beside any that join from elsewhere. */
  readonly localWorkers?: LocalWorkers
}

/**
 * The workers a master runs in its own process, one per counter: as the embedded engine has them, the first counts
 * on the master's thread (`Counter.layerInline`), each other one on a counting thread of its own
 * (`Counter.layerThread`). They take tasks from the run's queue like any other worker, and stop once the master has
 * its summary.
 *
 * @since 0.2.0
 * @category models
 */
export interface LocalWorkers {
  /**
   * Each worker's counter. A counting thread takes a while to load: a caller that builds its layer early (and gives
   * `Layer.effectContext` of the build's fiber here) has it load while the connection is made and the run set up.
   */
  readonly counters: ReadonlyArray<Layer.Layer<Counter.Counter, AnalyserError.AnalyserError>>
  /** Tasks each one holds at once (see `Worker.Options.concurrency`). */
  readonly concurrency?: number
  /** What each one reports, by its id (`<run>-local-<n>`, from 1). */
  readonly onTask?: (workerId: string) => Worker.Options["onTask"]
}

/**
 * Runs the master's local workers on their services (see `localFirst`), until interrupted. Taken straight to the run
 * the master sets up: no watch of the runs bucket.
 */
const runLocalWorkers = (
  runId: string,
  local: LocalWorkers,
  services: Context.Context<TaskQueue.TaskQueue | ResultChannel.ResultChannel | Heartbeats.Heartbeats>
) =>
  Effect.forEach(local.counters, (counter, i) => {
    const workerId = `${runId}-local-${i + 1}`
    return Worker.run({ workerId, concurrency: local.concurrency, onTask: local.onTask?.(workerId) }).pipe(
      Effect.scoped,
      Effect.provide(Layer.merge(Layer.succeedContext(services), counter)),
      // A NATS outage is waited out, then the run taken up again.
      Effect.retry({ while: (error) => error.reason === "Transport", schedule: Schedule.spaced("1 second") }),
      Effect.forkScoped
    )
  })

/**
 * Retries a master's set-up step through transport errors (a leader election on the NATS cluster answers with
 * timeouts for a few seconds), backing off from 250 ms to 2 s, each failure told as a `Retrying` event (on the
 * run's `Master.Events`), until `setupDeadline` has passed: then its error is the master's.
 */
const rideOutElection =
  (what: string, options: Pick<MasterOptions, "setupDeadline">) =>
  <A, R>(effect: Effect.Effect<A, AnalyserError.AnalyserError, R>) =>
    effect.pipe(
      Effect.tapError((error) =>
        error.reason === "Transport" ? Master.emit({ _tag: "Retrying", what, reason: error.message }) : Effect.void
      ),
      Effect.retry({
        while: (error) => error.reason === "Transport",
        schedule: Schedule.min([Schedule.exponential("250 millis"), Schedule.spaced("2 seconds")]).pipe(
          Schedule.upTo({ duration: options.setupDeadline ?? "60 seconds" })
        )
      })
    )

/**
 * Sets the run up on NATS (streams, consumer, run state), then runs the master. Needs a `Fence`: provide
 * `Fence.layerUnfenced` for a lone master, or the election's layer for a master with standbys. Resuming is the
 * same call: the newest checkpoint (KV or directory) and the results stream tell what is already done.
 *
 * `connection` is the NATS connection, or an Effect that makes it: then a fresh run's local workers start counting
 * while it connects.
 *
 * @since 0.1.0
 * @category running
 */
export const master = <E = never>(
  connection: NatsConnection | Effect.Effect<NatsConnection, E>,
  options: MasterOptions
) =>
  Effect.gen(function* () {
    const fence = yield* Fence.Fence
    // The master's own workers take their tasks and give their results in process until a worker from elsewhere joins
    // (see `localFirst`): they start at once, and their heartbeats never leave the process (the master is their only
    // listener).
    const localWorkers = options.localWorkers
    const local =
      localWorkers === undefined || localWorkers.counters.length === 0
        ? undefined
        : yield* LocalFirst.make({ maxDeliveries: options.maxDeliveries, guard: fence.guard }).pipe(
            Effect.flatMap((served) =>
              Effect.map(runLocalWorkers(options.runId, localWorkers, served.local), (fibers) => ({ served, fibers }))
            )
          )
    // The run's files are listed and planned while it connects and is set up (round trips to NATS): the tasks go out
    // as soon as there is a queue to take them. A run started afresh has nothing done yet: its local workers start
    // counting while it is set up (the master publishes the same tasks again once it runs: the same generation adds
    // nothing).
    const [[nc, heard], planned] = yield* Effect.all(
      [
        (Effect.isEffect(connection) ? connection : Effect.succeed(connection)).pipe(
          Effect.flatMap((nc) =>
            Effect.gen(function* () {
              // Heartbeats are heard from before the run is announced: a worker that joins as it is set up beats at
              // once, and that first beat must reach the master (with local workers, it moves the run's tasks to the
              // shared queue).
              const heard = yield* Heartbeats.Heartbeats.pipe(
                Effect.provide(HeartbeatSubjects.layer(nc, options.runId)),
                Effect.flatMap(Heartbeats.listenNow)
              )
              yield* fence
                .guard(setupRun(nc, options.runId, options.root, options))
                .pipe(rideOutElection("run set-up", options))
              return [nc, heard] as const
            })
          )
        ),
        (options.planned === undefined ? Master.planRun(options) : Effect.succeed(options.planned)).pipe(
          Effect.tap((planned) =>
            local !== undefined && options.fresh === true
              ? Context.get(local.served.local, TaskQueue.TaskQueue).publish(planned.tasks, 0)
              : Effect.void
          )
        )
      ],
      { concurrency: "unbounded" }
    )
    const services = yield* Layer.build(layer(nc, options.runId, options))
    const kv = yield* CheckpointStore.CheckpointStore.pipe(Effect.provide(CheckpointKv.layer(nc, options.runId)))
    // Started afresh, the set-up has just deleted the KV checkpoint: there is nothing to read (nor to adopt).
    const stores = [options.fresh === true ? { ...kv, load: Effect.succeedNone } : kv]
    if (options.checkpointDir !== undefined) {
      stores.push(
        yield* CheckpointStore.CheckpointStore.pipe(
          Effect.provide(
            CheckpointStore.layerDirectory({
              dir: options.checkpointDir,
              runId: options.runId,
              root: options.root,
              keepInputs: options.keepInputs,
              keep: options.keepCheckpoints
            })
          )
        )
      )
    }
    const forMaster =
      local?.served.attach({
        queue: Context.get(services, TaskQueue.TaskQueue),
        channel: Context.get(services, ResultChannel.ResultChannel),
        heartbeats: heard
      }) ?? Context.add(services, Heartbeats.Heartbeats, heard)
    const summary = yield* Master.run({ ...options, planned }).pipe(
      Effect.provide(forMaster),
      Effect.provideService(CheckpointStore.CheckpointStore, CheckpointStore.all(stores))
    )
    // Every task has its result and the queue is gone: nothing is left for the local workers.
    if (local !== undefined) yield* Fiber.interruptAll(local.fibers)
    return summary
  }).pipe(Effect.scoped)

/**
 * How {@link masterWithStandbys} runs: a master's options, plus this candidate's id, priority and election timing.
 *
 * @since 0.1.0
 * @category models
 */
export interface StandbyOptions extends MasterOptions {
  /** This candidate's id (default `<host>/<pid>`) and priority (higher leads; default from `rank`, else 0). */
  readonly candidateId?: string
  readonly priority?: number
  readonly rank?: number
  /** Election timing (docs/election.md); the defaults fail over in about 1.2 s. */
  readonly election?: Partial<Leadership.Timing>
  /** Only resume the run: never start it fresh, even with `fresh`. */
  readonly standby?: boolean
  readonly onLeadership?: (event: LeadershipEvent) => void
}

/**
 * What the election tells a candidate: it leads, or it stands by.
 *
 * @since 0.1.0
 * @category models
 */
export type LeadershipEvent =
  /** This process leads the run from now on, as the holder of `term`. */
  | { readonly _tag: "Leading"; readonly term: number; readonly leader: string; readonly previousLeader?: string }
  /** Another candidate leads: this process waits as a standby (again). */
  | { readonly _tag: "Standing"; readonly term: number; readonly leader?: string }

/**
 * A master's summary, with the term it finished the run in and who led before it.
 *
 * @since 0.1.0
 * @category models
 */
export interface StandbySummary extends Master.Summary {
  /** The term this process finished the run in, and who led the run before it (a failover), if anyone. */
  readonly term: number
  readonly leader: string
  readonly previousLeader?: string
}

/**
 * A master with standbys: every candidate (the master and each `dla master --standby`) runs this; the bully
 * election of `@dla/election` picks the one that runs `master`, whose every state change is fenced by its term.
 * A candidate that loses leadership stops at once and waits; one that takes over resumes the run from the
 * checkpoint and the results stream. Returns the summary when this candidate finished the run, `undefined` when
 * another one did.
 *
 * @since 0.1.0
 * @category running
 */
export const masterWithStandbys = (nc: NatsConnection, options: StandbyOptions) =>
  Effect.scoped(
    Effect.gen(function* () {
      const leadership = yield* Leadership.make(nc, {
        ...options.election,
        scope: options.runId,
        id: options.candidateId,
        priority: options.priority,
        rank: options.rank,
        replicas: options.replicas
      }).pipe(
        // Options it refuses are the caller's mistake; a NATS failure underneath (a cluster electing) is ridden out.
        Effect.mapError(
          (e) =>
            new AnalyserError.AnalyserError({
              reason: e.cause === undefined ? "Input" : "Transport",
              detail: e.message,
              cause: e
            })
        ),
        rideOutElection("joining the run's election", options)
      )
      const self = leadership.self.id
      let otherLeader: string | undefined
      yield* leadership.changes.pipe(
        Stream.runForEach((state) =>
          Effect.sync(() => {
            if (state.leader !== undefined && state.leader !== self) otherLeader = state.leader
            if (state.role === "follower" && state.leader !== undefined) {
              options.onLeadership?.({ _tag: "Standing", term: state.term, leader: state.leader })
            }
          })
        ),
        Effect.forkScoped
      )
      // A transport error while looking counts as "not done yet": the next look tries again.
      const runDone = RunsKv.runs(nc, options.runId).pipe(
        Effect.map((runs) => runs.some((r) => r.runId === options.runId && r.state.status === "done")),
        Effect.orElseSucceed(() => false)
      )
      // Only while not leading: the leader's own "done" is followed by its summary.
      const doneByAnother = Effect.zipWith(runDone, leadership.isLeader, (done, leading) => done && !leading)
      const finishedElsewhere = doneByAnother.pipe(
        Effect.repeat({ until: (done) => done, schedule: Schedule.spaced("500 millis") }),
        Effect.as(undefined)
      )
      let first = true
      const lead = leadership.whileLeading((term) =>
        Effect.gen(function* () {
          // Only the very first leadership of a non-standby may start afresh: a master that comes back resumes,
          // and a standby that wins after the run ended has nothing to do.
          const mayStart = first && options.standby !== true
          first = false
          if (!mayStart && (yield* runDone)) return undefined
          const previousLeader = otherLeader
          options.onLeadership?.({ _tag: "Leading", term, leader: self, previousLeader })
          return yield* master(nc, { ...options, fresh: mayStart && options.fresh === true }).pipe(
            Effect.provide(Fence.layerLeadership(leadership)),
            Effect.map((summary): StandbySummary => ({ ...summary, term, leader: self, previousLeader }))
          )
        })
      )
      /** `undefined`: another candidate finished the run. */
      const outcome: StandbySummary | undefined = yield* Effect.raceFirst(lead, finishedElsewhere)
      return outcome
    })
  )

/**
 * How {@link worker} serves runs: a worker's options, plus which run, whether to stop after one, how to count, and what
 * to report.
 *
 * @since 0.1.0
 * @category models
 */
export interface WorkerOptions extends Worker.Options {
  /** Serve only this run (default: every running run, oldest first, one after another). */
  readonly runId?: string
  /**
   * Return after one run ends (default: keep serving new runs). A run that starts after this worker did and ends
   * before it could join (other workers did all its tasks) counts as that run.
   */
  readonly once?: boolean
  /** A `--format` spec (default: core's). */
  readonly format?: string
  /** Counts the tasks of `dla analyse --from-store` (ranges of the log store); without it they are handed back. */
  readonly store?: Counter.StoreCounter
  /** Count on a dedicated thread (several workers in one process) instead of inline (one worker per process). */
  readonly thread?: boolean
  /** How long to wait before trying again after a NATS outage (default 1 s). */
  readonly retryInterval?: Duration.Input
  readonly onEvent?: (event: WorkerEvent) => void
}

/**
 * What a worker reports between runs: waiting for one, joined one, one ended.
 *
 * @since 0.1.0
 * @category models
 */
export type WorkerEvent =
  | { readonly _tag: "WaitingForRun" }
  | { readonly _tag: "RunJoined"; readonly runId: string }
  | { readonly _tag: "RunEnded"; readonly summary: Worker.Summary; readonly runId: string }

/**
 * Serves runs as a worker; returns the summaries of the runs served (only returns with `once` or on error). Runs are
 * learnt of as their masters set them up (`RunsKv.watchRuns`: pushed, never polled).
 *
 * @since 0.1.0
 * @category running
 */
export const worker = (nc: NatsConnection, options: WorkerOptions = {}) =>
  Effect.gen(function* () {
    const workerId = options.workerId ?? Worker.makeWorkerId()
    const served: Array<Worker.Summary> = []
    /** Runs this worker is done with (a run id started again, e.g. with --fresh, is another run). */
    const over = new Set<string>()
    const instance = (entry: RunsKv.RunEntry) => `${entry.runId}@${entry.state.startedAt}`
    const retryInterval = options.retryInterval ?? "1 second"
    const waitingSince = yield* Clock.currentTimeMillis
    // A NATS outage (a server restarting) is waited out, then the run joined again.
    const isTransport = (error: AnalyserError.AnalyserError) => error.reason === "Transport"
    // Built once for the worker's life, as it starts to wait, on a fiber of its own: a counting thread loads while
    // the worker subscribes to the runs and the master sets its run up, not before either (nor after the worker
    // joined a run); one thread serves every run this worker joins.
    const counter = yield* Layer.build(
      options.thread
        ? Counter.layerThread(options.format, options.store)
        : Counter.layerInline(options.format, options.store)
    ).pipe(Effect.forkScoped)
    /** Completes when the run's record says it is done (a watch that fails never completes: holdFor still bounds). */
    const runOver = (runId: string) =>
      RunsKv.watchRuns(nc, runId).pipe(
        Effect.flatMap((entries) =>
          entries.pipe(
            Stream.filter((entry) => entry.runId === runId && entry.state.status === "done"),
            Stream.runHead
          )
        ),
        Effect.scoped,
        Effect.flatMap(Option.match({ onNone: () => Effect.never, onSome: () => Effect.void })),
        Effect.catch(() => Effect.never)
      )
    const join = (runId: string) =>
      Worker.run({ ...options, workerId, runOver: runOver(runId) }).pipe(
        Effect.scoped,
        // The run's services are set up while the thread may still be loading.
        Effect.provide(Layer.merge(layer(nc, runId), Layer.effectContext(Fiber.join(counter)))),
        Effect.retry({ while: isTransport, schedule: Schedule.spaced(retryInterval) })
      )
    const ended = (entry: RunsKv.RunEntry, summary: Worker.Summary) => {
      over.add(instance(entry))
      served.push(summary)
      options.onEvent?.({ _tag: "RunEnded", runId: entry.runId, summary })
      if (!options.once) options.onEvent?.({ _tag: "WaitingForRun" })
      return options.once === true
    }
    /** Serves the run `entry` tells of, if it is one to serve; true when this worker is done. */
    const consider = (entry: RunsKv.RunEntry) =>
      Effect.gen(function* () {
        if (over.has(instance(entry)) || (options.runId !== undefined && entry.runId !== options.runId)) return false
        if (entry.state.status === "running") {
          options.onEvent?.({ _tag: "RunJoined", runId: entry.runId })
          return ended(entry, yield* join(entry.runId))
        }
        // Done before this worker saw it running, yet started after this worker began to wait: the run it waited for.
        const missed = options.once === true && Date.parse(entry.state.startedAt) >= waitingSince
        return missed && ended(entry, { workerId, tasks: 0, failedTasks: 0 })
      })
    options.onEvent?.({ _tag: "WaitingForRun" })
    const entries = yield* RunsKv.watchRuns(nc, options.runId).pipe(
      Effect.retry({ while: isTransport, schedule: Schedule.spaced(retryInterval) })
    )
    yield* entries.pipe(
      Stream.mapEffect(consider),
      Stream.takeUntil((done) => done),
      Stream.runDrain
    )
    return served
  }).pipe(Effect.scoped)
