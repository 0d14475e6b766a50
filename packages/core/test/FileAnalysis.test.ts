import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { gzipSync } from "node:zlib"
import { describe, expect, it } from "vitest"
import { Counts, FileAnalysis, LogFormat } from "../src/index.ts"

const dir = mkdtempSync(join(tmpdir(), "dla-core-"))
const write = (name: string, content: string | Uint8Array) => {
  const path = join(dir, name)
  writeFileSync(path, content)
  return path
}
const sample = [
  "[2025-01-01T00:00:00] [INFO] started",
  "[2025-01-01T00:00:01] [ERROR] disk full",
  "no level here",
  "[2025-01-01T00:00:02] [WARN] slow [ERROR] inside message",
  "[2025-01-01T00:00:03] [DEBUG] x"
]
const rejection = (promise: Promise<unknown>) =>
  promise.then(
    () => expect.unreachable(),
    (error) => error
  )

describe("analyseFile", () => {
  it("counts levels, unmatched lines, CRLF and a last line without newline", async () => {
    const path = write("a.log", `${sample.join("\r\n")}`)
    const r = await FileAnalysis.analyseFile(path)
    expect(r.levels).toEqual({ INFO: 1, ERROR: 1, WARN: 1, DEBUG: 1 })
    expect(r.lines).toBe(5)
    expect(r.unmatched).toBe(1)
    expect(r.bytes).toBe(Buffer.byteLength(sample.join("\r\n")))
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

  it("splitRanges covers the size with adjacent ranges and refuses a target that is not positive", () => {
    expect(FileAnalysis.splitRanges(10, 4)).toEqual([
      { start: 0, end: 4 },
      { start: 4, end: 8 },
      { start: 8, end: 10 }
    ])
    expect(FileAnalysis.splitRanges(0, 4)).toEqual([{ start: 0, end: 0 }])
    expect(() => FileAnalysis.splitRanges(10, 0)).toThrow(RangeError)
  })

  it("handles lines longer than its buffer", async () => {
    const long = `[2025-01-01T00:00:00] [ERROR] ${"x".repeat(9 * 1024 * 1024)}`
    const path = write("long.log", `${sample[0]}\n${long}\n${sample[1]}`)
    const r = await FileAnalysis.analyseFile(path)
    expect(r.levels).toEqual({ INFO: 1, ERROR: 2 })
    const parts = await Promise.all(
      FileAnalysis.splitRanges(r.bytes, 1024 * 1024).map((range) => FileAnalysis.analyseFile(path, { range }))
    )
    expect(Counts.equals(Counts.mergeAll(parts), r)).toBe(true)
  })

  it("reports progress in bytes as it goes, ending at the size of the range", async () => {
    const text = `${sample.join("\n")}\n`.repeat(20_000)
    const path = write("progress.log", text)
    const done: Array<number> = []
    await FileAnalysis.analyseFile(path, { onProgress: (bytes) => done.push(bytes) })
    expect(done.length).toBeGreaterThan(2)
    expect(done).toEqual([...done].sort((a, b) => a - b))
    expect(done.at(-1)).toBe(Buffer.byteLength(text))
    const gz: Array<number> = []
    await FileAnalysis.analyseFile(write("progress.log.gz", gzipSync(text)), { onProgress: (bytes) => gz.push(bytes) })
    expect(gz.at(-1)).toBeGreaterThan(0)
  })

  it("counts lines with bytes that are not UTF-8", async () => {
    const latin1 = Buffer.from(
      "[2025-01-01T00:00:00] [WARN] caf\xe9 \xff\xfe\n[2025-01-01T00:00:01] [INFO] ok\n",
      "latin1"
    )
    const r = await FileAnalysis.analyseFile(write("latin1.log", latin1))
    expect(r.levels).toEqual({ WARN: 1, INFO: 1 })
  })

  it("detects the format from the first lines, or takes the one given", async () => {
    const spark = "17/06/09 20:10:40 INFO a\n17/06/09 20:10:41 ERROR b\n17/06/09 20:10:42 some text\n"
    const path = write("spark.log", spark)
    expect(await FileAnalysis.analyseFile(path)).toMatchObject({ levels: { INFO: 1, ERROR: 1 }, unmatched: 1 })
    expect(await FileAnalysis.analyseFile(path, { format: LogFormat.bracketed })).toMatchObject({ unmatched: 3 })
    expect((await FileAnalysis.detectFormat(path)).name).toBe("log4j")
  })

  it("inflates gzip files as a stream and refuses to split them", async () => {
    const text = Array.from({ length: 5000 }, (_, i) => sample[i % sample.length]).join("\n")
    const path = write("c.log.gz", gzipSync(text))
    const plain = await FileAnalysis.analyseFile(write("c.log", text))
    const r = await FileAnalysis.analyseFile(path)
    expect(r.levels).toEqual(plain.levels)
    expect(r.lines).toBe(5000)
    expect((await FileAnalysis.detectFormat(path)).name).toBe("bracketed")
    const error = await rejection(FileAnalysis.analyseFile(path, { range: { start: 0, end: 10 } }))
    expect(error).toMatchObject({ _tag: "FileError", reason: "RangeOnCompressed" })
    expect(FileAnalysis.isCompressedName(path)).toBe(true)
  })

  it("fails with typed reasons, never a crash", async () => {
    const corrupt = write(
      "bad.gz",
      Buffer.concat([gzipSync("[2025-01-01T00:00:00] [INFO] a\n".repeat(1000)).subarray(0, 40)])
    )
    const cases: Array<[string, string]> = [
      [join(dir, "missing.log"), "NotFound"],
      [dir, "NotAFile"],
      [write("bin.dat", new Uint8Array([0x7f, 0x45, 0x4c, 0x46, 0, 0, 1, 2, 10])), "Binary"],
      [write("binary.gz", gzipSync(new Uint8Array([1, 0, 2, 0, 10]))), "Binary"],
      [corrupt, "Corrupt"],
      [write("garbage.gz", new Uint8Array([0x1f, 0x8b, 8, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9])), "Corrupt"]
    ]
    for (const [path, reason] of cases) {
      const error = await rejection(FileAnalysis.analyseFile(path))
      expect(error, path).toMatchObject({ _tag: "FileError", reason, path })
      expect(error.message).toContain(path)
    }
  })

  it.skipIf(process.getuid?.() === 0)("an unreadable file fails with reason Unreadable", async () => {
    const path = write("secret.log", "x\n")
    chmodSync(path, 0)
    expect(await rejection(FileAnalysis.analyseFile(path))).toMatchObject({ reason: "Unreadable" })
  })

  it("an empty file has no lines", async () => {
    mkdirSync(join(dir, "e"))
    expect(await FileAnalysis.analyseFile(write("e/empty.log", ""))).toMatchObject({ lines: 0, bytes: 0 })
  })
})
