import { mkdtempSync, readFileSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { gzipSync } from "node:zlib"
import { DirectoryAnalysis, Generator, LogFiles } from "@dla/core"
import { Effect } from "effect"
import { describe, expect, it } from "vitest"

describe("DirectoryAnalysis.analyse", () => {
  it("merges the counts of every file, gzip included, skips binary files with a reason and reports progress", async () => {
    const root = mkdtempSync(join(tmpdir(), "dla-dir-"))
    await Effect.runPromise(Generator.generate(root, { files: 3, lines: 300, seed: 2 }))
    writeFileSync(join(root, "extra.log.gz"), gzipSync("17/06/09 20:10:40 ERROR a\n17/06/09 20:10:41 INFO b\n"))
    writeFileSync(join(root, "core.bin"), new Uint8Array([0, 1, 2, 0]))
    const progress: Array<DirectoryAnalysis.Progress> = []
    const result = await Effect.runPromise(DirectoryAnalysis.analyse(root, { onProgress: (p) => progress.push(p) }))
    expect(result.files.map((f) => f.path.slice(root.length + 1))).toEqual([
      "extra.log.gz",
      "log_01.log",
      "log_02.log",
      "log_03.log"
    ])
    expect(result.skipped.map((e) => e.reason)).toEqual(["Binary"])
    expect(result.counts.lines).toBe(902)
    expect(result.counts.unmatched).toBe(0)
    const sum = Object.values(result.counts.levels).reduce((a, b) => a + b, 0)
    expect(sum).toBe(902)
    // Within files (bytes so far) and after each: files and bytes only grow, and end at the totals.
    expect(new Set(progress.map((p) => p.files))).toEqual(new Set([1, 2, 3, 4, 5]))
    for (let i = 1; i < progress.length; i++) {
      expect(progress[i]!.files).toBeGreaterThanOrEqual(progress[i - 1]!.files)
      expect(progress[i]!.bytes).toBeGreaterThanOrEqual(progress[i - 1]!.bytes)
    }
    expect(progress.at(-1)).toMatchObject({ files: 5, totalFiles: 5 })
    expect(progress.at(-1)!.bytes).toBe(progress.at(-1)!.totalBytes)
  })

  it("counts many small files in batches and big ones alone, exactly, and skips xz files", async () => {
    const root = mkdtempSync(join(tmpdir(), "dla-dir-batch-"))
    await Effect.runPromise(Generator.generate(join(root, "ranks"), { files: 300, lines: 20, seed: 4 }))
    await Effect.runPromise(Generator.generate(join(root, "big"), { files: 1, lines: 40_000, seed: 5 }))
    writeFileSync(join(root, "old.log.xz"), new Uint8Array([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00, 0, 4]))
    const result = await Effect.runPromise(DirectoryAnalysis.analyse(root))
    expect(result.files).toHaveLength(301)
    expect(result.skipped.map((e) => e.message)).toEqual([
      `${join(root, "old.log.xz")}: compressed with xz: not supported`
    ])
    // An independent count: every line of the generator's files is `[ts] [LEVEL] message`.
    const expected: Record<string, number> = {}
    for (const file of result.files) {
      for (const [, level] of readFileSync(file.path, "utf8").matchAll(/^\[[^\]]*\] \[([A-Z]+)\]/gm)) {
        expected[level!] = (expected[level!] ?? 0) + 1
      }
    }
    expect(result.counts.levels).toEqual(expected)
    expect(result.counts.lines).toBe(300 * 20 + 40_000)
  })

  it("counts files found without a size (LogFiles.find) as it counts listed ones", async () => {
    const root = mkdtempSync(join(tmpdir(), "dla-dir-found-"))
    await Effect.runPromise(Generator.generate(join(root, "ranks"), { files: 50, lines: 20, seed: 7 }))
    await Effect.runPromise(Generator.generate(join(root, "big"), { files: 1, lines: 40_000, seed: 8 }))
    const listed = await Effect.runPromise(DirectoryAnalysis.analyse(root))
    const files = await Effect.runPromise(LogFiles.find(root))
    const progress: Array<DirectoryAnalysis.Progress> = []
    const found = await Effect.runPromise(
      DirectoryAnalysis.analyse(root, { listed: { files, skipped: [] }, onProgress: (p) => progress.push(p) })
    )
    expect(found.counts).toEqual(listed.counts)
    expect(found.files.map(({ durationMs: _, ...file }) => file)).toEqual(
      listed.files.map(({ durationMs: _, ...file }) => file)
    )
    expect(progress.at(-1)).toMatchObject({ files: 51, totalFiles: 51 })
  })

  it("fails on a file of a batch that is gone since it was listed, after taking the files before it", async () => {
    const root = mkdtempSync(join(tmpdir(), "dla-dir-gone-"))
    await Effect.runPromise(Generator.generate(root, { files: 3, lines: 20, seed: 6 }))
    const files = await Effect.runPromise(LogFiles.list(root))
    const gone = { ...files[1]!, path: join(root, "gone.log"), relative: "gone.log" }
    const progress: Array<number> = []
    const error = await Effect.runPromise(
      Effect.flip(
        DirectoryAnalysis.analyse(root, {
          listed: { files: [files[0]!, gone, files[2]!], skipped: [] },
          onProgress: (p) => progress.push(p.files)
        })
      )
    )
    expect(error).toMatchObject({ reason: "NotFound", path: gone.path })
    // The batch failed as a whole: no progress for it.
    expect(progress).toEqual([])
  })

  it("fails on a missing root", async () => {
    const error = await Effect.runPromise(Effect.flip(DirectoryAnalysis.analyse("/nonexistent/dla")))
    expect(error).toMatchObject({ reason: "NotFound" })
  })
})
