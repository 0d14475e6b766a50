/** `dla generate --style assignment` writes the assignment generator's files, and `dla analyse` counts them exactly. */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterEach, describe, expect, it } from "vitest"
import { dla } from "./cli.ts"

let dir = ""
afterEach(() => rmSync(dir, { recursive: true, force: true }))

describe("dla generate --style assignment", () => {
  it("writes node1.log ... with the assignment's lines, which analyse counts exactly", () => {
    dir = mkdtempSync(join(tmpdir(), "dla-generate-"))
    const logs = join(dir, "sample_logs")
    const generated = dla("generate", logs, "--style", "assignment", "--files", "3", "--lines", "400")
    expect(generated.status).toBe(0)
    expect(readdirSync(logs).sort()).toEqual(["node1.log", "node2.log", "node3.log"])
    const lines = readdirSync(logs).flatMap((file) => readFileSync(join(logs, file), "utf8").trimEnd().split("\n"))
    for (const line of lines) {
      expect(line).toMatch(/^\[\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{6})?\] \[(INFO|WARN|ERROR|DEBUG)\] [A-Z][a-z ]+$/)
    }
    const expected: Record<string, number> = {}
    for (const line of lines) {
      const level = /\] \[(\w+)\]/.exec(line)![1]!
      expected[level] = (expected[level] ?? 0) + 1
    }
    const analysed = dla("analyse", logs, "--json")
    expect(analysed.status).toBe(0)
    expect(JSON.parse(analysed.stdout)).toMatchObject({ lines: 1200, unmatched: 0, levels: expected })
  })

  it("rejects an unknown style in one line", () => {
    dir = mkdtempSync(join(tmpdir(), "dla-generate-"))
    const run = dla("generate", dir, "--style", "python")
    expect(run.status).not.toBe(0)
    expect(run.stderr).toContain("style")
  })
})
