import { Level, LogFormat } from "@dla/core"
import { Format } from "@dla/logger"
import { describe, expect, it } from "vitest"
import * as MessageFiles from "../src/internal/MessageFiles.ts"

const time = new Date(2026, 10, 23, 9, 8, 7, 65).getTime()
const origin = { rank: 3, localRank: 1, nodeId: "gpu-3" }
const bytes = (text: string) => new TextEncoder().encode(text)

/** Every layout the logger writes, by the name of the core format that reads it. */
const layouts: ReadonlyArray<readonly [layout: string, format: string, line: (record: Format.LogRecord) => string]> = [
  ["console", "dla", (r) => Format.consoleLine(r, origin, { showRank: false, color: false })],
  ["console with rank", "dla", (r) => Format.consoleLine(r, origin, { showRank: true, color: false })],
  ["coloured console with rank", "dla", (r) => Format.consoleLine(r, origin, { showRank: true, color: true })],
  ["coloured console", "dla", (r) => Format.consoleLine(r, origin, { showRank: false, color: true })],
  ["per-rank file", "dla", (r) => Format.fileLine(r, origin, { showRank: false, color: false })],
  ["per-rank file with rank", "dla", (r) => Format.fileLine(r, origin, { showRank: true, color: false })],
  ["per-node file", "dla", (r) => Format.nodeLine(r, origin)],
  ["per-node file with source", "dla", (r) => Format.nodeLine({ ...r, source: "train.ts:42" }, origin)],
  ["JSON mode", "json", (r) => Format.jsonLine(r, origin)],
  ["node-local message file", "json", (r) => MessageFiles.encode(r, origin)]
]

/** A message with other level words in it, from a named logger, with fields. */
const recordAt = (level: Level.Level): Format.LogRecord => ({
  time,
  level,
  logger: "train",
  message: `step failed: ERROR [WARN] level=info "level":"debug"`,
  fields: { epoch: 2, level: "FATAL" }
})

describe("dla's own lines are read back with their level", () => {
  for (const [layout, formatName, line] of layouts) {
    it(`${layout}: detected as ${formatName}, every level read at its position`, () => {
      const text = Level.all.map((level) => line(recordAt(level))).join("")
      const format = LogFormat.detect(bytes(text))
      expect(format.name).toBe(formatName)
      for (const level of Level.all) {
        const one = bytes(line(recordAt(level)).trimEnd())
        expect(Level.all[format.levelOf(one, 0, one.length)], `${layout}: ${level}`).toBe(level)
      }
    })
  }

  it("an error's stack after a text line: the first line has the level, the stack lines none", () => {
    const error = new Error("CUDA out of memory")
    const text = Format.fileLine({ ...recordAt("ERROR"), fields: { error } }, origin, { showRank: true, color: false })
    const [first, ...stack] = text.trimEnd().split("\n")
    expect(stack.length).toBeGreaterThan(0)
    const format = LogFormat.detect(bytes(text))
    const levelOf = (line: string) => format.levelOf(bytes(line), 0, bytes(line).length)
    expect(Level.all[levelOf(first!)]).toBe("ERROR")
    for (const line of stack) expect(levelOf(line), line).toBe(-1)
  })
})
