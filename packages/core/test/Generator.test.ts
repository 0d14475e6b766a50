import { mkdtempSync, readdirSync, readFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Generator } from "@dla/core"
import { Effect } from "effect"
import { describe, expect, it } from "vitest"

const work = mkdtempSync(join(tmpdir(), "dla-gen-"))
const line = /^\[(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)\] \[(INFO|WARN|ERROR|DEBUG)\] (.+)$/

/**
 * Matches each of one file's lines to `pattern` (time, level, message), times never going back; adds the levels and
 * messages it saw, and returns the last time.
 */
const collect = (lines: ReadonlyArray<string>, pattern: RegExp, levels: Set<string>, messages: Set<string>) => {
  let previous = ""
  for (const l of lines) {
    const [, time, level, message] = pattern.exec(l) ?? expect.unreachable(l)
    levels.add(level!)
    messages.add(message!)
    expect(time! >= previous).toBe(true)
    previous = time!
  }
  return previous
}

describe("Generator", () => {
  it("writes files of `[timestamp] [LEVEL] message` lines with the four levels and eight messages", async () => {
    const dir = join(work, "a")
    const files = await Effect.runPromise(Generator.generate(dir, { files: 3, lines: 2000, seed: 5 }))
    expect(readdirSync(dir).sort()).toEqual(["log_01.log", "log_02.log", "log_03.log"])
    const levels = new Set<string>()
    const messages = new Set<string>()
    for (const file of files) {
      const text = readFileSync(file.path, "utf8")
      expect(Buffer.byteLength(text)).toBe(file.bytes)
      const lines = text.split("\n")
      expect(lines.pop()).toBe("")
      expect(lines).toHaveLength(2000)
      collect(lines, line, levels, messages)
    }
    expect([...levels].sort()).toEqual(["DEBUG", "ERROR", "INFO", "WARN"])
    expect([...messages].sort()).toEqual([...Generator.messages].sort())
  })

  it("reports the lines and bytes written so far, ending at the totals", async () => {
    const seen: Array<{ lines: number; bytes: number }> = []
    const files = await Effect.runPromise(
      Generator.generate(join(work, "progress"), { files: 2, lines: 40_000, seed: 3, onProgress: (w) => seen.push(w) })
    )
    // 40,000 lines are over 1 MB: more than one report per file, each further than the one before.
    expect(seen.length).toBeGreaterThan(2)
    for (let i = 1; i < seen.length; i++) expect(seen[i]!.bytes).toBeGreaterThan(seen[i - 1]!.bytes)
    expect(seen.at(-1)).toEqual({ lines: 80_000, bytes: files[0]!.bytes + files[1]!.bytes })
  })

  it("is reproducible from its seed, and a different seed differs", async () => {
    const write = (name: string, seed: number) =>
      Effect.runPromise(Generator.generate(join(work, name), { files: 1, lines: 100, seed })).then(([f]) =>
        readFileSync(f!.path, "utf8")
      )
    expect(await write("s1", 9)).toBe(await write("s2", 9))
    expect(await write("s3", 10)).not.toBe(await write("s1", 9))
  })

  it("dla's style is unchanged: the sample logs are its seed-1 output", async () => {
    const dir = join(work, "samples")
    const [file] = await Effect.runPromise(Generator.generate(dir, { files: 5, lines: 1000, seed: 1 }))
    const sample = new URL("../../../samples/logs/log_01.log", import.meta.url)
    expect(readFileSync(file!.path, "utf8")).toBe(readFileSync(sample, "utf8"))
  })

  it("style assignment writes the assignment generator's files: node1.log..., its levels, messages, isoformat()", async () => {
    const dir = join(work, "assignment")
    const files = await Effect.runPromise(
      Generator.generate(dir, { files: 10, lines: 5000, seed: 2, style: "assignment" })
    )
    expect(readdirSync(dir).sort()).toEqual(Array.from({ length: 10 }, (_, i) => `node${i + 1}.log`).sort())
    const assignment = /^\[(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{6})?)\] \[(INFO|WARN|ERROR|DEBUG)\] (.+)$/
    const levels = new Set<string>()
    const messages = new Set<string>()
    const previous = collect(readFileSync(files[0]!.path, "utf8").trimEnd().split("\n"), assignment, levels, messages)
    expect([...levels].sort()).toEqual(["DEBUG", "ERROR", "INFO", "WARN"])
    expect([...messages].sort()).toEqual([
      "Authentication failed",
      "Cache miss",
      "Connection established",
      "Database query executed",
      "Disk read failed",
      "Memory allocation error",
      "Network timeout",
      "Request processed"
    ])
    expect(previous).toMatch(/\.\d{6}$/)
  })

  it("names files so they sort in generation order", () => {
    expect(Generator.fileName(0, 10)).toBe("log_01.log")
    expect(Generator.fileName(99, 100)).toBe("log_100.log")
    expect(Generator.fileName(4, 100)).toBe("log_005.log")
    expect(Generator.assignmentFileName(0)).toBe("node1.log")
    expect(Generator.assignmentFileName(9)).toBe("node10.log")
  })

  it("fails with a FileError when the directory cannot be created", async () => {
    const error = await Effect.runPromise(Effect.flip(Generator.generate("/sys/dla-cannot-write", { files: 1 })))
    expect(error).toMatchObject({ _tag: "FileError", reason: "Unwritable" })
  })
})
