import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { Counts, FileAnalysis } from "../src/index.ts"

const dir = mkdtempSync(join(tmpdir(), "dla-core-"))
const write = (name: string, text: string) => {
  const path = join(dir, name)
  writeFileSync(path, text)
  return path
}
const sample = [
  "[2025-01-01T00:00:00] [INFO] started",
  "[2025-01-01T00:00:01] [ERROR] disk full",
  "no level here",
  "[2025-01-01T00:00:02] [WARN] slow [ERROR] inside message",
  "[2025-01-01T00:00:03] [DEBUG] x"
]

describe("analyseFile", () => {
  it("counts levels, unmatched lines, CRLF and a last line without newline", async () => {
    const path = write("a.log", `${sample.join("\r\n")}`)
    const r = await FileAnalysis.analyseFile(path)
    expect(r.levels).toEqual({ INFO: 1, ERROR: 1, WARN: 1, DEBUG: 1 })
    expect(r.lines).toBe(5)
    expect(r.unmatched).toBe(1)
  })

  it("counts every line exactly once over any split into ranges", async () => {
    const text = Array.from({ length: 100 }, (_, i) => sample[i % sample.length]).join("\n")
    const path = write("b.log", `${text}\n`)
    const whole = await FileAnalysis.analyseFile(path)
    for (const target of [3, 64, 1000, 100_000]) {
      const parts = await Promise.all(
        FileAnalysis.splitRanges(Buffer.byteLength(text) + 1, target).map((range) =>
          FileAnalysis.analyseFile(path, { range })
        )
      )
      expect(Counts.equals(Counts.mergeAll(parts), whole)).toBe(true)
    }
  })
})
