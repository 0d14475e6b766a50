import { describe, expect, it } from "vitest"
import { Level } from "../src/index.ts"

const bytes = (text: string) => new TextEncoder().encode(text)

describe("Level", () => {
  it("maps every alias of the canonical set, in any case", () => {
    const expected: Record<string, Level.Level> = {
      TRACE: "TRACE",
      VERBOSE: "TRACE",
      V: "TRACE",
      FINEST: "TRACE",
      FINER: "TRACE",
      DEBUG: "DEBUG",
      D: "DEBUG",
      FINE: "DEBUG",
      INFO: "INFO",
      I: "INFO",
      NOTICE: "NOTICE",
      WARN: "WARN",
      WARNING: "WARN",
      W: "WARN",
      ERROR: "ERROR",
      ERR: "ERROR",
      E: "ERROR",
      SEVERE: "ERROR",
      FATAL: "FATAL",
      F: "FATAL",
      CRITICAL: "FATAL",
      CRIT: "FATAL",
      EMERG: "FATAL",
      ALERT: "FATAL",
      PANIC: "FATAL"
    }
    for (const [word, level] of Object.entries(expected)) {
      expect(Level.fromWord(word.toLowerCase())).toBe(level)
      expect(Level.idOfBytes(bytes(`[${word.toLowerCase()}]`), 1, word.length + 1)).toBe(Level.id(level))
    }
  })

  it("gives -1 / undefined for words that are not levels", () => {
    for (const word of ["", "INFOS", "ERRORS", "X", "WARNINGS!", "INF0", "é"]) {
      expect(Level.fromWord(word)).toBeUndefined()
      expect(Level.idOfBytes(bytes(word), 0, bytes(word).length)).toBe(-1)
    }
  })

  it("ids are indexes in the severity order", () => {
    expect(Level.all.map(Level.id)).toEqual([0, 1, 2, 3, 4, 5, 6])
  })
})
