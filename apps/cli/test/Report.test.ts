import { describe, expect, it } from "vitest"
import * as Run from "../src/internal/Run.ts"
import * as Report from "../src/Report.ts"

const results: Report.Results = {
  counts: { levels: { WARN: 3, INFO: 10, ERROR: 1 }, lines: 15, unmatched: 1, bytes: 900 },
  filesProcessed: 2,
  durationMs: 1234.5678,
  extra: [{ label: "Failed workers", key: "failedWorkers", value: 0 }]
}

describe("Report", () => {
  it("renders the results block: levels seen, most severe first, with shares and thousands separators", () => {
    expect(Report.render(results)).toBe(
      [
        "=== Log analysis results ===",
        "ERROR:  1   6.7%",
        "WARN:   3  20.0%",
        "INFO:  10  66.7%",
        "Lines without a level: 1",
        "Total lines: 15",
        "Files processed: 2",
        "Failed workers: 0",
        "Total time: 1.235 seconds"
      ].join("\n")
    )
    const big = {
      ...results,
      counts: { levels: { FATAL: 2, TRACE: 1_234_567 }, lines: 1_234_569, unmatched: 0, bytes: 0 }
    }
    expect(Report.render(big).split("\n").slice(1, 4)).toEqual([
      "FATAL:         2    0.0%",
      "TRACE: 1,234,567  100.0%",
      "Lines without a level: 0"
    ])
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

  it("shows an elected master's leader and term, and the previous leader after a takeover", () => {
    const takeover = {
      ...results,
      extra: Run.leadershipRows({ term: 2, leader: "standby", previousLeader: "primary" })
    }
    expect(Report.render(takeover).split("\n").slice(-4)).toEqual([
      "Leader: standby",
      "Term: 2",
      "Previous leader: primary",
      "Total time: 1.235 seconds"
    ])
    expect(Report.toJson(takeover)).toMatchObject({ leader: "standby", term: 2, previousLeader: "primary" })
    expect(Run.leadershipRows({ term: 1, leader: "primary" }).map((row) => row.key)).toEqual(["leader", "term"])
  })
})
