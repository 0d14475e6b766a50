/**
 * The master loop, written once against the services. It plans tasks (largest first, big files split), resumes
 * from the newest checkpoint, publishes what is not done, then merges results as they arrive, deduplicating by
 * task id, until every task has a result or was given up. Every state-changing action goes through
 * `Fence.guard` (see `commit`), so a master that lost leadership writes nothing.
 *
 * @since 0.1.0
 */
import { relative, resolve, sep } from "node:path"
import { Counts, LogFiles } from "@dla/core"
import { Deferred, Duration, Effect, Option, Schedule, Stream } from "effect"
import * as AnalyserError from "./AnalyserError.ts"
import { type Checkpoint, CheckpointStore, counts as checkpointCounts, type KeepInputs } from "./CheckpointStore.ts"
import { Fence } from "./Fence.ts"
import * as Heartbeats from "./Heartbeats.ts"
import { ResultChannel } from "./ResultChannel.ts"
import { plan, type Task, type TaskResult } from "./Task.ts"
import { type Poisoned, TaskQueue } from "./TaskQueue.ts"

export interface Options {
  readonly runId: string
  /** The directory to analyse (recursively), or one file. */
  readonly root: string
  /** Globs a file must match / globs that leave it out (as `dla analyse --include/--exclude`). */
  readonly include?: ReadonlyArray<string>
  readonly exclude?: ReadonlyArray<string>
  /** Directories never analysed. */
  readonly skipDirs?: ReadonlyArray<string>
  /**
   * Also save checkpoints as `<checkpointDir>/<run>/checkpoint.json` plus links to the processed files (the caller's
   * `CheckpointStore` does the saving). Never analysed, even when it sits inside the analysed tree.
   */
  readonly checkpointDir?: string
  /** How the checkpoint directory keeps processed files (see `CheckpointStore.KeepInputs`). */
  readonly keepInputs?: KeepInputs
  readonly splitBytes?: number
  /** Save a checkpoint after this many new results (default 100)... */
  readonly checkpointEvery?: number
  /** ...and at least this often while results come in (default 5 s), and at the end. */
  readonly checkpointInterval?: Duration.Input
  /** A worker silent this long is marked failed and its tasks are requeued (default 5 s). */
  readonly heartbeatTimeout?: Duration.Input
  /** Ignore any checkpoint: start the run from scratch. */
  readonly fresh?: boolean
  readonly onEvent?: (event: Event) => void
}

export interface Progress {
  readonly filesTotal: number
  readonly filesDone: number
  readonly tasksTotal: number
  readonly tasksDone: number
  readonly bytesTotal: number
  readonly bytesDone: number
  readonly workersAlive: number
}

export type Event =
  | { readonly _tag: "Started"; readonly files: number; readonly tasks: number; readonly bytes: number }
  | { readonly _tag: "Resumed"; readonly filesAlreadyProcessed: number; readonly tasksAlreadyDone: number }
  | { readonly _tag: "Progress"; readonly progress: Progress; readonly counts: Counts.Counts }
  | { readonly _tag: "WorkerJoined"; readonly workerId: string }
  | { readonly _tag: "WorkerFailed"; readonly workerId: string; readonly requeued: ReadonlyArray<string> }
  | { readonly _tag: "WaitingForWorkers"; readonly pendingTasks: number }
  | { readonly _tag: "TaskFailed"; readonly path: string; readonly reason: string }
  | { readonly _tag: "CheckpointSaved"; readonly sequence: number }
  /** A transport error the master rides out (e.g. NATS restarting): it tries again. */
  | { readonly _tag: "Retrying"; readonly what: string; readonly reason: string }
  /**
   * Every heartbeat the master receives (for watchers such as RunMonitor), with what its tasks in flight cover: a
   * path relative to the root, plus `[start-end]` for a byte range of a split file.
   */
  | { readonly _tag: "Heartbeat"; readonly heartbeat: Heartbeats.Heartbeat; readonly working: ReadonlyArray<string> }

export interface FailedTask {
  readonly taskId: string
  readonly path: string
  readonly reason: string
  /** Binary content: skipped (like the sequential analyser does) rather than unreadable. */
  readonly binary: boolean
}

export interface Summary {
  readonly runId: string
  readonly counts: Counts.Counts
  readonly files: number
  readonly filesProcessed: number
  /** Files found processed in the checkpoint this run resumed from. */
  readonly filesAlreadyProcessed: number
  readonly tasks: number
  readonly failedTasks: ReadonlyArray<FailedTask>
  readonly failedWorkers: ReadonlyArray<string>
  readonly workers: ReadonlyArray<string>
  /** Tasks requeued because their worker was marked failed. */
  readonly requeuedTasks: number
  /** Results dropped because their task already had one. */
  readonly duplicateResults: number
  readonly checkpointsSaved: number
  readonly durationMs: number
}

type Input =
  | { readonly _tag: "Result"; readonly result: TaskResult }
  | { readonly _tag: "Poisoned"; readonly poisoned: Poisoned }
  | { readonly _tag: "Beat"; readonly heartbeat: Heartbeats.Heartbeat }
  | { readonly _tag: "Tick" }

interface WorkerState {
  lastSeen: number
  inFlight: ReadonlyArray<string>
  alive: boolean
}

const tickEvery = Duration.millis(250)

/** Runs (or resumes) a run to its end and returns its summary. */
export const run = (options: Options) =>
  Effect.gen(function* () {
    const began = Date.now()
    const queue = yield* TaskQueue
    const channel = yield* ResultChannel
    const heartbeats = yield* Heartbeats.Heartbeats
    const store = yield* CheckpointStore
    const fence = yield* Fence
    /** The one door for state changes: a fenced-out master fails here and writes nothing. */
    const commit = fence.guard
    const emit = (event: Event) => options.onEvent?.(event)
    const checkpointEvery = options.checkpointEvery ?? 100
    const checkpointIntervalMs = Duration.toMillis(options.checkpointInterval ?? "5 seconds")
    const heartbeatTimeoutMs = Duration.toMillis(options.heartbeatTimeout ?? Heartbeats.defaults.timeout)

    const root = resolve(options.root)
    const skipDirs = [
      ...(options.skipDirs ?? []),
      ...(options.checkpointDir === undefined ? [] : [options.checkpointDir])
    ].map((dir) => resolve(dir) + sep)
    const listed = yield* LogFiles.list(root, { include: options.include, exclude: options.exclude }).pipe(
      Effect.mapError((error) => AnalyserError.make("Input", error.message, error))
    )
    const files = listed.filter((f) => !skipDirs.some((dir) => f.path.startsWith(dir)))
    if (files.length === 0) return yield* AnalyserError.make("Input", `${options.root}: no log files to analyse`)
    const tasks = plan(options.runId, root, files, options.splitBytes)
    const taskById = new Map(tasks.map((t) => [t.taskId, t]))
    const tasksOfFile = new Map<string, number>()
    for (const t of tasks) tasksOfFile.set(t.path, (tasksOfFile.get(t.path) ?? 0) + 1)
    const bytesTotal = files.reduce((sum, f) => sum + f.size, 0)
    emit({ _tag: "Started", files: files.length, tasks: tasks.length, bytes: bytesTotal })

    // State, touched only by the single fiber that handles inputs one at a time.
    const done = new Set<string>()
    const failed = new Map<string, FailedTask>()
    const doneOfFile = new Map<string, number>()
    const workers = new Map<string, WorkerState>()
    const failedWorkers = new Set<string>()
    let counts = Counts.empty
    let bytesDone = 0
    let sequence = 0
    let checkpointsSaved = 0
    let sinceCheckpoint = 0
    let lastCheckpointAt = Date.now()
    let requeuedTasks = 0
    let duplicateResults = 0
    // Requeues get fresh message ids, distinct from those of any earlier master of this run (which dedupe would drop).
    let generation = Date.now()
    let idleChecks = 0
    let waitingSaid = false

    const isSettled = (taskId: string) => done.has(taskId) || failed.has(taskId)
    const pending = () => tasks.length - done.size - failed.size
    const fileDone = (path: string) => doneOfFile.get(path) === tasksOfFile.get(path)
    let filesDone = 0
    const markDone = (task: Task) => {
      done.add(task.taskId)
      doneOfFile.set(task.path, (doneOfFile.get(task.path) ?? 0) + 1)
      if (fileDone(task.path)) filesDone++
      bytesDone += task.range.end - task.range.start
    }
    const processedFiles = () => files.filter((f) => fileDone(f.path)).map((f) => f.path)

    const loaded = yield* store.load
    let filesAlreadyProcessed = 0
    if (Option.isSome(loaded) && loaded.value.run_id === options.runId) {
      const checkpoint = loaded.value
      // Numbering goes on even for a fresh start, so this run's checkpoints outrank any older one left behind.
      sequence = checkpoint.sequence
      if (!checkpoint.complete && !options.fresh) {
        counts = checkpointCounts(checkpoint)
        for (const id of checkpoint.completed_tasks) {
          const task = taskById.get(id)
          if (task !== undefined && !done.has(id)) markDone(task)
        }
        for (const f of checkpoint.failed_tasks) {
          if (taskById.has(f.task_id) && !isSettled(f.task_id)) {
            failed.set(f.task_id, { taskId: f.task_id, path: f.path, reason: f.reason, binary: f.binary ?? false })
          }
        }
        for (const w of checkpoint.failed_workers) failedWorkers.add(w)
        filesAlreadyProcessed = filesDone
        emit({ _tag: "Resumed", filesAlreadyProcessed, tasksAlreadyDone: done.size + failed.size })
      }
    }

    const snapshot = (): Checkpoint => {
      const processed = new Set(processedFiles())
      const failedFiles = new Set([...failed.values()].map((f) => f.path))
      return {
        version: 1,
        run_id: options.runId,
        sequence: ++sequence,
        timestamp: new Date().toISOString(),
        counts: { ...counts.levels },
        lines: counts.lines,
        unmatched: counts.unmatched,
        bytes: counts.bytes,
        processed_files: [...processed],
        pending_files: files.filter((f) => !processed.has(f.path) && !failedFiles.has(f.path)).map((f) => f.path),
        failed_workers: [...failedWorkers],
        completed_tasks: [...done],
        failed_tasks: [...failed.values()].map((f) => ({
          task_id: f.taskId,
          path: f.path,
          reason: f.reason,
          binary: f.binary
        })),
        complete: pending() === 0
      }
    }
    /** Transport errors are ridden out (the next tick tries again); a fenced-out master stops. */
    const orRetryLater =
      (what: string) =>
      <A>(
        effect: Effect.Effect<A, AnalyserError.AnalyserError>
      ): Effect.Effect<A | undefined, AnalyserError.AnalyserError> =>
        effect.pipe(
          Effect.catch((error) =>
            error.reason === "Transport"
              ? Effect.sync(() => {
                  emit({ _tag: "Retrying", what, reason: error.message })
                  return undefined
                })
              : Effect.fail(error)
          )
        )
    const saveCheckpoint = Effect.suspend(() => {
      const checkpoint = snapshot()
      return commit(store.save(checkpoint)).pipe(
        Effect.tap(() =>
          Effect.sync(() => {
            checkpointsSaved++
            sinceCheckpoint = 0
            lastCheckpointAt = Date.now()
            emit({ _tag: "CheckpointSaved", sequence: checkpoint.sequence })
          })
        )
      )
    })

    const progress = (): Progress => ({
      filesTotal: files.length,
      filesDone,
      tasksTotal: tasks.length,
      tasksDone: done.size + failed.size,
      bytesTotal,
      bytesDone,
      workersAlive: [...workers.values()].filter((w) => w.alive).length
    })

    const giveUp = (task: Task, reason: string, binary = false) => {
      failed.set(task.taskId, { taskId: task.taskId, path: task.path, reason, binary })
      sinceCheckpoint++
      emit({ _tag: "TaskFailed", path: task.path, reason })
    }

    const onResult = (result: TaskResult) => {
      const task = taskById.get(result.taskId)
      if (task === undefined || result.runId !== options.runId) return
      if (isSettled(result.taskId)) {
        duplicateResults++
        return
      }
      if (result._tag === "Done") {
        markDone(task)
        counts = Counts.merge(counts, result.counts)
        sinceCheckpoint++
      } else giveUp(task, result.error, result.binary)
      emit({ _tag: "Progress", progress: progress(), counts })
    }

    const describeTask = (taskId: string) => {
      const task = taskById.get(taskId)
      if (task === undefined) return taskId
      const path = relative(root, task.path)
      return task.range.start === 0 && task.range.end === task.size
        ? path
        : `${path} [${task.range.start}-${task.range.end}]`
    }

    const onBeat = (heartbeat: Heartbeats.Heartbeat) => {
      const known = workers.get(heartbeat.workerId)
      if (known === undefined) emit({ _tag: "WorkerJoined", workerId: heartbeat.workerId })
      workers.set(heartbeat.workerId, { lastSeen: Date.now(), inFlight: heartbeat.inFlight, alive: true })
      waitingSaid = false
      emit({ _tag: "Heartbeat", heartbeat, working: heartbeat.inFlight.map(describeTask) })
    }

    const requeue = (taskIds: ReadonlyArray<string>) => {
      const again = taskIds.flatMap((id) => {
        const task = taskById.get(id)
        return task !== undefined && !isSettled(id) ? [task] : []
      })
      if (again.length === 0) return Effect.succeed(again)
      generation++
      return commit(queue.publish(again, generation)).pipe(
        Effect.as(again),
        orRetryLater("requeue"),
        Effect.map((requeued) => requeued ?? [])
      )
    }

    const onTick = Effect.gen(function* () {
      const now = Date.now()
      for (const [workerId, worker] of workers) {
        if (!worker.alive || now - worker.lastSeen < heartbeatTimeoutMs) continue
        worker.alive = false
        failedWorkers.add(workerId)
        // Put its tasks back at once rather than waiting for the queue's ack wait; a late duplicate is dropped.
        const again = yield* requeue(worker.inFlight)
        requeuedTasks += again.length
        emit({ _tag: "WorkerFailed", workerId, requeued: again.map((t) => t.path) })
      }
      if (pending() > 0 && !waitingSaid && now - began > heartbeatTimeoutMs && progress().workersAlive === 0) {
        waitingSaid = true
        emit({ _tag: "WaitingForWorkers", pendingTasks: pending() })
      }
      // Nothing queued nor in flight, yet tasks without a result: they were lost (e.g. given up while no master
      // listened). Publish them again, after a quiet spell so results still on their way are not mistaken for losses.
      const outstanding = yield* queue.outstanding.pipe(Effect.orElseSucceed(() => -1))
      idleChecks = outstanding === 0 && pending() > 0 ? idleChecks + 1 : 0
      if (idleChecks * Duration.toMillis(tickEvery) >= Math.max(5000, heartbeatTimeoutMs)) {
        idleChecks = 0
        yield* requeue(tasks.filter((t) => !isSettled(t.taskId)).map((t) => t.taskId))
      }
      if (sinceCheckpoint > 0 && now - lastCheckpointAt >= checkpointIntervalMs) {
        yield* saveCheckpoint.pipe(orRetryLater("checkpoint"))
      }
    })

    const finished = yield* Deferred.make<void>()
    const handle = (input: Input) =>
      Effect.gen(function* () {
        switch (input._tag) {
          case "Result":
            onResult(input.result)
            break
          case "Poisoned": {
            const task = taskById.get(input.poisoned.taskId)
            if (task !== undefined && !isSettled(task.taskId)) {
              giveUp(task, `gave up after ${input.poisoned.deliveries} deliveries`)
            }
            break
          }
          case "Beat":
            onBeat(input.heartbeat)
            break
          case "Tick":
            yield* onTick
            break
        }
        if (sinceCheckpoint >= checkpointEvery) yield* saveCheckpoint.pipe(orRetryLater("checkpoint"))
        if (pending() === 0) yield* Deferred.succeed(finished, undefined)
      })

    // Listening before any task goes out: a worker that takes one and dies at once is still seen (and failed).
    const beats = yield* heartbeats.listen
    const inputs = Stream.mergeAll(
      [
        channel.results.pipe(Stream.map((result): Input => ({ _tag: "Result", result }))),
        queue.poisoned.pipe(Stream.map((poisoned): Input => ({ _tag: "Poisoned", poisoned }))),
        beats.pipe(Stream.map((heartbeat): Input => ({ _tag: "Beat", heartbeat }))),
        Stream.tick(tickEvery).pipe(Stream.map((): Input => ({ _tag: "Tick" })))
      ],
      { concurrency: "unbounded" }
    )

    // The start and the end must land: retry through a transport outage (bounded), then give up with the error.
    const persist = <A>(effect: Effect.Effect<A, AnalyserError.AnalyserError>) =>
      effect.pipe(
        Effect.retry({
          while: (error) => error.reason === "Transport",
          schedule: Schedule.spaced("500 millis"),
          times: 120
        })
      )
    yield* persist(
      commit(
        queue.publish(
          tasks.filter((t) => !isSettled(t.taskId)),
          0
        )
      )
    )
    if (pending() > 0) {
      yield* Effect.raceFirst(Stream.runForEach(inputs, handle), Deferred.await(finished))
    }
    yield* persist(saveCheckpoint)
    yield* persist(commit(queue.close))

    const summary: Summary = {
      runId: options.runId,
      counts,
      files: files.length,
      filesProcessed: filesDone,
      filesAlreadyProcessed,
      tasks: tasks.length,
      failedTasks: [...failed.values()],
      failedWorkers: [...failedWorkers],
      workers: [...workers.keys()],
      requeuedTasks,
      duplicateResults,
      checkpointsSaved,
      durationMs: Date.now() - began
    }
    return summary
  }).pipe(Effect.scoped)
