import type { Checkpoint } from "@dla/analyser/CheckpointStore"
import * as Scheduler from "@dla/analyser/Scheduler"
import type { Task, TaskResult } from "@dla/analyser/Task"
import type { Counts } from "@dla/core"
import { describe, expect, it } from "vitest"

const task = (n: number, ...paths: Array<string>): Task => {
  const [first, ...rest] = (paths.length > 0 ? paths : [`/logs/${n}.log`]).map((path) => ({
    path,
    range: { start: 0, end: 100 },
    size: 100
  }))
  return { runId: "r", taskId: `t${n}`, parts: [first!, ...rest] }
}
const tasks = [task(1), task(2), task(3, "/logs/3a.log", "/logs/3b.log")]
const plan = Scheduler.makePlan({
  runId: "r",
  root: "/logs",
  files: ["/logs/1.log", "/logs/2.log", "/logs/3a.log", "/logs/3b.log"].map((path) => ({ path, size: 100 })),
  tasks,
  checkpointEvery: 100,
  checkpointIntervalMs: 5000,
  heartbeatTimeoutMs: 5000,
  speculate: true
})
const counted = (bytes: number) => ({ levels: { INFO: 10 }, lines: 10, unmatched: 0, bytes })
/** A result that fits its task: as many bytes counted as its parts hold (but for those skipped). */
const done = (
  taskId: string,
  workerId = "w1",
  skipped?: Extract<TaskResult, { _tag: "Done" }>["skipped"]
): TaskResult => {
  const task = tasks.find((t) => t.taskId === taskId)
  const bytes = (task?.parts.length ?? 1) * 100 - (skipped?.length ?? 0) * 100
  return {
    _tag: "Done",
    runId: "r",
    taskId,
    workerId,
    counts: counted(bytes),
    lines: 10,
    bytes,
    ...(skipped === undefined ? {} : { skipped })
  }
}
const beat = (workerId: string, inFlight: Array<string>, now: number): Scheduler.Input => ({
  _tag: "Beat",
  heartbeat: { workerId, inFlight, done: 0 },
  now
})

/** Feeds `inputs` in order from the initial state (at time 0); the last state and every command. */
const run = (inputs: ReadonlyArray<Scheduler.Input>, state = Scheduler.initial(0, 1000)) => {
  const commands: Array<Scheduler.Command> = []
  for (const input of inputs) {
    const [next, more] = Scheduler.step(plan, state, input)
    state = next
    commands.push(...more)
  }
  return { state, commands }
}
const events = (commands: ReadonlyArray<Scheduler.Command>) =>
  commands.flatMap((c) => (c._tag === "Emit" ? [c.event._tag] : []))

describe("Scheduler.step", () => {
  it("counts each task once, whatever is duplicated, crediting the worker whose result counted; finishes", () => {
    const { state, commands } = run([
      { _tag: "Results", results: [done("t1", "w1")], now: 1 },
      { _tag: "Results", results: [done("t1", "w2")], now: 2 },
      { _tag: "Results", results: [done("t2", "w2")], now: 3 },
      { _tag: "Results", results: [{ ...done("t9"), runId: "other" }], now: 4 }
    ])
    expect(state.counts.lines).toBe(20)
    expect(state.duplicateResults).toBe(1)
    expect(state.rejectedResults).toBe(1) // another run's result on this run's channel
    expect(Scheduler.isFinished(plan, state)).toBe(false)
    expect(
      commands.flatMap((c) => (c._tag === "Emit" && c.event._tag === "Progress" ? [c.event.workerId] : []))
    ).toEqual(["w1", "w2"])
    const last = run([{ _tag: "Results", results: [done("t3")], now: 5 }], state).state
    expect(Scheduler.isFinished(plan, last)).toBe(true)
    expect(Scheduler.summary(plan, last, 10)).toMatchObject({ filesProcessed: 4, tasks: 3, durationMs: 10 })
  })

  it("a file a worker could not count is failed alone: its task is done, its other file processed", () => {
    const skipped = [{ path: "/logs/3b.log", error: "/logs/3b.log: binary", binary: true }]
    const { state, commands } = run([{ _tag: "Results", results: [done("t3", "w1", skipped)], now: 1 }])
    expect(Scheduler.isSettled(state, "t3")).toBe(true)
    expect(state.filesDone).toBe(1)
    expect(Scheduler.summary(plan, state, 1).failedTasks).toEqual([
      { taskId: "t3", path: "/logs/3b.log", reason: "/logs/3b.log: binary", binary: true }
    ])
    expect(events(commands)).toEqual(["TaskFailed", "Progress"])
    const [, checkpoint] = Scheduler.checkpoint(plan, state, 2)
    expect(checkpoint).toMatchObject({
      processed_files: ["/logs/3a.log"],
      pending_files: ["/logs/1.log", "/logs/2.log"]
    })
  })

  it("a worker silent past the heartbeat timeout is failed on the clock of the inputs, its tasks requeued", () => {
    const before = run([beat("w1", ["t1", "t2"], 1000), { _tag: "Tick", now: 5999, outstanding: 2 }])
    expect(events(before.commands)).toEqual(["WorkerJoined", "Heartbeat"])
    const { state, commands } = run(
      [
        { _tag: "Results", results: [done("t2")], now: 6000 },
        { _tag: "Tick", now: 6000, outstanding: 1 }
      ],
      before.state
    )
    expect(commands).toContainEqual({ _tag: "Publish", tasks: [tasks[0]], generation: 1001 })
    expect(commands).toContainEqual({
      _tag: "Emit",
      event: { _tag: "WorkerFailed", workerId: "w1", requeued: ["/logs/1.log"] }
    })
    expect(state).toMatchObject({ failedWorkers: ["w1"], requeuedTasks: 1, generation: 1001 })
    // Told once: the next tick finds it failed already.
    expect(events(run([{ _tag: "Tick", now: 9000, outstanding: 1 }], state).commands)).not.toContain("WorkerFailed")
  })

  it("a checkpoint's failed_workers are ranks for workers of a launch (rank-2, rank-3.1), ids for the others", () => {
    const silent = run([
      beat("rank-2", ["t1"], 1000),
      beat("rank-3.1", [], 1000),
      beat("w9", [], 1000),
      { _tag: "Tick", now: 7000, outstanding: 3 }
    ])
    expect(silent.state.failedWorkers).toEqual(["rank-2", "rank-3.1", "w9"])
    const [, saved] = Scheduler.checkpoint(plan, silent.state, 7000)
    expect(saved.failed_workers).toEqual([2, 3, "w9"])
    // A master resuming from it knows them again by id.
    const [resumed] = Scheduler.resume(plan, Scheduler.initial(0, 0), saved, false)
    expect(resumed.failedWorkers).toEqual(["rank-2", "rank-3", "w9"])
  })

  it("time the master could not hear (deafMs) is no worker's silence; silence heard past the timeout still fails", () => {
    const joined = run([beat("w1", ["t1"], 1000)])
    // Held up from 1000 to 7000: deaf for 6 s, so w1 has been silent 0 s as far as anyone could hear.
    const after = run([{ _tag: "Tick", now: 7000, outstanding: 1, deafMs: 6000 }], joined.state)
    expect(events(after.commands)).not.toContain("WorkerFailed")
    expect(events(run([{ _tag: "Tick", now: 11_999, outstanding: 1 }], after.state).commands)).not.toContain(
      "WorkerFailed"
    )
    expect(events(run([{ _tag: "Tick", now: 12_000, outstanding: 1 }], after.state).commands)).toContain("WorkerFailed")
  })

  it("says once that it waits for workers when none is alive past the timeout", () => {
    const { commands } = run([
      { _tag: "Tick", now: 4000, outstanding: 3 },
      { _tag: "Tick", now: 5001, outstanding: 3 },
      { _tag: "Tick", now: 6000, outstanding: 3 }
    ])
    expect(events(commands)).toEqual(["WaitingForWorkers"])
  })

  it("publishes lost tasks again after a quiet spell with nothing queued nor in flight", () => {
    const quiet = run([
      { _tag: "Results", results: [done("t1")], now: 0 },
      { _tag: "Tick", now: 100, outstanding: 0 },
      { _tag: "Tick", now: 5099, outstanding: 0 }
    ])
    expect(quiet.commands.filter((c) => c._tag === "Publish")).toEqual([])
    const { commands } = run([{ _tag: "Tick", now: 5100, outstanding: 0 }], quiet.state)
    expect(commands.filter((c) => c._tag === "Publish")).toEqual([
      { _tag: "Publish", tasks: [tasks[1], tasks[2]], generation: 1001 }
    ])
    // A result in between starts the quiet spell again.
    const busy = run([{ _tag: "Tick", now: 3000, outstanding: 1 }], quiet.state)
    const after = run([{ _tag: "Tick", now: 5100, outstanding: 0 }], busy.state).commands
    expect(after.filter((c) => c._tag === "Publish")).toEqual([])
  })

  it("saves a checkpoint every checkpointEvery results and at the interval; saved, it counts afresh", () => {
    const every2 = { ...plan, checkpointEvery: 2 }
    const [one] = Scheduler.step(every2, Scheduler.initial(0, 0), { _tag: "Results", results: [done("t1")], now: 1 })
    const [two, commands] = Scheduler.step(every2, one, { _tag: "Results", results: [done("t2")], now: 2 })
    const save = commands.find((c) => c._tag === "SaveCheckpoint")
    expect(save?._tag === "SaveCheckpoint" && save.checkpoint).toMatchObject({
      sequence: 1,
      completed_tasks: expect.arrayContaining(["t1", "t2"]),
      processed_files: ["/logs/1.log", "/logs/2.log"],
      complete: false
    })
    const [saved, said] = Scheduler.step(every2, two, { _tag: "CheckpointSaved", sequence: 1, now: 2 })
    expect(saved).toMatchObject({ checkpointsSaved: 1, sinceCheckpoint: 0, lastCheckpointAt: 2 })
    expect(said).toEqual([{ _tag: "Emit", event: { _tag: "CheckpointSaved", sequence: 1 } }])
    // On time: one result and 5 s later, a tick saves.
    const timed = run([
      { _tag: "Results", results: [done("t1")], now: 1 },
      { _tag: "Tick", now: 4999, outstanding: 2 },
      { _tag: "Tick", now: 5000, outstanding: 2 }
    ])
    expect(timed.commands.filter((c) => c._tag === "SaveCheckpoint")).toHaveLength(1)
  })

  it("takes a batch of results as one input: each counts once, a duplicate in it or of an earlier batch dropped", () => {
    const every2 = { ...plan, checkpointEvery: 2 }
    const [first] = Scheduler.step(every2, Scheduler.initial(0, 0), { _tag: "Results", results: [done("t1")], now: 1 })
    // t1 again (a redelivered task's result, batched with others), t2, and t2 twice within the batch.
    const batch = [done("t1", "w2"), done("t2", "w2"), done("t3", "w2"), done("t2", "w1")]
    const [state, commands] = Scheduler.step(every2, first, { _tag: "Results", results: batch, now: 2 })
    expect(state.counts.lines).toBe(30)
    expect(state.duplicateResults).toBe(2)
    expect(Scheduler.isFinished(every2, state)).toBe(true)
    // Each result that counted is said, crediting its worker; a checkpoint falls due once for the whole batch.
    expect(
      commands.flatMap((c) => (c._tag === "Emit" && c.event._tag === "Progress" ? [c.event.workerId] : []))
    ).toEqual(["w2", "w2"])
    expect(commands.filter((c) => c._tag === "SaveCheckpoint")).toHaveLength(1)
  })

  it("a task given up after its deliveries fails each of its files, once", () => {
    const { state, commands } = run([
      { _tag: "Poisoned", taskId: "t3", deliveries: 3, now: 1 },
      { _tag: "Poisoned", taskId: "t3", deliveries: 3, now: 2 }
    ])
    expect(Scheduler.summary(plan, state, 2).failedTasks.map((f) => f.path)).toEqual(["/logs/3a.log", "/logs/3b.log"])
    expect(events(commands)).toEqual(["TaskFailed", "TaskFailed"])
  })
})

describe("Scheduler: per-file figures", () => {
  it("adds up the ranges of a split file and lists files by path relative to the root", () => {
    const range = (n: number, start: number): Task => ({
      runId: "r",
      taskId: `s${n}`,
      parts: [{ path: "/logs/big.log", range: { start, end: start + 100 }, size: 200 }]
    })
    const split = Scheduler.makePlan({
      runId: "r",
      root: "/logs",
      files: [{ path: "/logs/big.log", size: 200 }],
      tasks: [range(1, 0), range(2, 100)],
      checkpointEvery: 100,
      checkpointIntervalMs: 5000,
      heartbeatTimeoutMs: 5000
    })
    const result = (n: number, c: Counts.Counts): TaskResult => ({
      _tag: "Done",
      runId: "r",
      taskId: `s${n}`,
      workerId: "w1",
      counts: c,
      lines: c.lines,
      bytes: c.bytes,
      files: [{ path: "/logs/big.log", format: "klog", ...c }]
    })
    let state = Scheduler.initial(0, 1000)
    const processed: Array<[number, ReadonlyArray<string>, ReadonlyArray<string>]> = []
    for (const [n, c] of [
      [1, counted(100)],
      [2, { levels: { ERROR: 2 }, lines: 5, unmatched: 3, bytes: 100 }]
    ] as const) {
      ;[state] = Scheduler.step(split, state, { _tag: "Results", results: [result(n, c)], now: n })
      const [, checkpoint] = Scheduler.checkpoint(split, state, n)
      processed.push([state.filesDone, checkpoint.processed_files, checkpoint.pending_files])
    }
    // A split file is processed once its last range is.
    expect(processed).toEqual([
      [0, [], ["/logs/big.log"]],
      [1, ["/logs/big.log"], []]
    ])
    expect(Scheduler.summary(split, state, 3).byFile).toEqual([
      { path: "big.log", format: "klog", levels: { INFO: 10, ERROR: 2 }, lines: 15, unmatched: 3, bytes: 200 }
    ])
  })
})

describe("Scheduler.resume", () => {
  const checkpoint: Checkpoint = {
    version: 1,
    run_id: "r",
    sequence: 7,
    timestamp: new Date(0).toISOString(),
    counts: { INFO: 10 },
    lines: 10,
    unmatched: 0,
    bytes: 100,
    processed_files: ["/logs/3a.log"],
    pending_files: [],
    failed_workers: ["w0"],
    completed_tasks: ["t3"],
    failed_tasks: [{ task_id: "t3", path: "/logs/3b.log", reason: "binary", binary: true }],
    complete: false
  }

  it("takes up the checkpoint's counts, done tasks, files set aside and failed workers; numbering goes on", () => {
    const [state, commands] = Scheduler.resume(plan, Scheduler.initial(0, 0), checkpoint, false)
    expect(state).toMatchObject({ sequence: 7, filesDone: 1, filesAlreadyProcessed: 1, failedWorkers: ["w0"] })
    expect(state.counts.lines).toBe(10)
    expect(Scheduler.unsettled(plan, state).map((t) => t.taskId)).toEqual(["t1", "t2"])
    expect(Scheduler.summary(plan, state, 0).failedTasks).toHaveLength(1)
    expect(commands).toEqual([
      { _tag: "Emit", event: { _tag: "Resumed", filesAlreadyProcessed: 1, tasksAlreadyDone: 1 } }
    ])
  })

  it("fresh, complete or another run's: starts over, only the numbering goes on (another run's: not even that)", () => {
    for (const [c, fresh] of [
      [checkpoint, true],
      [{ ...checkpoint, complete: true }, false]
    ] as const) {
      const [state, commands] = Scheduler.resume(plan, Scheduler.initial(0, 0), c, fresh)
      expect([state.sequence, state.counts.lines, commands]).toEqual([7, 0, []])
    }
    const [other] = Scheduler.resume(plan, Scheduler.initial(0, 0), { ...checkpoint, run_id: "x" }, false)
    expect(other.sequence).toBe(0)
  })
})

describe("Scheduler: results are validated before they count", () => {
  type Done = Extract<TaskResult, { _tag: "Done" }>
  const withCounts = (result: TaskResult, c: ReturnType<typeof counted>): TaskResult => ({
    ...(result as Done),
    counts: c,
    lines: c.lines,
    bytes: c.bytes
  })

  it("sets aside a result that does not fit its task, counts nothing of it, and has the task done again", () => {
    const cases: Array<[TaskResult, RegExp]> = [
      [withCounts(done("t1"), counted(99)), /99 bytes counted, the task holds 100/],
      [withCounts(done("t1"), { ...counted(100), lines: 101 }), /101 lines in 100 bytes/],
      [{ ...(done("t1") as Done), lines: 11 }, /totals disagree/],
      [
        withCounts(done("t1", "w1", [{ path: "/etc/passwd", error: "x", binary: false }]), counted(100)),
        /skips a file it does not hold/
      ],
      [
        { ...(done("t1") as Done), files: [{ path: "/etc/passwd", format: "klog", ...counted(100) }] },
        /figures for a file it did not count/
      ],
      [
        { ...(done("t1") as Done), files: [{ path: "/logs/1.log", format: "klog", ...counted(100), lines: 9 }] },
        /per-file figures disagree with its totals/
      ]
    ]
    for (const [result, why] of cases) {
      const { state, commands } = run([{ _tag: "Results", results: [result], now: 1 }])
      expect(state.counts.lines).toBe(0)
      expect(Scheduler.isSettled(state, "t1")).toBe(false)
      expect(state.rejectedResults).toBe(1)
      expect(commands).toEqual([
        { _tag: "Emit", event: { _tag: "ResultRejected", reason: expect.stringMatching(why) } },
        { _tag: "Publish", tasks: [tasks[0]], generation: 1001 }
      ])
    }
  })

  it("a message not for a task of this run, or not a result at all, is counted and said, and stops nothing", () => {
    const { state, commands } = run([
      { _tag: "Results", results: [done("t404")], now: 1 },
      { _tag: "Results", results: [{ ...done("t1"), runId: "other" }], now: 2 },
      { _tag: "Rejected", reason: "bad result message: not JSON", now: 3 },
      { _tag: "Results", results: [done("t1")], now: 4 }
    ])
    expect(state.rejectedResults).toBe(3)
    expect(commands.filter((c) => c._tag === "Publish")).toEqual([])
    expect(state.counts.lines).toBe(10)
    expect(Scheduler.summary(plan, state, 4).rejectedResults).toBe(3)
  })

  it(`gives a task up once its results were rejected ${Scheduler.maxRejections} times (its file changed?)`, () => {
    const bad = withCounts(done("t2"), counted(7))
    const { state, commands } = run(
      Array.from({ length: Scheduler.maxRejections }, (_, i) => ({ _tag: "Results" as const, results: [bad], now: i }))
    )
    expect(Scheduler.isSettled(state, "t2")).toBe(true)
    expect(commands.filter((c) => c._tag === "Publish")).toHaveLength(Scheduler.maxRejections - 1)
    expect(Scheduler.summary(plan, state, 9).failedTasks).toEqual([
      { taskId: "t2", path: "/logs/2.log", reason: expect.stringMatching(/^results rejected 3 times: /), binary: false }
    ])
  })
})

describe("Scheduler: stragglers (a task held far longer than the run's pace, while a worker idles)", () => {
  const result = (taskId: string, workerId: string, now: number): Scheduler.Input => ({
    _tag: "Results",
    results: [done(taskId, workerId)],
    now
  })
  const tick = (now: number, outstanding: number): Scheduler.Input => ({ _tag: "Tick", now, outstanding })
  // w1 does t1 (100 bytes) and t3 (200 bytes) at `msPerByte`; w2 takes t2 (100 bytes) at 0 and is still on it.
  const pacedAt = (msPerByte: number): ReadonlyArray<Scheduler.Input> => [
    beat("w1", ["t1"], 0),
    beat("w2", ["t2"], 0),
    result("t1", "w1", 100 * msPerByte),
    beat("w1", ["t3"], 100 * msPerByte),
    result("t3", "w1", 300 * msPerByte),
    beat("w1", [], 300 * msPerByte)
  ]
  const paced = pacedAt(1)
  const publishes = (commands: ReadonlyArray<Scheduler.Command>) =>
    commands.flatMap((c) => (c._tag === "Publish" ? [c.tasks.map((t) => t.taskId)] : []))

  it("is published again for the idle worker once it is held 3x its expected time, and only once", () => {
    const early = run([...paced, tick(300, 1)])
    expect(publishes(early.commands)).toEqual([])
    const { state, commands } = run([...paced, tick(301, 1), tick(500, 2), tick(3000, 1)])
    expect(publishes(commands)).toEqual([["t2"]])
    expect(commands.flatMap((c) => (c._tag === "Emit" && c.event._tag === "Straggler" ? [c.event] : []))).toEqual([
      { _tag: "Straggler", taskId: "t2", path: "2.log", heldMs: 301 }
    ])
    expect(Scheduler.isFinished(plan, state)).toBe(false)
  })

  it(`is never published again before ${plan.stragglerMinMs} ms, however fast the run's pace`, () => {
    // At 0.1 ms a byte, 3x t2's expected time is 30 ms: under the minimum.
    const fast = pacedAt(0.1)
    expect(publishes(run([...fast, tick(plan.stragglerMinMs, 1)]).commands)).toEqual([])
    expect(publishes(run([...fast, tick(plan.stragglerMinMs + 1, 1)]).commands)).toEqual([["t2"]])
  })

  it("the first result counts, the straggler's late one is dropped: the counts stay exact", () => {
    const { state } = run([
      ...paced,
      tick(1001, 1),
      beat("w1", ["t2"], 1050),
      result("t2", "w1", 1150),
      result("t2", "w2", 4000)
    ])
    expect(Scheduler.isFinished(plan, state)).toBe(true)
    expect(state.counts.lines).toBe(30)
    expect(state.duplicateResults).toBe(1)
  })

  it("held by a worker its own pace says is slow, is published again the moment another idles, if a copy ends sooner", () => {
    const four = Scheduler.makePlan({ ...plan, tasks: [task(1), task(2), task(5), task(4)] })
    // w1 counts a byte a ms (t1: 0-100, t5: 100-150); w2 is on t2 from 0, then takes t4 as it ends, w1 idle by then.
    const at = (w2Done: number) => {
      let state = Scheduler.initial(0, 1000)
      const commands: Array<Scheduler.Command> = []
      for (const input of [
        beat("w1", ["t1"], 0),
        beat("w2", ["t2"], 0),
        result("t1", "w1", 100),
        beat("w1", ["t5"], 100),
        result("t5", "w1", 150),
        result("t2", "w2", w2Done),
        beat("w2", ["t4"], w2Done)
      ]) {
        const [next, more] = Scheduler.step(four, state, input)
        state = next
        commands.push(...more)
      }
      return commands
    }
    // w2 at 4 ms a byte: t4 would end at 800 on it, at 500 as a copy on w1. Published at once, with no tick to wait for.
    const slow = at(400)
    expect(publishes(slow)).toEqual([["t4"]])
    expect(slow.flatMap((c) => (c._tag === "Emit" && c.event._tag === "Straggler" ? [c.event.heldMs] : []))).toEqual([
      0
    ])
    // At 1.6 ms a byte: 320 against 260, 60 ms sooner, but not by the 100 ms the copy takes: not worth a copy.
    expect(publishes(at(160))).toEqual([])
  })

  it("is not published again while tasks are queued, nor while every worker is busy", () => {
    expect(publishes(run([...paced, tick(2000, 2)]).commands)).toEqual([])
    const busy = [...paced.slice(0, -1), beat("w1", ["t9"], 400)]
    expect(publishes(run([...busy, tick(2000, 2)]).commands)).toEqual([])
  })
})
