/**
 * The master's decisions as a pure state machine: `step(plan, state, input) -> [state, commands]`. Inputs are what
 * happened (a result, a given-up task, a heartbeat, a tick of the clock with the queue's depth, a checkpoint saved);
 * commands are what to do (publish tasks, save a checkpoint, tell watchers). No I/O and no clock: time comes in with
 * each input, so every decision (a worker silent too long, lost tasks, when to checkpoint) is tested by feeding
 * inputs. `Master.run` is the thin effectful loop that runs it on the services.
 *
 * @since 0.1.0
 */
import { basename, isAbsolute, relative, sep } from "node:path"
import { Counts, FileAnalysis } from "@dla/core"
import { HashMap, HashSet, Option } from "effect"
import type { Checkpoint } from "./CheckpointStore.ts"
import { counts as checkpointCounts } from "./CheckpointStore.ts"
import type * as Heartbeats from "./Heartbeats.ts"
import type { Event, FailedTask, FileSummary, Progress, Summary } from "./Master.ts"
import { bytesOf, describe, type FileCounts, type PlannedFile, type Task, type TaskResult } from "./Task.ts"
import * as WorkerId from "./WorkerId.ts"

/**
 * What a run is: fixed once planned.
 *
 * @since 0.1.0
 * @category models
 */
export interface Plan {
  readonly runId: string
  readonly root: string
  readonly files: ReadonlyArray<PlannedFile>
  readonly tasks: ReadonlyArray<Task>
  readonly bytesTotal: number
  readonly taskById: ReadonlyMap<string, Task>
  /** Parts (files or ranges) each file is split into: a file is processed once all of them are done. */
  readonly partsOfFile: ReadonlyMap<string, number>
  /** Save a checkpoint after this many new results... */
  readonly checkpointEvery: number
  /** ...and at least this often while results come in. */
  readonly checkpointIntervalMs: number
  /** A worker silent this long is marked failed and its tasks are requeued. */
  readonly heartbeatTimeoutMs: number
  /**
   * Nothing queued nor in flight for this long, yet tasks without a result: they were lost (e.g. given up while no
   * master listened); publish them again. Long enough that results on their way are not mistaken for losses.
   */
  readonly lostAfterMs: number
  /**
   * A straggler: a task held this many times longer than its size says it should take (at the run's median pace so
   * far) while the queue is empty and a worker idles, is published again for the idle worker (once): the first
   * result counts, the other is dropped as a duplicate. Only with `speculate` (`Master.Options.speculate`).
   */
  readonly speculate: boolean
  readonly stragglerFactor: number
  /** ...and never one held less than this (a run's first results set the pace). */
  readonly stragglerMinMs: number
  /**
   * A task is also published again for an idle worker as soon as its holder's own pace says the copy would end this
   * much sooner, and sooner by as long as the copy takes (at the idle worker's pace, or the run's): a worker known to
   * be slow is not waited for.
   */
  readonly speculateGainMs: number
}

/**
 * The {@link Plan} of a run from its files and tasks, with their totals worked out once.
 *
 * @since 0.1.0
 * @category constructors
 */
export const makePlan = (options: {
  readonly runId: string
  readonly root: string
  readonly files: ReadonlyArray<PlannedFile>
  readonly tasks: ReadonlyArray<Task>
  readonly checkpointEvery: number
  readonly checkpointIntervalMs: number
  readonly heartbeatTimeoutMs: number
  readonly speculate?: boolean
}): Plan => {
  const partsOfFile = new Map<string, number>()
  for (const t of options.tasks) for (const p of t.parts) partsOfFile.set(p.path, (partsOfFile.get(p.path) ?? 0) + 1)
  return {
    ...options,
    bytesTotal: options.files.reduce((sum, f) => sum + f.size, 0),
    taskById: new Map(options.tasks.map((t) => [t.taskId, t])),
    partsOfFile,
    lostAfterMs: Math.max(5000, options.heartbeatTimeoutMs),
    speculate: options.speculate === true,
    stragglerFactor: 3,
    stragglerMinMs: 250,
    speculateGainMs: 50
  }
}

/**
 * What the scheduler knows of a worker: when it was last heard of, what it holds, whether it is alive.
 *
 * @since 0.1.0
 * @category models
 */
export interface WorkerState {
  readonly lastSeen: number
  readonly inFlight: ReadonlyArray<string>
  readonly alive: boolean
}

/**
 * Where a run is: the tasks done and given up, the counts so far, the workers and what they hold.
 *
 * @since 0.1.0
 * @category models
 */
export interface State {
  readonly startedAt: number
  readonly done: HashSet.HashSet<string>
  /** Tasks given up, with each of their files. */
  readonly failed: HashMap.HashMap<string, ReadonlyArray<FailedTask>>
  /** Files a worker could not count in tasks that are done (the rest of those tasks counted). */
  readonly skipped: ReadonlyArray<FailedTask>
  /** Parts done of each file split into several (a whole file is done with its task: see `markDone`). */
  readonly doneOfFile: HashMap.HashMap<string, number>
  readonly filesDone: number
  readonly filesAlreadyProcessed: number
  readonly workers: ReadonlyMap<string, WorkerState>
  readonly failedWorkers: ReadonlyArray<string>
  readonly counts: Counts.Counts
  /**
   * The per-file figures of each result counted in this master's life, as they came (added up per file only for the
   * summary: a result then costs one append, not a map update per file).
   */
  readonly byFile: ReadonlyArray<ReadonlyArray<FileCounts>>
  readonly bytesDone: number
  /** The last checkpoint's sequence number (numbering goes on across masters and fresh starts). */
  readonly sequence: number
  readonly checkpointsSaved: number
  readonly sinceCheckpoint: number
  readonly lastCheckpointAt: number
  readonly requeuedTasks: number
  readonly duplicateResults: number
  /** Requeues get fresh message ids, distinct from those of any earlier master of this run (dedupe would drop them). */
  readonly generation: number
  /** Since when nothing has been queued nor in flight while tasks lack a result. */
  readonly quietSince: number | undefined
  readonly waitingSaid: boolean
  /** Messages on the results channel set aside (see `validate`). */
  readonly rejectedResults: number
  /** Results of each task rejected so far: a task whose results keep failing validation is given up. */
  readonly rejectionsOf: ReadonlyMap<string, number>
  /** When a worker's heartbeat first showed each task it holds (what a straggler is measured by). */
  readonly heldSince: HashMap.HashMap<string, number>
  /** Milliseconds per byte of the newest tasks done in this master's life (their median is the run's pace)... */
  readonly msPerByte: ReadonlyArray<number>
  /** ...and of each worker's newest (its own pace). */
  readonly paceOf: ReadonlyMap<string, ReadonlyArray<number>>
  /** Tasks already published again as stragglers (each at most once). */
  readonly speculated: HashSet.HashSet<string>
}

/**
 * What happens to a run: a result, a task poisoned, a heartbeat, the clock moving.
 *
 * @since 0.1.0
 * @category models
 */
export type Input =
  /**
   * Results as a worker published them together (one message): one input, each result counted (or set aside) on its
   * own, a task already settled (or twice in the batch) a duplicate; a checkpoint falls due at most once for it.
   */
  | { readonly _tag: "Results"; readonly results: ReadonlyArray<TaskResult>; readonly now: number }
  | { readonly _tag: "Poisoned"; readonly taskId: string; readonly deliveries: number; readonly now: number }
  | { readonly _tag: "Beat"; readonly heartbeat: Heartbeats.Heartbeat; readonly now: number }
  /**
   * The clock moved; `outstanding` is what the queue holds (queued + in flight), undefined when unknown. `deafMs`:
   * how long before this tick the master could not hear heartbeats (its loop held up waiting on NATS while a cluster
   * elected a leader, or the process paused). That time is no worker's silence: live workers get it back.
   */
  | {
      readonly _tag: "Tick"
      readonly now: number
      readonly outstanding: number | undefined
      readonly deafMs?: number
    }
  | { readonly _tag: "CheckpointSaved"; readonly sequence: number; readonly now: number; readonly onStop?: boolean }
  /** A message on the results channel that is not a result (it could not be decoded). */
  | { readonly _tag: "Rejected"; readonly reason: string; readonly now: number }

/**
 * What the master loop does for a step: publish tasks, save a checkpoint, emit an event.
 *
 * @since 0.1.0
 * @category models
 */
export type Command =
  | { readonly _tag: "Publish"; readonly tasks: ReadonlyArray<Task>; readonly generation: number }
  | { readonly _tag: "SaveCheckpoint"; readonly checkpoint: Checkpoint }
  | { readonly _tag: "Emit"; readonly event: Event }

const emit = (event: Event): Command => ({ _tag: "Emit", event })

/**
 * A run before anything happened; `generation` must differ from any earlier master's (the loop uses its clock).
 *
 * @since 0.1.0
 * @category constructors
 */
export const initial = (now: number, generation: number): State => ({
  startedAt: now,
  done: HashSet.empty(),
  failed: HashMap.empty(),
  skipped: [],
  doneOfFile: HashMap.empty(),
  filesDone: 0,
  filesAlreadyProcessed: 0,
  workers: new Map(),
  failedWorkers: [],
  counts: Counts.empty,
  byFile: [],
  bytesDone: 0,
  sequence: 0,
  checkpointsSaved: 0,
  sinceCheckpoint: 0,
  lastCheckpointAt: now,
  requeuedTasks: 0,
  duplicateResults: 0,
  generation,
  quietSince: undefined,
  waitingSaid: false,
  rejectedResults: 0,
  rejectionsOf: new Map(),
  heldSince: HashMap.empty(),
  msPerByte: [],
  paceOf: new Map(),
  speculated: HashSet.empty()
})

/**
 * Whether task `taskId` is done or given up.
 *
 * @since 0.1.0
 * @category predicates
 */
export const isSettled = (state: State, taskId: string) =>
  HashSet.has(state.done, taskId) || HashMap.has(state.failed, taskId)

/**
 * Tasks without a result yet.
 *
 * @since 0.1.0
 * @category getters
 */
export const pending = (plan: Plan, state: State) =>
  plan.tasks.length - HashSet.size(state.done) - HashMap.size(state.failed)

/**
 * Whether every task of the run is done or given up.
 *
 * @since 0.1.0
 * @category predicates
 */
export const isFinished = (plan: Plan, state: State) => pending(plan, state) === 0

/** Each file's figures, a split file's ranges added up, by path relative to `root`, sorted. */
const perFile = (root: string, results: State["byFile"]): ReadonlyArray<FileSummary> => {
  const byPath = new Map<string, FileSummary>()
  for (const files of results) {
    for (const { path, format, changed, ...counts } of files) {
      const before = byPath.get(path)
      const merged = before === undefined ? counts : Counts.merge(before, counts)
      // A size change seen by any range of the file is the file's.
      const change = changed ?? before?.changed
      byPath.set(path, { ...merged, path, format, ...(change === undefined ? {} : { changed: change }) })
    }
  }
  return [...byPath.values()]
    .map((file) => ({ ...file, path: nameOf(root, file.path) }))
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
}

/**
 * A file's name in the summary: its path under `root`; a stored file's (`node:file`, no path) as it is. Planned paths
 * are `root` joined with a name, so most are a slice (`relative` normalises both paths again, once per file).
 */
const nameOf = (root: string, path: string) => {
  const under = root.endsWith(sep) ? root : root + sep
  if (path.startsWith(under)) return path.slice(under.length)
  return isAbsolute(path) ? relative(root, path) || basename(path) : path
}

const allFailed = (state: State) => [...[...HashMap.values(state.failed)].flat(), ...state.skipped]

/** Whether `path`, a part of a task that is done (and not skipped in it), is done: all of its parts are. */
const fileDone = (plan: Plan, doneOfFile: HashMap.HashMap<string, number>, path: string) => {
  const parts = plan.partsOfFile.get(path)
  return parts === 1 || Option.getOrElse(HashMap.get(doneOfFile, path), () => 0) === parts
}

const markDone = (plan: Plan, state: State, task: Task, skippedPaths: ReadonlySet<string>): State => {
  let doneOfFile = state.doneOfFile
  let filesDone = state.filesDone
  for (const part of task.parts) {
    if (skippedPaths.has(part.path)) continue
    // Most files are one part: done with their task, with no count to keep (a run of 10,000 small files spent a
    // third of its scheduling in this map).
    if (plan.partsOfFile.get(part.path) !== 1) {
      doneOfFile = HashMap.set(doneOfFile, part.path, Option.getOrElse(HashMap.get(doneOfFile, part.path), () => 0) + 1)
    }
    if (fileDone(plan, doneOfFile, part.path)) filesDone++
  }
  return {
    ...state,
    done: HashSet.add(state.done, task.taskId),
    doneOfFile,
    filesDone,
    bytesDone: state.bytesDone + bytesOf(task)
  }
}

/**
 * Takes up where `checkpoint` left off (unless it is complete, of another run, or `fresh`): its counts, done tasks,
 * given-up tasks and failed workers. The sequence numbering goes on even for a fresh start, so this run's
 * checkpoints outrank any older one left behind.
 *
 * @since 0.1.0
 * @category constructors
 */
export const resume = (
  plan: Plan,
  state: State,
  checkpoint: Checkpoint,
  fresh: boolean
): [State, ReadonlyArray<Command>] => {
  if (checkpoint.run_id !== plan.runId) return [state, []]
  let next: State = { ...state, sequence: checkpoint.sequence }
  if (checkpoint.complete || fresh) return [next, []]
  next = { ...next, counts: checkpointCounts(checkpoint) }
  const failedOf = new Map<string, Array<FailedTask>>()
  for (const f of checkpoint.failed_tasks) {
    if (!plan.taskById.has(f.task_id)) continue
    const entry = { taskId: f.task_id, path: f.path, reason: f.reason, binary: f.binary ?? false }
    failedOf.set(f.task_id, [...(failedOf.get(f.task_id) ?? []), entry])
  }
  const skipped: Array<FailedTask> = []
  for (const id of checkpoint.completed_tasks) {
    const task = plan.taskById.get(id)
    if (task === undefined || HashSet.has(next.done, id)) continue
    const set = failedOf.get(id) ?? []
    next = markDone(plan, next, task, new Set(set.map((f) => f.path)))
    skipped.push(...set)
  }
  let failed = next.failed
  for (const [id, set] of failedOf) if (!isSettled(next, id)) failed = HashMap.set(failed, id, set)
  next = {
    ...next,
    failed,
    skipped: [...next.skipped, ...skipped],
    failedWorkers: [...new Set([...next.failedWorkers, ...checkpoint.failed_workers.map(WorkerId.fromFailed)])],
    filesAlreadyProcessed: next.filesDone
  }
  const tasksAlreadyDone = HashSet.size(next.done) + HashMap.size(next.failed)
  return [next, [emit({ _tag: "Resumed", filesAlreadyProcessed: next.filesDone, tasksAlreadyDone })]]
}

/**
 * The tasks to publish when the run starts: every one not settled yet.
 *
 * @since 0.1.0
 * @category getters
 */
export const unsettled = (plan: Plan, state: State) => plan.tasks.filter((t) => !isSettled(state, t.taskId))

/**
 * The run's progress: files, tasks and bytes done of their totals, and the workers alive.
 *
 * @since 0.1.0
 * @category getters
 */
export const progress = (plan: Plan, state: State): Progress => ({
  filesTotal: plan.files.length,
  filesDone: state.filesDone,
  tasksTotal: plan.tasks.length,
  tasksDone: HashSet.size(state.done) + HashMap.size(state.failed),
  bytesTotal: plan.bytesTotal,
  bytesDone: state.bytesDone,
  workersAlive: [...state.workers.values()].filter((w) => w.alive).length
})

/** The files all of whose parts are done and counted: found from the tasks done, as only split files are counted. */
const processedFiles = (plan: Plan, state: State): ReadonlySet<string> => {
  const skipped = new Set(state.skipped.map((f) => f.path))
  const processed = new Set<string>()
  for (const taskId of state.done) {
    for (const { path } of plan.taskById.get(taskId)?.parts ?? []) {
      if (!skipped.has(path) && fileDone(plan, state.doneOfFile, path)) processed.add(path)
    }
  }
  return processed
}

/**
 * The checkpoint of `state` at `now` (numbered next), and the state that numbered it.
 *
 * @since 0.1.0
 * @category constructors
 */
export const checkpoint = (plan: Plan, state: State, now: number): [State, Checkpoint] => {
  const sequence = state.sequence + 1
  const failed = allFailed(state)
  const processedSet = processedFiles(plan, state)
  const processed = plan.files.filter((f) => processedSet.has(f.path)).map((f) => f.path)
  const failedFiles = new Set(failed.map((f) => f.path))
  return [
    { ...state, sequence },
    {
      version: 1,
      run_id: plan.runId,
      sequence,
      timestamp: new Date(now).toISOString(),
      counts: { ...state.counts.levels },
      lines: state.counts.lines,
      unmatched: state.counts.unmatched,
      bytes: state.counts.bytes,
      processed_files: processed,
      pending_files: plan.files.filter((f) => !processedSet.has(f.path) && !failedFiles.has(f.path)).map((f) => f.path),
      failed_workers: WorkerId.failed(state.failedWorkers),
      completed_tasks: [...state.done],
      failed_tasks: failed.map((f) => ({ task_id: f.taskId, path: f.path, reason: f.reason, binary: f.binary })),
      complete: pending(plan, state) === 0
    }
  ]
}

const giveUp = (state: State, task: Task, reason: string, binary: boolean): [State, Array<Command>] => [
  {
    ...state,
    failed: HashMap.set(
      state.failed,
      task.taskId,
      task.parts.map((p) => ({ taskId: task.taskId, path: p.path, reason, binary }))
    ),
    sinceCheckpoint: state.sinceCheckpoint + 1
  },
  task.parts.map((p) => emit({ _tag: "TaskFailed", path: p.path, reason }))
]

/** Publishes again, under a new generation, those of `taskIds` that still lack a result. */
const requeue = (plan: Plan, state: State, taskIds: Iterable<string>): [State, Array<Task>, Array<Command>] => {
  const again = [...taskIds].flatMap((id) => {
    const task = plan.taskById.get(id)
    return task !== undefined && !isSettled(state, id) ? [task] : []
  })
  if (again.length === 0) return [state, again, []]
  const generation = state.generation + 1
  return [{ ...state, generation }, again, [{ _tag: "Publish", tasks: again, generation }]]
}

/**
 * A task whose results are rejected this many times is given up (its file may have changed since planning).
 *
 * @since 0.1.0
 * @category constants
 */
export const maxRejections = 3

/**
 * Why `result` cannot count, if it cannot: it must be for a task of this run, and its numbers must fit the task (as
 * many bytes counted as its uncompressed parts hold, no more lines than bytes, totals that agree, skipped files
 * that are its own). Nothing off the wire counts before this says yes.
 *
 * @since 0.1.0
 * @category predicates
 */
export const validate = (plan: Plan, result: TaskResult): string | undefined => {
  if (result.runId !== plan.runId) return `a result of run "${result.runId}", not of this run`
  const task = plan.taskById.get(result.taskId)
  if (task === undefined) return `a result for task ${result.taskId}, which this run does not have`
  if (result._tag === "Failed") return undefined
  const { counts } = result
  if (counts.lines !== result.lines || counts.bytes !== result.bytes) return `task ${task.taskId}: totals disagree`
  if (counts.lines > counts.bytes) return `task ${task.taskId}: ${counts.lines} lines in ${counts.bytes} bytes`
  const paths = new Set(task.parts.map((p) => p.path))
  const skipped = new Set((result.skipped ?? []).map((f) => f.path))
  if ([...skipped].some((path) => !paths.has(path))) return `task ${task.taskId}: skips a file it does not hold`
  if (result.files !== undefined) {
    if (result.files.some((f) => !paths.has(f.path) || skipped.has(f.path)))
      return `task ${task.taskId}: figures for a file it did not count`
    const lines = result.files.reduce((sum, f) => sum + f.lines, 0)
    const bytes = result.files.reduce((sum, f) => sum + f.bytes, 0)
    if (lines !== counts.lines || bytes !== counts.bytes)
      return `task ${task.taskId}: per-file figures disagree with its totals`
  }
  // A compressed file counts its inflated bytes: only tasks of plain files have a byte count known in advance.
  if (task.parts.some((p) => FileAnalysis.isCompressedName(p.path))) return undefined
  // A file that shrank while it was counted (its figures say so) holds its range up to the size its scan found.
  const found = new Map(
    (result.files ?? []).flatMap((f) => (f.changed === undefined ? [] : [[f.path, f.changed.after]]))
  )
  const expected = task.parts.reduce((sum, p) => {
    const end = Math.min(p.range.end, found.get(p.path) ?? p.range.end)
    return skipped.has(p.path) ? sum : sum + Math.max(0, end - p.range.start)
  }, 0)
  return counts.bytes === expected
    ? undefined
    : `task ${task.taskId}: ${counts.bytes} bytes counted, the task holds ${expected}`
}

/** Sets a result aside: counted and said, and its task (if it is one of this run's, still owed) done again. */
const reject = (plan: Plan, state: State, reason: string, taskId?: string): [State, Array<Command>] => {
  let next: State = { ...state, rejectedResults: state.rejectedResults + 1 }
  const commands: Array<Command> = [emit({ _tag: "ResultRejected", reason })]
  const task = taskId === undefined ? undefined : plan.taskById.get(taskId)
  if (task === undefined || isSettled(next, task.taskId)) return [next, commands]
  const times = (next.rejectionsOf.get(task.taskId) ?? 0) + 1
  next = { ...next, rejectionsOf: new Map(next.rejectionsOf).set(task.taskId, times) }
  if (times >= maxRejections) {
    const [given, said] = giveUp(next, task, `results rejected ${times} times: ${reason}`, false)
    return [given, [...commands, ...said]]
  }
  const [requeued, , publish] = requeue(plan, next, [task.taskId])
  return [requeued, [...commands, ...publish]]
}

const onResult = (plan: Plan, state: State, result: TaskResult, now: number): [State, Array<Command>] => {
  const invalid = validate(plan, result)
  if (invalid !== undefined)
    return reject(plan, state, invalid, result.runId === plan.runId ? result.taskId : undefined)
  const task = plan.taskById.get(result.taskId)
  if (task === undefined) return [state, []]
  if (isSettled(state, result.taskId)) return [{ ...state, duplicateResults: state.duplicateResults + 1 }, []]
  let next: State
  let commands: Array<Command>
  if (result._tag === "Done") {
    const skipped = (result.skipped ?? []).map((f) => ({
      taskId: task.taskId,
      path: f.path,
      reason: f.error,
      binary: f.binary
    }))
    next = markDone(plan, state, task, new Set(skipped.map((f) => f.path)))
    next = {
      ...next,
      skipped: skipped.length === 0 ? next.skipped : [...next.skipped, ...skipped],
      counts: Counts.merge(next.counts, result.counts),
      byFile: result.files === undefined ? next.byFile : [...next.byFile, result.files],
      sinceCheckpoint: next.sinceCheckpoint + 1,
      ...paced(next, task, result.workerId, now)
    }
    commands = skipped.map((f) => emit({ _tag: "TaskFailed", path: f.path, reason: f.reason }))
  } else [next, commands] = giveUp(state, task, result.error, result.binary ?? false)
  commands.push(
    emit({ _tag: "Progress", progress: progress(plan, next), counts: next.counts, workerId: result.workerId })
  )
  return [next, commands]
}

const onResults = (
  plan: Plan,
  state: State,
  results: ReadonlyArray<TaskResult>,
  now: number
): [State, Array<Command>] => {
  let next = state
  const commands: Array<Command> = []
  for (const result of results) {
    const [after, said] = onResult(plan, next, result, now)
    next = after
    commands.push(...said)
  }
  return [next, commands]
}

/** The newest samples a pace is the median of: bounded, and it follows a worker whose speed changes. */
const paceWindow = 31

const sampled = (samples: ReadonlyArray<number>, sample: number) => [...samples.slice(-paceWindow), sample]

/**
 * The run's and `workerId`'s pace samples with `task`'s, when a heartbeat showed when it was taken (not for a task
 * published again: its time since the first holder took it is no measure of the worker that finished it).
 */
const paced = (state: State, task: Task, workerId: string, now: number): Pick<State, "msPerByte" | "paceOf"> => {
  const since = Option.getOrUndefined(HashMap.get(state.heldSince, task.taskId))
  const bytes = bytesOf(task)
  if (since === undefined || bytes === 0 || HashSet.has(state.speculated, task.taskId)) {
    return { msPerByte: state.msPerByte, paceOf: state.paceOf }
  }
  const sample = (now - since) / bytes
  return {
    msPerByte: sampled(state.msPerByte, sample),
    paceOf: new Map(state.paceOf).set(workerId, sampled(state.paceOf.get(workerId) ?? [], sample))
  }
}

const median = (values: ReadonlyArray<number>) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]

const onBeat = (plan: Plan, state: State, heartbeat: Heartbeats.Heartbeat, now: number): [State, Array<Command>] => {
  const commands: Array<Command> = []
  // A map that lasts: it gains a task at every beat, which a copy of a Map would pay for with every task before.
  const heldSince = heartbeat.inFlight.reduce(
    (held, id) => (HashMap.has(held, id) ? held : HashMap.set(held, id, now)),
    state.heldSince
  )
  if (!state.workers.has(heartbeat.workerId))
    commands.push(emit({ _tag: "WorkerJoined", workerId: heartbeat.workerId }))
  const workers = new Map(state.workers)
  workers.set(heartbeat.workerId, { lastSeen: now, inFlight: heartbeat.inFlight, alive: true })
  const working = heartbeat.inFlight.map((id) => {
    const task = plan.taskById.get(id)
    return task === undefined ? id : describe(task, plan.root)
  })
  commands.push(emit({ _tag: "Heartbeat", heartbeat, working }))
  return [{ ...state, workers, heldSince, waitingSaid: false }, commands]
}

/**
 * The stragglers to publish again now, while nothing is queued (every task without a result is held by a live
 * worker, and the queue, when `outstanding` tells, agrees) and a live worker is idle (all it held is settled: its
 * last heartbeat may predate its last result): a task held far longer than the run's pace says it should take, or one
 * whose holder's own pace says that a copy on the idle worker would end sooner by as long as the copy takes (and by
 * `speculateGainMs` at least).
 */
const stragglers = (plan: Plan, state: State, now: number, outstanding: number | undefined): Array<Task> => {
  if (!plan.speculate || state.msPerByte.length === 0) return []
  const alive = [...state.workers].filter(([, w]) => w.alive)
  const holders = new Map<string, string>()
  for (const [workerId, w] of alive) for (const id of w.inFlight) if (!isSettled(state, id)) holders.set(id, workerId)
  const queued = pending(plan, state) > holders.size || (outstanding !== undefined && outstanding > holders.size)
  const idle = alive.filter(([, w]) => w.inFlight.every((id) => isSettled(state, id)))
  if (queued || idle.length === 0) return []
  const runPace = median(state.msPerByte) ?? 0
  const paceOf = (workerId: string) => median(state.paceOf.get(workerId) ?? []) ?? runPace
  const idlePace = Math.min(...idle.map(([workerId]) => paceOf(workerId)))
  return [...holders].flatMap(([id, workerId]) => {
    const task = plan.taskById.get(id)
    const since = Option.getOrUndefined(HashMap.get(state.heldSince, id))
    if (task === undefined || since === undefined || HashSet.has(state.speculated, id)) return []
    const bytes = bytesOf(task)
    const late = now - since > Math.max(plan.stragglerMinMs, plan.stragglerFactor * runPace * bytes)
    // A copy is worth its cost when it saves at least as long as it takes (and `speculateGainMs`): paces are medians,
    // and workers that share a core look slower than they are.
    const copy = idlePace * bytes
    const overtaken = since + paceOf(workerId) * bytes - (now + copy) >= Math.max(plan.speculateGainMs, copy)
    return late || overtaken ? [task] : []
  })
}

/** Publishes `state`'s stragglers again (see `stragglers`), each once, and says so. */
const speculate = (plan: Plan, state: State, now: number, outstanding: number | undefined): [State, Array<Command>] => {
  const slow = stragglers(plan, state, now, outstanding)
  if (slow.length === 0) return [state, []]
  const [requeued, again, publish] = requeue(
    plan,
    state,
    slow.map((t) => t.taskId)
  )
  const next = { ...requeued, speculated: again.reduce((set, t) => HashSet.add(set, t.taskId), requeued.speculated) }
  const said = again.map((t) =>
    emit({
      _tag: "Straggler",
      taskId: t.taskId,
      path: describe(t, plan.root),
      heldMs: now - Option.getOrElse(HashMap.get(next.heldSince, t.taskId), () => now)
    })
  )
  return [next, [...publish, ...said]]
}

/** Live workers' silence without the `deafMs` in which the master could not have heard them. */
const forgiveDeafness = (state: State, deafMs: number): State => {
  if (deafMs <= 0) return state
  const workers = new Map(state.workers)
  for (const [workerId, worker] of state.workers) {
    if (worker.alive) workers.set(workerId, { ...worker, lastSeen: worker.lastSeen + deafMs })
  }
  return { ...state, workers }
}

const onTick = (
  plan: Plan,
  before: State,
  now: number,
  outstanding: number | undefined,
  deafMs: number
): [State, Array<Command>] => {
  const state = forgiveDeafness(before, deafMs)
  let next = state
  const commands: Array<Command> = []
  for (const [workerId, worker] of state.workers) {
    if (!worker.alive || now - worker.lastSeen < plan.heartbeatTimeoutMs) continue
    const workers = new Map(next.workers)
    workers.set(workerId, { ...worker, alive: false })
    next = {
      ...next,
      workers,
      failedWorkers: next.failedWorkers.includes(workerId) ? next.failedWorkers : [...next.failedWorkers, workerId]
    }
    // Its tasks go back at once rather than after the queue's ack wait; a late duplicate is dropped.
    const [requeued, again, publish] = requeue(plan, next, worker.inFlight)
    next = { ...requeued, requeuedTasks: requeued.requeuedTasks + again.length }
    commands.push(...publish)
    commands.push(emit({ _tag: "WorkerFailed", workerId, requeued: again.flatMap((t) => t.parts.map((p) => p.path)) }))
  }
  const left = pending(plan, next)
  if (
    left > 0 &&
    !next.waitingSaid &&
    now - next.startedAt > plan.heartbeatTimeoutMs &&
    progress(plan, next).workersAlive === 0
  ) {
    next = { ...next, waitingSaid: true }
    commands.push(emit({ _tag: "WaitingForWorkers", pendingTasks: left }))
  }
  // Nothing queued nor in flight, yet tasks without a result: lost. Published again after a quiet spell.
  const quiet = outstanding === 0 && left > 0
  next = { ...next, quietSince: quiet ? (next.quietSince ?? now) : undefined }
  if (next.quietSince !== undefined && now - next.quietSince >= plan.lostAfterMs) {
    const [requeued, , publish] = requeue(
      plan,
      { ...next, quietSince: undefined },
      unsettled(plan, next).map((t) => t.taskId)
    )
    next = requeued
    commands.push(...publish)
  }
  if (next.sinceCheckpoint > 0 && now - next.lastCheckpointAt >= plan.checkpointIntervalMs) {
    const [numbered, saved] = checkpoint(plan, next, now)
    next = numbered
    commands.push({ _tag: "SaveCheckpoint", checkpoint: saved })
  }
  return [next, commands]
}

/**
 * One input: the next state and what to do. Pure: the same plan, state and input give the same answer.
 *
 * @since 0.1.0
 * @category combinators
 */
export const step = (plan: Plan, state: State, input: Input): [State, ReadonlyArray<Command>] => {
  let [next, commands] = ((): [State, Array<Command>] => {
    switch (input._tag) {
      case "Results":
        return onResults(plan, state, input.results, input.now)
      case "Poisoned": {
        const task = plan.taskById.get(input.taskId)
        return task === undefined || isSettled(state, task.taskId)
          ? [state, []]
          : giveUp(state, task, `gave up after ${input.deliveries} deliveries`, false)
      }
      case "Beat":
        return onBeat(plan, state, input.heartbeat, input.now)
      case "Tick":
        return onTick(plan, state, input.now, input.outstanding, input.deafMs ?? 0)
      case "Rejected":
        return reject(plan, state, input.reason)
      case "CheckpointSaved":
        return [
          {
            ...state,
            checkpointsSaved: state.checkpointsSaved + 1,
            sinceCheckpoint: 0,
            lastCheckpointAt: input.now
          },
          [emit({ _tag: "CheckpointSaved", sequence: input.sequence, ...(input.onStop ? { onStop: true } : {}) })]
        ]
    }
  })()
  // Whatever the input: a result can leave a worker idle, a heartbeat show what a known-slow worker took.
  const [speculated, published] = speculate(
    plan,
    next,
    input.now,
    input._tag === "Tick" ? input.outstanding : undefined
  )
  next = speculated
  commands = [...commands, ...published]
  // Every `checkpointEvery` results, whatever the input (not twice for one tick).
  if (next.sinceCheckpoint >= plan.checkpointEvery && !commands.some((c) => c._tag === "SaveCheckpoint")) {
    const [numbered, saved] = checkpoint(plan, next, input.now)
    next = numbered
    commands = [...commands, { _tag: "SaveCheckpoint", checkpoint: saved }]
  }
  return [next, commands]
}

/**
 * The run's {@link Summary} at `now`: its counts, files, failed workers and tasks, checkpoints.
 *
 * @since 0.1.0
 * @category getters
 */
export const summary = (plan: Plan, state: State, now: number): Summary => ({
  runId: plan.runId,
  counts: state.counts,
  files: plan.files.length,
  filesProcessed: state.filesDone,
  filesAlreadyProcessed: state.filesAlreadyProcessed,
  byFile: perFile(plan.root, state.byFile),
  tasks: plan.tasks.length,
  failedTasks: allFailed(state),
  failedWorkers: state.failedWorkers,
  workers: [...state.workers.keys()],
  requeuedTasks: state.requeuedTasks,
  duplicateResults: state.duplicateResults,
  rejectedResults: state.rejectedResults,
  checkpointsSaved: state.checkpointsSaved,
  durationMs: now - state.startedAt
})
