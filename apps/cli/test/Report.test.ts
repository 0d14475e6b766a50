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
  it("renders the results block: levels seen, in name order, then totals, extras and time", () => {
    expect(Report.render(results)).toBe(
      [
        "=== Log analysis results ===",
        "ERROR: 1",
        "INFO:  10",
        "WARN:  3",
        "Lines without a level: 1",
        "Total lines: 15",
        "Files processed: 2",
        "Failed workers: 0",
        "Total time: 1.235 seconds"
      ].join("\n")
    )
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
