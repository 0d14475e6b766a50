import { Level } from "@dla/core"
import { describe, expect, it } from "vitest"

const bytes = (text: string) => new TextEncoder().encode(text)

describe("Level", () => {
  it("maps every alias of the canonical set, in any case", () => {
    // The table: canonical level (aliases...).
    const table =
      "TRACE (VERBOSE V FINEST FINER) DEBUG (D FINE) INFO (I) NOTICE () WARN (WARNING W) ERROR (ERR E SEVERE) FATAL (F CRITICAL CRIT EMERG ALERT PANIC)"
    const expected: Record<string, Level.Level> = {}
    for (const [, level, aliases] of table.matchAll(/(\w+) \(([^)]*)\)/g)) {
      for (const word of [level!, ...aliases!.split(" ").filter(Boolean)]) expected[word] = level as Level.Level
    }
    expect(Object.keys(expected)).toHaveLength(25)
    for (const [word, level] of Object.entries(expected)) {
      expect(Level.fromWord(word.toLowerCase())).toBe(level)
      expect(Level.idOfBytes(bytes(`[${word.toLowerCase()}]`), 1, word.length + 1)).toBe(Level.id(level))
    }
  })

  it("maps the words of Serilog, zerolog, log15 and Google Cloud, up to 11 letters, and nothing longer", () => {
    const words: Record<string, Level.Level> = {
      Information: "INFO",
      INF: "INFO",
      DBG: "DEBUG",
      dbug: "DEBUG",
      TRC: "TRACE",
      WRN: "WARN",
      eror: "ERROR",
      FTL: "FATAL",
      EMERGENCY: "FATAL"
    }
    for (const [word, level] of Object.entries(words)) {
      expect(Level.fromWord(word)).toBe(level)
      expect(Level.idOfBytes(bytes(word), 0, word.length), word).toBe(Level.id(level))
    }
    for (const word of ["Informations", "Informatiom", "EMERGENCE", "DEFAULT"]) {
      expect(Level.idOfBytes(bytes(word), 0, word.length), word).toBe(-1)
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
