/**
 * The master loop, written once against the services. It plans tasks (largest first, big files split), resumes
 * from the newest checkpoint, publishes what is not done, then merges results as they arrive, deduplicating by
 * task id, until every task has a result or was given up. Every state-changing action goes through
 * `Fence.guard` (see `commit`), so a master that lost leadership writes nothing.
 *
 * @since 0.1.0
 */
import { resolve, sep } from "node:path"
import { type Counts, type FileAnalysis, LogFiles } from "@dla/core"
import { Clock, Context, Deferred, Duration, Effect, Option, PubSub, Schedule, Stream } from "effect"
import * as AnalyserError from "./AnalyserError.ts"
import { type Checkpoint, CheckpointStore, type KeepInputs } from "./CheckpointStore.ts"
import { Fence } from "./Fence.ts"
import * as Heartbeats from "./Heartbeats.ts"
import { ResultChannel } from "./ResultChannel.ts"
import * as Scheduler from "./Scheduler.ts"
import { type PlannedFile, plan as planTasks, type Task } from "./Task.ts"
import { TaskQueue } from "./TaskQueue.ts"

/**
 * What {@link run} analyses and how: the run, its root or planned tasks, how files become tasks, when checkpoints are
 * saved and when a silent worker counts as failed.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  readonly runId: string
  /** The directory to analyse (recursively), or one file. */
  readonly root: string
  /**
   * The run's files and tasks as the caller planned them (`dla analyse --from-store`: from the log store, see
   * `Task.planStore`), instead of the log files under `root`.
   */
  readonly planned?: Planned
  /** Globs a file must match / globs that leave it out (as `dla analyse --include/--exclude`). */
  readonly include?: ReadonlyArray<string>
  readonly exclude?: ReadonlyArray<string>
  /** Directories never analysed. */
  readonly skipDirs?: ReadonlyArray<string>
  /**
   * Also save checkpoints, each as `<checkpointDir>/<run>/<sequence>/checkpoint.json` plus links to the processed
   * files (the caller's `CheckpointStore` does the saving). Never analysed, even when it sits inside the analysed tree.
   */
  readonly checkpointDir?: string
  /** How the checkpoint directory keeps processed files (see `CheckpointStore.KeepInputs`). */
  readonly keepInputs?: KeepInputs
  /** How many of the newest checkpoints stay in the checkpoint directory (default `CheckpointStore.defaultKeep`). */
  readonly keepCheckpoints?: number
  readonly splitBytes?: number
  /** Small files travel together in tasks of at least this many bytes (default 8 MB; 0: one file per task). */
  readonly taskBytes?: number
  /** Save a checkpoint after this many new results (default 100)... */
  readonly checkpointEvery?: number
  /** ...and at least this often while results come in (default 5 s), and at the end. */
  readonly checkpointInterval?: Duration.Input
  /** A worker silent this long is marked failed and its tasks are requeued (default 5 s). */
  readonly heartbeatTimeout?: Duration.Input
  /**
   * Publish a straggler again for an idle worker (see `Scheduler.Plan.stragglerFactor`), while the queue is empty: a
   * task held 3x longer than the run's pace says, or held by a worker whose own pace says a copy on the idle worker
   * ends sooner. The first result counts, the slow copy is dropped. Off unless given (`dla analyse --nats` and
   * `dla master` turn it on; `--no-speculate` turns it off).
   */
  readonly speculate?: boolean
  /** Ignore any checkpoint: start the run from scratch. */
  readonly fresh?: boolean
}

/**
 * Where a master's events go: provide a `PubSub` (see {@link events}) and subscribe to it before the run starts,
 * so no event is missed. Without it the events go nowhere.
 *
 * Unbounded on purpose: a publish never waits, so a slow reader (a terminal, a dashboard) never slows the master,
 * and no event is dropped, as every one counts somewhere (each `Progress` is one task done by its worker in
 * `RunMonitor`). What a reader has not read yet is bounded by the run: a few events per task and per heartbeat.
 *
 * @since 0.2.0
 * @category services
 */
export class Events extends Context.Service<Events, PubSub.PubSub<Event>>()("@dla/analyser/Master/Events") {}

/**
 * A fresh, unbounded hub for {@link Events}.
 *
 * @since 0.2.0
 * @category constructors
 */
export const events: Effect.Effect<PubSub.PubSub<Event>> = PubSub.unbounded<Event>()

/**
 * Publishes `event` to the run's {@link Events}, if any: never waits (the hub is unbounded).
 *
 * @since 0.2.0
 * @category utils
 */
export const emit = (event: Event): Effect.Effect<void> =>
  Effect.serviceOption(Events).pipe(
    Effect.map(Option.match({ onNone: () => undefined, onSome: (hub) => PubSub.publishUnsafe(hub, event) }))
  )

/**
 * Done and total of the run's files, tasks and bytes (`filesDone`, `filesTotal`, ...), and the workers alive.
 *
 * @since 0.1.0
 * @category models
 */
export type Progress = {
  readonly [K in `${"files" | "tasks" | "bytes"}${"Total" | "Done"}`]: number
} & { readonly workersAlive: number }

/**
 * What a master reports as a run goes: started or resumed, tasks settled or failed, workers joined or failed,
 * checkpoints saved, stragglers, progress and heartbeats.
 *
 * @since 0.1.0
 * @category models
 */
export type Event =
  | { readonly _tag: "Started"; readonly files: number; readonly tasks: number; readonly bytes: number }
  | { readonly _tag: "Resumed"; readonly filesAlreadyProcessed: number; readonly tasksAlreadyDone: number }
  /**
   * A task settled: `workerId` is the worker whose result counted (the one count per worker that is exact: a
   * worker's heartbeat lags its last result).
   */
  | {
      readonly _tag: "Progress"
      readonly progress: Progress
      readonly counts: Counts.Counts
      readonly workerId?: string
    }
  | { readonly _tag: "WorkerJoined"; readonly workerId: string }
  | { readonly _tag: "WorkerFailed"; readonly workerId: string; readonly requeued: ReadonlyArray<string> }
  | { readonly _tag: "WaitingForWorkers"; readonly pendingTasks: number }
  | { readonly _tag: "TaskFailed"; readonly path: string; readonly reason: string }
  /** `onStop`: the one saved as the master was stopped (SIGTERM, Ctrl-C), to resume from. */
  | { readonly _tag: "CheckpointSaved"; readonly sequence: number; readonly onStop?: boolean }
  /** A message on the results channel set aside (not a result, or one that fails validation); its task is redone. */
  | { readonly _tag: "ResultRejected"; readonly reason: string }
  /**
   * A task held far longer than its size says it should take, while another worker idles: published again for that
   * worker (the first result counts, the other is dropped).
   */
  | { readonly _tag: "Straggler"; readonly taskId: string; readonly path: string; readonly heldMs: number }
  /** A transport error the master rides out (e.g. NATS restarting): it tries again. */
  | { readonly _tag: "Retrying"; readonly what: string; readonly reason: string }
  /**
   * Every heartbeat the master receives (for watchers such as RunMonitor), with what its tasks in flight cover: a
   * path relative to the root, plus `[start-end]` for a byte range of a split file.
   */
  | { readonly _tag: "Heartbeat"; readonly heartbeat: Heartbeats.Heartbeat; readonly working: ReadonlyArray<string> }

/**
 * A task given up, or a file of a task that could not be counted, and why.
 *
 * @since 0.1.0
 * @category models
 */
export interface FailedTask {
  readonly taskId: string
  readonly path: string
  readonly reason: string
  /** Binary content: skipped (like the sequential analyser does) rather than unreadable. */
  readonly binary: boolean
}

/**
 * One file's figures, for `--by-file`.
 *
 * @since 0.1.0
 * @category models
 */
export interface FileSummary extends Counts.Counts {
  /** Relative to the root (its name when the root is the file itself). */
  readonly path: string
  /** The format its lines were read in: detected per file unless one was given. */
  readonly format: string
  /** Its size moved while it was counted (see `FileAnalysis.SizeChange`): its counts cover what was read. */
  readonly changed?: FileAnalysis.SizeChange
}

/**
 * What a run found and did: its counts, its files, its failed workers and tasks, its checkpoints.
 *
 * @since 0.1.0
 * @category models
 */
export interface Summary {
  readonly runId: string
  readonly counts: Counts.Counts
  readonly files: number
  readonly filesProcessed: number
  /** Files found processed in the checkpoint this run resumed from. */
  readonly filesAlreadyProcessed: number
  /**
   * Each file this master counted (sorted by path). Files counted before a resume (by an earlier master) are not in
   * it: a checkpoint keeps totals, not per-file figures.
   */
  readonly byFile: ReadonlyArray<FileSummary>
  readonly tasks: number
  readonly failedTasks: ReadonlyArray<FailedTask>
  readonly failedWorkers: ReadonlyArray<string>
  readonly workers: ReadonlyArray<string>
  /** Tasks requeued because their worker was marked failed. */
  readonly requeuedTasks: number
  /** Results dropped because their task already had one. */
  readonly duplicateResults: number
  /** Messages on the results channel set aside: not a result, or one that failed validation (see `Scheduler`). */
  readonly rejectedResults: number
  readonly checkpointsSaved: number
  readonly durationMs: number
}

/**
 * A run's files and the tasks they make.
 *
 * @since 0.2.0
 * @category models
 */
export interface Planned {
  readonly files: ReadonlyArray<PlannedFile>
  readonly tasks: ReadonlyArray<Task>
}

/**
 * The run's files under its root (the checkpoint directory and `skipDirs` left out) and the tasks they make, as
 * {@link run} plans them when it is given none. A master over NATS plans while it sets the run up.
 *
 * @since 0.2.0
 * @category planning
 */
export const planRun = (
  options: Pick<
    Options,
    "runId" | "root" | "include" | "exclude" | "skipDirs" | "checkpointDir" | "splitBytes" | "taskBytes"
  >
): Effect.Effect<Planned, AnalyserError.AnalyserError> =>
  Effect.gen(function* () {
    const root = resolve(options.root)
    const skipDirs = [
      ...(options.skipDirs ?? []),
      ...(options.checkpointDir === undefined ? [] : [options.checkpointDir])
    ].map((dir) => resolve(dir) + sep)
    const files = (yield* LogFiles.list(root, { include: options.include, exclude: options.exclude }).pipe(
      Effect.mapError((error) => AnalyserError.make("Input", error.message, error))
    )).filter((f) => !skipDirs.some((dir) => f.path.startsWith(dir)))
    const tasks = planTasks(options.runId, root, files, {
      splitBytes: options.splitBytes,
      taskBytes: options.taskBytes
    })
    return { files, tasks }
  })

const tickEvery = Duration.millis(250)
/** A wait between two ticks longer than this is a hold-up of the loop (see `Scheduler.Input` Tick `deafMs`). */
const deafAfter = Duration.seconds(1)
/** How long a stopping master tries to save its last checkpoint before it goes anyway. */
const stopSaveTimeout = Duration.seconds(10)

/**
 * Runs (or resumes) a run to its end and returns its summary: `Scheduler` decides, this loop does.
 *
 * @since 0.1.0
 * @category running
 */
export const run = (options: Options) =>
  Effect.gen(function* () {
    const queue = yield* TaskQueue
    const channel = yield* ResultChannel
    const heartbeats = yield* Heartbeats.Heartbeats
    const store = yield* CheckpointStore
    const fence = yield* Fence
    /** The one door for state changes: a fenced-out master fails here and writes nothing. */
    const commit = fence.guard
    const now = Clock.currentTimeMillis

    const { files, tasks } = options.planned ?? (yield* planRun(options))
    if (files.length === 0) return yield* AnalyserError.make("Input", `${options.root}: no log files to analyse`)
    const plan = Scheduler.makePlan({
      runId: options.runId,
      root: resolve(options.root),
      files,
      tasks,
      checkpointEvery: options.checkpointEvery ?? 100,
      checkpointIntervalMs: Duration.toMillis(Duration.fromInputUnsafe(options.checkpointInterval ?? "5 seconds")),
      heartbeatTimeoutMs: Duration.toMillis(
        Duration.fromInputUnsafe(options.heartbeatTimeout ?? Heartbeats.defaults.timeout)
      ),
      speculate: options.speculate
    })
    yield* emit({ _tag: "Started", files: files.length, tasks: plan.tasks.length, bytes: plan.bytesTotal })

    const began = yield* now
    // The only mutable cell: the scheduler's state, touched by the single fiber that feeds inputs one at a time.
    let state = Scheduler.initial(began, began)

    /** Transport errors are ridden out (the scheduler tries again later); a fenced-out master stops. */
    const orRetryLater =
      (what: string) =>
      (effect: Effect.Effect<void, AnalyserError.AnalyserError>): Effect.Effect<void, AnalyserError.AnalyserError> =>
        effect.pipe(
          Effect.catch((error) =>
            error.reason === "Transport" ? emit({ _tag: "Retrying", what, reason: error.message }) : Effect.fail(error)
          )
        )
    const save = (checkpoint: Checkpoint, onStop = false) =>
      commit(store.save(checkpoint)).pipe(
        Effect.andThen(now),
        Effect.flatMap((at) => feed({ _tag: "CheckpointSaved", sequence: checkpoint.sequence, now: at, onStop }))
      )
    const execute = (command: Scheduler.Command): Effect.Effect<void, AnalyserError.AnalyserError> => {
      switch (command._tag) {
        case "Emit":
          return emit(command.event)
        case "Publish":
          return commit(queue.publish(command.tasks, command.generation)).pipe(orRetryLater("requeue"))
        case "SaveCheckpoint":
          return save(command.checkpoint).pipe(orRetryLater("checkpoint"))
      }
    }
    const run = (commands: ReadonlyArray<Scheduler.Command>) => Effect.forEach(commands, execute, { discard: true })
    const feed = (input: Scheduler.Input): Effect.Effect<void, AnalyserError.AnalyserError> =>
      Effect.suspend(() => {
        const [next, commands] = Scheduler.step(plan, state, input)
        state = next
        return run(commands)
      })

    // The start and the end must land: retry through a transport outage (bounded), then give up with the error.
    const persist = <A>(effect: Effect.Effect<A, AnalyserError.AnalyserError>) =>
      effect.pipe(
        Effect.retry({
          while: (error) => error.reason === "Transport",
          schedule: Schedule.spaced("500 millis"),
          times: 120
        })
      )
    const loaded = yield* persist(store.load)
    if (Option.isSome(loaded)) {
      const [resumed, commands] = Scheduler.resume(plan, state, loaded.value, options.fresh === true)
      state = resumed
      yield* run(commands)
    }

    const finished = yield* Deferred.make<void>()
    const handle = (input: Scheduler.Input) =>
      feed(input).pipe(
        Effect.andThen(
          Effect.suspend(() =>
            Scheduler.isFinished(plan, state) ? Deferred.succeed(finished, undefined) : Effect.void
          )
        )
      )
    /** An input stamped with the clock's time. */
    const at = (input: (now: number) => Scheduler.Input) => Effect.map(now, input)

    // Listening before any task goes out: a worker that takes one and dies at once is still seen (and failed).
    const beats = yield* heartbeats.listen
    let lastTickDone: number | undefined
    const inputs = Stream.mergeAll(
      [
        channel.results.pipe(Stream.mapEffect((results) => at((now) => ({ _tag: "Results", results, now })))),
        channel.rejected.pipe(Stream.mapEffect((reason) => at((now) => ({ _tag: "Rejected", reason, now })))),
        queue.poisoned.pipe(
          Stream.mapEffect(({ taskId, deliveries }) => at((now) => ({ _tag: "Poisoned", taskId, deliveries, now })))
        ),
        beats.pipe(Stream.mapEffect((heartbeat) => at((now) => ({ _tag: "Beat", heartbeat, now })))),
        Stream.tick(tickEvery).pipe(
          Stream.mapEffect(() =>
            Effect.gen(function* () {
              const at = yield* now
              // Ticks are taken every 250 ms: a longer wait since the last one (its own query not counted) is time
              // the loop was held up (waiting on NATS mid-election, the process paused), deaf to heartbeats too.
              const waited = lastTickDone === undefined ? 0 : at - lastTickDone
              const outstanding = yield* queue.outstanding.pipe(Effect.orElseSucceed(() => undefined))
              lastTickDone = yield* now
              const deafMs = waited > Duration.toMillis(deafAfter) ? waited : 0
              return { _tag: "Tick", now: at, outstanding, deafMs } satisfies Scheduler.Input
            })
          )
        )
      ],
      { concurrency: "unbounded" }
    )

    // Stopped (SIGTERM, Ctrl-C: an interruption) with results not yet in a checkpoint: save one before going, so a
    // restart resumes from here. Bounded: a transport that does not answer must not keep the process from exiting.
    const saveOnStop = Effect.gen(function* () {
      if (state.sinceCheckpoint === 0) return
      const [numbered, stop] = Scheduler.checkpoint(plan, state, yield* now)
      state = numbered
      // Not saved (NATS away, fenced out): the run resumes from the previous checkpoint and the results stream.
      yield* save(stop, true).pipe(Effect.timeout(stopSaveTimeout), Effect.ignore)
    })
    yield* Effect.gen(function* () {
      yield* persist(commit(queue.publish(Scheduler.unsettled(plan, state), 0)))
      if (!Scheduler.isFinished(plan, state)) {
        yield* Effect.raceFirst(Stream.runForEach(inputs, handle), Deferred.await(finished))
      }
    }).pipe(Effect.onInterrupt(() => saveOnStop))
    const [numbered, last] = Scheduler.checkpoint(plan, state, yield* now)
    state = numbered
    yield* persist(save(last))
    yield* persist(commit(queue.close))
    return Scheduler.summary(plan, state, yield* now)
  }).pipe(Effect.scoped)
