/** The id a run gets from what it analyses: a master started again resumes it, a baseline is found by it. */
import { join, relative } from "node:path"
import * as Option from "effect/Option"
import { describe, expect, it } from "vitest"
import { runId } from "../src/internal/RunId.ts"

const none = Option.none<string>()

describe("runId", () => {
  it("is the prefix and 12 hex digits of FNV-1a 64 of the resolved directory and the filters", () => {
    // Pinned: a change of these ids orphans every recorded baseline and every run a master would resume.
    expect(runId(none, "/logs", [], [])).toBe("run-b347aee5ac8f")
    expect(runId(none, "/logs", [], [], "store")).toBe("store-b347aee5ac8f")
    expect(runId(none, "/logs", ["*.log"], [])).toBe("run-f1c1718a1bf6")
  })

  it("is the same however the directory is spelled, and differs with the filters", () => {
    const dir = join(process.cwd(), "logs")
    const id = runId(none, dir, [], [])
    expect(runId(none, relative(process.cwd(), dir), [], [])).toBe(id)
    expect(runId(none, `${dir}/`, [], [])).toBe(id)
    expect(runId(none, dir, [], ["*.gz"])).not.toBe(id)
    expect(runId(none, dir, ["*.gz"], [])).not.toBe(runId(none, dir, [], ["*.gz"]))
  })

  it("is the one given, when given", () => {
    expect(runId(Option.some("mine"), "/logs", [], [])).toBe("mine")
  })
})
