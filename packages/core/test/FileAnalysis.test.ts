import { appendFileSync, chmodSync, mkdirSync, mkdtempSync, readFileSync, truncateSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as zlib from "node:zlib"
import { Counts, FileAnalysis, FileError, LogFormat } from "@dla/core"
import { describe, expect, it } from "vitest"
import { compile } from "../scripts/build-kernel.ts"
import * as Kernel from "../src/internal/kernel.ts"

const { gzipSync } = zlib
// zstd is in node:zlib since Node 22.15 / 23.8.
const { zstdCompressSync } = zlib as { zstdCompressSync?: (data: string) => Buffer }

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

/** An independent count: split on "\n" and read the level of the generator's `[ts] [LEVEL]` lines with a regex. */
const independentCount = (text: string) => {
  const lines = text.split("\n")
  if (lines.at(-1) === "") lines.pop()
  const levels: Record<string, number> = {}
  let unmatched = 0
  for (const line of lines) {
    const level = /^\[[^\]]*\] \[([A-Z]+)\]/.exec(line.replace(/\r$/, ""))?.[1]
    if (level === undefined) unmatched++
    else levels[level] = (levels[level] ?? 0) + 1
  }
  return { levels, lines: lines.length, unmatched }
}

// Lines of every length around the kernel's 16-byte steps, CRLF endings, empty lines and lines with no level.
const mixedText = (count: number) =>
  Array.from({ length: count }, (_, i) =>
    i % 7 === 6
      ? ""
      : i % 5 === 4
        ? "x".repeat(i % 40)
        : `[2025-01-01T00:00:${String(i % 60).padStart(2, "0")}] [${["INFO", "WARN", "ERROR", "DEBUG"][i % 4]}] ${"m".repeat(i % 33)}${i % 3 === 0 ? "\r" : ""}`
  ).join("\n")

describe("analyseBatch", () => {
  it("counts many files and ranges in one call, each like analyseFile, failures as outcomes", async () => {
    const texts = [mixedText(500), `${mixedText(70)}\n`, "", "[2025-01-01T00:00:00] [INFO] no newline"]
    const paths = texts.map((text, i) => write(`batch-${i}.log`, text))
    const size = Buffer.byteLength(texts[0]!)
    const parts = [
      ...paths.map((path) => ({ path })),
      ...FileAnalysis.splitRanges(size, 1000).map((range) => ({ path: paths[0]!, range })),
      { path: write("batch.log.gz", gzipSync(texts[1]!)) },
      { path: join(dir, "batch-missing.log") },
      { path: write("batch-bin.dat", new Uint8Array([1, 0, 2, 10])) }
    ]
    const outcomes = await FileAnalysis.analyseBatch(parts)
    expect(outcomes).toHaveLength(parts.length)
    for (const [i, text] of texts.entries()) {
      expect(outcomes[i], paths[i]).toMatchObject({ ...independentCount(text), bytes: Buffer.byteLength(text) })
    }
    const ranges = outcomes.slice(texts.length, -3) as Array<FileAnalysis.FileResult>
    expect(Counts.equals(Counts.mergeAll(ranges), outcomes[0] as FileAnalysis.FileResult)).toBe(true)
    expect(outcomes.at(-3)).toMatchObject(independentCount(texts[1]!))
    expect(outcomes[0]).toMatchObject({ format: "bracketed" })
    expect(outcomes.at(-2)).toMatchObject({ _tag: "FileError", reason: "NotFound" })
    expect(outcomes.at(-1)).toMatchObject({ _tag: "FileError", reason: "Binary" })
  })
})

describe("a file that changes during its scan (issue 14)", () => {
  // About 3 MB: the first read (the kernel's buffer) ends well before the middle, where the file is cut.
  const text = `${mixedText(100_000)}\n`
  const size = Buffer.byteLength(text)
  const cut = text.indexOf("\n", 2_000_000) + 1
  const more = `${mixedText(700)}\n`

  it.each([
    {
      name: "says a file truncated after its first read shrank, and counts what was read",
      file: "shrinks.log",
      change: (path: string) => truncateSync(path, cut),
      after: cut,
      counted: text.slice(0, cut),
      bytes: cut
    },
    {
      name: "says a file appended to after its first read grew, and counts the bytes it started with",
      file: "grows.log",
      change: (path: string) => appendFileSync(path, more),
      after: size + more.length,
      counted: text,
      bytes: size
    }
  ])("$name", async ({ file, change, after, counted, bytes }) => {
    const path = write(file, text)
    let changed = false
    const r = await FileAnalysis.analyseFile(path, {
      onProgress: () => {
        if (!changed) change(path)
        changed = true
      }
    })
    expect(r.changed).toEqual({ before: size, after })
    expect(r).toMatchObject({ ...independentCount(counted), bytes })
  })

  it("compares a batch part with the size it was listed at, and a last range too", async () => {
    const path = write("listed.log", text)
    const [same, grew, shrank, lastRange, firstRange] = (await FileAnalysis.analyseBatch([
      { path, size },
      { path, size: size - more.length },
      { path, size: size + more.length },
      { path, size: cut, range: { start: 0, end: cut } },
      { path, size: size + more.length, range: { start: 0, end: cut } }
    ])) as Array<FileAnalysis.FileResult>
    expect(same!.changed).toBeUndefined()
    expect(grew!.changed).toEqual({ before: size - more.length, after: size })
    expect(shrank!.changed).toEqual({ before: size + more.length, after: size })
    expect(lastRange!.changed).toEqual({ before: cut, after: size })
    expect(lastRange).toMatchObject({ ...independentCount(text.slice(0, cut)), bytes: cut })
    // A range that ends before the listed size leaves the rest of the file to the other ranges.
    expect(firstRange!.changed).toBeUndefined()
    // The same through analyseFile, with the listed size given.
    expect((await FileAnalysis.analyseFile(path, { size: size - 1 })).changed).toEqual({
      before: size - 1,
      after: size
    })
    expect((await FileAnalysis.analyseFile(path)).changed).toBeUndefined()
  })
})

describe("the scan kernel", () => {
  it("counts exactly like an independent count, in files, ranges and batches, around its buffer's edges", async () => {
    const text = mixedText(60_000) // about 2 MB: several buffers of the kernel
    const path = write("kernel.log", text)
    const expected = independentCount(text)
    expect(await FileAnalysis.analyseFile(path)).toMatchObject(expected)
    const ranges = await Promise.all(
      FileAnalysis.splitRanges(Buffer.byteLength(text), 333_333).map((range) =>
        FileAnalysis.analyseFile(path, { range })
      )
    )
    expect(Counts.mergeAll(ranges)).toMatchObject(expected)
    expect((await FileAnalysis.analyseBatch([{ path }]))[0]).toMatchObject(expected)
  })

  it("counts lines around the read-ahead's room for an unfinished line (64 KiB), in files and ranges", async () => {
    // Lines of 40 to 140 KiB: the unfinished line at the end of a chunk is sometimes shorter than the room before the
    // chunk read ahead (it is copied there), sometimes longer (the chunk is read again behind it).
    const text = `${Array.from(
      { length: 60 },
      (_, i) =>
        `[2025-01-01T00:00:00] [${["INFO", "WARN", "ERROR"][i % 3]}] ${"m".repeat(40_000 + ((i * 7919) % 100_000))}`
    ).join("\n")}\n${mixedText(3000)}`
    const path = write("read-ahead.log", text)
    const expected = independentCount(text)
    expect(await FileAnalysis.analyseFile(path)).toMatchObject({ ...expected, bytes: text.length })
    const ranges = await Promise.all(
      FileAnalysis.splitRanges(text.length, 1_500_000).map((range) => FileAnalysis.analyseFile(path, { range }))
    )
    expect(Counts.mergeAll(ranges)).toMatchObject(expected)
  })

  it("the WebAssembly finder and the indexOf fallback find the same newlines", () => {
    const text = Buffer.from(mixedText(3000))
    const finders = (["wasm", "js"] as const).map((finder) => {
      const scanner = Kernel.make(text.length, finder)
      text.copy(scanner.bytes)
      const ends: Array<number> = []
      for (let from = 0; ; ) {
        const found = scanner.newlines(from, text.length)
        for (let k = 0; k < found; k++) ends.push(scanner.ends[k]! - scanner.base)
        if (found < scanner.ends.length) break
        from = ends.at(-1)! + 1
      }
      return ends
    })
    expect(Kernel.kind).toBe("wasm")
    expect(FileAnalysis.kernel).toBe(Kernel.kind)
    expect(finders[0]).toEqual(finders[1])
    expect(finders[0]).toHaveLength(text.toString().split("\n").length - 1)
  })

  it("kernelWasm.ts is the build of kernel.wat", async () => {
    const committed = readFileSync(new URL("../src/internal/kernelWasm.ts", import.meta.url), "utf8")
    expect(committed).toBe(await compile())
  })
})

describe("compressed files and streams", () => {
  it("hasZstd says whether node:zlib inflates zstd here", () => {
    expect(FileAnalysis.hasZstd()).toBe(typeof zstdCompressSync === "function")
  })

  it.skipIf(typeof zstdCompressSync !== "function")("inflates zstd files", async () => {
    const text = mixedText(5000)
    const compressed = zstdCompressSync!(text)
    const r = await FileAnalysis.analyseFile(write("z.log.zst", compressed))
    expect(r).toMatchObject({ ...independentCount(text), bytes: compressed.length })
  })

  it("skips xz and bzip2 files with a reason that names the compression", async () => {
    const xz = write("a.log.xz", new Uint8Array([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00, 0, 4, 1, 2]))
    const bz2 = write("a.log.bz2", Buffer.from("BZh91AY&SY\x01\x02", "latin1"))
    for (const [path, name] of [
      [xz, "xz"],
      [bz2, "bzip2"]
    ] as const) {
      const error = await rejection(FileAnalysis.analyseFile(path))
      expect(error).toMatchObject({ _tag: "FileError", reason: "Unsupported", path })
      expect(error.message).toBe(`${path}: compressed with ${name}: not supported`)
      expect(FileError.isSkip(error)).toBe(true)
      expect(FileAnalysis.isCompressedName(path)).toBe(true)
    }
  })

  it("analyseStream counts a plain or gzip stream of bytes", async () => {
    const text = mixedText(20_000)
    const chunks = (bytes: Uint8Array) =>
      (async function* () {
        for (let i = 0; i < bytes.length; i += 4099) yield bytes.subarray(i, i + 4099)
      })()
    const plain = await FileAnalysis.analyseStream("-", chunks(Buffer.from(text)))
    expect(plain).toMatchObject({
      path: "-",
      format: "bracketed",
      ...independentCount(text),
      bytes: Buffer.byteLength(text)
    })
    const gz = await FileAnalysis.analyseStream("-", chunks(gzipSync(text)))
    expect(gz).toMatchObject(independentCount(text))
    expect(await FileAnalysis.analyseStream("-", chunks(new Uint8Array()))).toMatchObject({ lines: 0, bytes: 0 })
    const binary = await rejection(FileAnalysis.analyseStream("-", chunks(new Uint8Array([65, 0, 10]))))
    expect(binary).toMatchObject({ reason: "Binary", path: "-" })
  })
})

describe("ChunkCounter", () => {
  // Bracketed lines (the kernel reads their levels), klog (too), CRLF and lines with no level: in chunks cut anywhere.
  const lines = Array.from({ length: 3000 }, (_, i) =>
    i % 7 === 3 ? `no level ${i}\r` : `${sample[i % sample.length]} ${"x".repeat(i % 97)}`
  )
  const text = `${lines.join("\n")}\n`

  it("counts chunks cut anywhere as analyseFile counts the whole file, format detected from the first chunk", async () => {
    const whole = await FileAnalysis.analyseFile(write("chunked.log", text))
    const bytes = Buffer.from(text)
    for (const size of [1, 7, 100, 4096, 65_537, bytes.length]) {
      const counter = new FileAnalysis.ChunkCounter()
      for (let at = 0; at < bytes.length; at += size) counter.add(bytes.subarray(at, at + size))
      expect(counter.format).toBe(whole.format)
      expect(Counts.equals(counter.counts(), whole)).toBe(true)
    }
  })

  it("waits for the end of an unfinished last line; reads the format it is given", () => {
    const counter = new FileAnalysis.ChunkCounter(LogFormat.bracketed)
    expect(counter.counts()).toEqual({ ...Counts.empty, bytes: 0 })
    counter.add(Buffer.from("[2025-01-01T00:00:00] [ERROR] a\n[2025-01-01T00:00:01] [WA"))
    expect(counter.counts()).toMatchObject({ lines: 1, levels: { ERROR: 1 } })
    counter.add(Buffer.from("RN] b\n"))
    expect(counter.counts()).toMatchObject({ lines: 2, levels: { ERROR: 1, WARN: 1 }, bytes: 63 })
    expect(counter.format).toBe("bracketed")
  })
})
