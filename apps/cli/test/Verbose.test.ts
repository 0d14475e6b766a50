/** `--verbose`: the assignment's progress lines, from the master's events and the workers' task events. */
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import type { Master } from "@dla/analyser"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as Verbose from "../src/internal/Verbose.ts"
import { dla } from "./cli.ts"

const beat = (workerId: string, working: ReadonlyArray<string>): Master.Event => ({
  _tag: "Heartbeat",
  heartbeat: { workerId, inFlight: working.map((w) => `id-${w}`), done: 0 },
  working
})

describe("Verbose.masterLines", () => {
  it("prints the assignment's lines: resume first, then files found, assignments, a timeout and a reassignment", () => {
    const lines = Verbose.masterLines("/data/sample_logs", "distributed")
    const events: Array<Master.Event> = [
      { _tag: "Started", files: 10, tasks: 10, bytes: 1000 },
      { _tag: "Resumed", filesAlreadyProcessed: 5, tasksAlreadyDone: 5 },
      beat("rank-1", ["node6.log"]),
      beat("rank-2", ["node7.log"]),
      beat("rank-1", ["node6.log"]),
      { _tag: "WorkerFailed", workerId: "rank-2", requeued: ["/data/sample_logs/node7.log"] },
      beat("rank-3", ["node7.log"])
    ]
    expect(events.flatMap(lines)).toEqual([
      "Loading checkpoint from previous run...",
      "Resuming from checkpoint: 5 files already processed",
      "Found 10 log file(s) to analyse (5 remaining)",
      "Starting distributed analysis...",
      "[Master] Assigning node6.log to worker 1",
      "[Master] Assigning node7.log to worker 2",
      "[Master] Worker 2 timeout detected - marking as failed",
      "[Master] Reassigning node7.log to worker 3"
    ])
  })

  it("without a checkpoint: files found and the start, before the first other event", () => {
    const lines = Verbose.masterLines("/logs", "parallel")
    expect(
      [{ _tag: "Started", files: 1, tasks: 1, bytes: 1 } as const, beat("thread-2", ["a.log"])].flatMap(lines)
    ).toEqual([
      "Found 1 log file(s) to analyse",
      "Starting parallel analysis...",
      "[Master] Assigning a.log to worker 2"
    ])
  })

  it("numbers workers by rank, thread or local index, else in order of appearance", () => {
    expect(["rank-4", "rank-2.3", "thread-2", "run-x-local-7"].map(Verbose.workerNumber)).toEqual([
      "4",
      "2.3",
      "2",
      "7"
    ])
    const first = Verbose.workerNumber("host-1-abc")
    expect(Verbose.workerNumber("host-1-abc")).toBe(first)
    expect(Verbose.workerNumber("host-2-def")).not.toBe(first)
  })
})

describe("dla analyse --verbose", () => {
  let dir = ""
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "dla-verbose-"))
    expect(dla("generate", dir, "--style", "assignment", "--files", "3", "--lines", "50").status).toBe(0)
  })
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it("prints the lines through @dla/logger on stderr, leaving stdout to the results", () => {
    const run = dla("analyse", dir, "--verbose", "--json")
    expect(run.status).toBe(0)
    expect(JSON.parse(run.stdout).filesProcessed).toBe(3)
    const lines = run.stderr.split("\n").filter((line) => / INFO {5}/.test(line))
    expect(lines[0]).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO {5}Found 3 log file\(s\) to analyse$/)
    expect(lines[1]).toMatch(/INFO {5}Starting parallel analysis\.\.\.$/)
    expect(dla("analyse", dir, "--json").stderr).not.toContain("Found 3 log file(s)")
  })
})
