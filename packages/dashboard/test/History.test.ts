import { RunMonitor } from "@dla/analyser"
import * as History from "@dla/dashboard/History"
import { describe, expect, it } from "vitest"

const progress = (done: number) => ({
  filesTotal: 2,
  filesDone: done,
  tasksTotal: 2,
  tasksDone: done,
  bytesTotal: 20,
  bytesDone: done * 10,
  workersAlive: 2
})

describe("History", () => {
  it("gives lines per second of each level between snapshots at least a second apart", () => {
    let state = RunMonitor.reduce(RunMonitor.initial("r", 0), { _tag: "Started", files: 2, tasks: 2, bytes: 20 }, 0)
    let history = History.add(History.empty, state)
    const counts = (info: number, error: number) => ({
      levels: { INFO: info, ERROR: error },
      lines: info + error,
      unmatched: 1,
      bytes: 0
    })
    state = RunMonitor.reduce(state, { _tag: "Progress", progress: progress(1), counts: counts(100, 10) }, 500)
    history = History.add(history, state)
    // Half a second later: too soon for a rate.
    expect(history.levels).toEqual([])
    state = RunMonitor.reduce(state, { _tag: "Progress", progress: progress(2), counts: counts(400, 40) }, 2000)
    history = History.add(history, state)
    expect(history.levels).toEqual([{ at: 2000, perSecond: { INFO: 200, ERROR: 20, unmatched: 1 } }])
  })

  it("gives each worker's tasks per second from the results the master accepted", () => {
    const beat = (workerId: string) => ({
      _tag: "Heartbeat" as const,
      heartbeat: { workerId, inFlight: [], done: 0 },
      working: []
    })
    // A result accepted from a worker: a Progress event naming it (what the master counts tasks done by).
    const result = (workerId: string) => ({
      _tag: "Progress" as const,
      workerId,
      progress: progress(0),
      counts: { levels: {}, lines: 0, unmatched: 0, bytes: 0 }
    })
    let state = RunMonitor.reduce(RunMonitor.initial("r", 0), beat("w1"), 0)
    let history = History.add(History.empty, state)
    for (let i = 0; i < 6; i++) state = RunMonitor.reduce(state, result("w1"), 2000)
    for (let i = 0; i < 2; i++) state = RunMonitor.reduce(state, result("w2"), 2000)
    history = History.add(history, state)
    expect(history.workers).toEqual([{ at: 2000, perSecond: { w1: 3, w2: 1 } }])
  })

  it("collapses repeated events into one line with a count, newest kind last, each event once", () => {
    let state = RunMonitor.initial("r", 0)
    let history = History.empty
    for (let sequence = 1; sequence <= 121; sequence++) {
      state = RunMonitor.reduce(state, { _tag: "CheckpointSaved", sequence }, sequence)
      // Every snapshot repeats the latest events: each is counted once all the same.
      if (sequence % 7 === 0) history = History.add(history, state)
    }
    state = RunMonitor.reduce(state, { _tag: "WorkerFailed", workerId: "w-9", requeued: ["a.log"] }, 200)
    history = History.add(history, state)
    state = RunMonitor.reduce(state, { _tag: "CheckpointSaved", sequence: 122 }, 300)
    history = History.add(history, state)
    // The snapshots held only the latest 50 events each; those before were folded from earlier snapshots.
    expect(history.events.map((e) => [e.kind, e.count, e.text])).toEqual([
      ["worker * failed: # task(s) requeued", 1, "worker w-9 failed: 1 task(s) requeued"],
      ["checkpoint # saved", 122, "checkpoint 122 saved"]
    ])
  })
})
