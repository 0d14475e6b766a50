import type { Master } from "@dla/analyser"
import { Report } from "@dla/cli"
import * as Option from "effect/Option"
import { describe, expect, it } from "vitest"
import * as Results from "../src/internal/Results.ts"
import * as Run from "../src/internal/Run.ts"

const results: Report.Results = {
  counts: { levels: { WARN: 3, INFO: 10, ERROR: 1 }, lines: 15, unmatched: 1, bytes: 900 },
  filesProcessed: 2,
  durationMs: 1234.5678,
  extra: [{ label: "Failed workers", key: "failedWorkers", value: 0 }]
}

/** The level counts both of the assignment's results blocks open with. */
const assignmentLevels = `=================================================
ANALYSIS RESULTS
=================================================
DEBUG: 89
ERROR: 18
INFO: 152
WARN: 43
=================================================`
/** The assignment's two results blocks, verbatim (shared/reference/003, "Expected Output" of stages 1 and 2). */
const assignmentParallel = `${assignmentLevels}
Total time: 0.35s
Speedup: 2.3x
=================================================`
const assignmentDistributed = `${assignmentLevels}
Total time: 2.14s
Files processed: 10
Failed workers: 1
Checkpoints saved: 3
=================================================`

const assignmentCounts = {
  levels: { INFO: 152, WARN: 43, ERROR: 18, DEBUG: 89 },
  lines: 302,
  unmatched: 0,
  bytes: 9000
}

describe("Report", () => {
  it("prints the assignment's parallel block character for character, then dla's facts", () => {
    const text = Report.render({
      counts: assignmentCounts,
      filesProcessed: 10,
      durationMs: 350.4,
      // 0.805 s sequential / 0.35 s parallel, as Results.speedup works it out from --baseline.
      speedup: Results.speedup(Option.some(0.805), 350, 4).speedup
    })
    expect(text.startsWith(`${assignmentParallel}\n`)).toBe(true)
    expect(text.slice(assignmentParallel.length + 1).split("\n")).toEqual([
      "Lines without a level: 0",
      "Total lines: 302",
      "Files processed: 10"
    ])
    // No sequential time known: no Speedup line.
    expect(Report.render({ counts: assignmentCounts, filesProcessed: 10, durationMs: 350 })).toContain(
      "=\nTotal time: 0.35s\n="
    )
  })

  it("prints the assignment's distributed block character for character, then dla's facts", () => {
    const text = Report.render({
      counts: assignmentCounts,
      filesProcessed: 10,
      durationMs: 2138,
      distributed: { failedWorkers: 1, checkpointsSaved: 3 },
      extra: [{ label: "Failed worker ranks", key: "failed_workers", value: "2" }]
    })
    expect(text.startsWith(`${assignmentDistributed}\n`)).toBe(true)
    expect(text.slice(assignmentDistributed.length + 1).split("\n")).toEqual([
      "Lines without a level: 0",
      "Total lines: 302",
      "Failed worker ranks: 2"
    ])
  })

  it("lists every level seen in alphabetical order, without separators, after a rule of 49 =", () => {
    const big = {
      ...results,
      counts: { levels: { FATAL: 2, TRACE: 1_234_567, NOTICE: 0 }, lines: 1_234_569, unmatched: 0, bytes: 0 }
    }
    const lines = Report.render(big).split("\n")
    expect(lines.slice(0, 6)).toEqual([
      Report.rule,
      "ANALYSIS RESULTS",
      Report.rule,
      "FATAL: 2",
      "TRACE: 1234567",
      Report.rule
    ])
    expect(Report.rule).toBe("=".repeat(49))
    expect(lines).toContain("Total lines: 1,234,569")
  })

  it("orders levels by severity: core's list reversed", () => {
    expect(Report.bySeverity).toEqual(["FATAL", "ERROR", "WARN", "NOTICE", "INFO", "DEBUG", "TRACE"])
    expect(Report.percent(1, 3)).toBe("33.3%")
    expect(Report.percent(0, 0)).toBe("0.0%")
    expect(Report.thousands(1234567)).toBe("1,234,567")
  })

  it("gives a run's state every level and an ISO string next to each epoch-ms time", () => {
    const state = {
      runId: "r",
      startedAt: 0,
      finishedAt: null,
      counts: { levels: { INFO: 2 }, lines: 2 },
      workers: [{ workerId: "w", lastHeartbeat: 1000, joinedAt: 500 }],
      checkpoints: { saved: 1, lastAt: 86_400_000 }
    }
    expect(Report.stateJson(state)).toEqual({
      runId: "r",
      startedAt: 0,
      startedAtIso: "1970-01-01T00:00:00.000Z",
      finishedAt: null,
      finishedAtIso: null,
      counts: { levels: { TRACE: 0, DEBUG: 0, INFO: 2, NOTICE: 0, WARN: 0, ERROR: 0, FATAL: 0 }, lines: 2 },
      workers: [
        {
          workerId: "w",
          lastHeartbeat: 1000,
          lastHeartbeatIso: "1970-01-01T00:00:01.000Z",
          joinedAt: 500,
          joinedAtIso: "1970-01-01T00:00:00.500Z"
        }
      ],
      checkpoints: { saved: 1, lastAt: 86_400_000, lastAtIso: "1970-01-02T00:00:00.000Z" }
    })
  })

  it("gives every canonical level in JSON, zero when unseen, with the extras by key", () => {
    expect(Report.toJson(results)).toEqual({
      levels: { TRACE: 0, DEBUG: 0, INFO: 10, NOTICE: 0, WARN: 3, ERROR: 1, FATAL: 0 },
      lines: 15,
      unmatched: 1,
      bytes: 900,
      filesProcessed: 2,
      durationMs: 1234.568,
      failedWorkers: 0
    })
  })

  it("shows an elected master's leader and term, and the previous leader after a takeover, after the block", () => {
    const takeover = {
      ...results,
      extra: Run.leadershipRows({ term: 2, leader: "standby", previousLeader: "primary" })
    }
    expect(Report.render(takeover).split("\n").slice(-3)).toEqual([
      "Leader: standby",
      "Term: 2",
      "Previous leader: primary"
    ])
    expect(Report.toJson(takeover)).toMatchObject({ leader: "standby", term: 2, previousLeader: "primary" })
    expect(Run.leadershipRows({ term: 1, leader: "primary" }).map((row) => row.key)).toEqual(["leader", "term"])
  })
})

describe("Results.toJson", () => {
  it("failed_workers: ranks for workers of a launch (each rank once), ids for the others; failedWorkerIds keeps the ids", () => {
    const json = Results.toJson({
      mode: "nats",
      counts: assignmentCounts,
      filesProcessed: 10,
      durationMs: 2140,
      filesSkipped: 0,
      workers: 4,
      summary: {
        failedWorkers: ["rank-2", "rank-3.1", "rank-3.2", "host-9/77"],
        failedTasks: [],
        filesAlreadyProcessed: 0,
        requeuedTasks: 0,
        duplicateResults: 0,
        rejectedResults: 0,
        checkpointsSaved: 3
      } as unknown as Master.Summary
    })
    expect(json.failed_workers).toEqual([2, 3, "host-9/77"])
    expect(json.failedWorkerIds).toEqual(["rank-2", "rank-3.1", "rank-3.2", "host-9/77"])
    expect(json.failedWorkers).toBe(4)
  })
})
