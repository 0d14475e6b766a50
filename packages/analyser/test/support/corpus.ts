/** Small generated log directories and the sequential reference count the tests compare against. */
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs"
import { readdir } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Counts, FileAnalysis } from "@dla/core"

const levels = ["INFO", "WARN", "ERROR", "DEBUG", "TRACE", "FATAL"]

/** A deterministic pseudo-random generator (mulberry32), so every run of a test sees the same corpus. */
const random = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) | 0
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296
}

export interface CorpusOptions {
  readonly files: number
  readonly lines: number
  readonly seed?: number
  /** Put every third file in a sub-directory. */
  readonly nested?: boolean
}

/** Writes a corpus into a new temp directory (or `dir`) and returns its path. */
export const makeCorpus = (options: CorpusOptions, dir = mkdtempSync(join(tmpdir(), "dla-corpus-"))): string => {
  const next = random(options.seed ?? 1)
  for (let f = 0; f < options.files; f++) {
    const sub = options.nested && f % 3 === 0 ? join(dir, "nested") : dir
    mkdirSync(sub, { recursive: true })
    const lines: Array<string> = []
    const n = Math.max(1, Math.round(options.lines * (0.5 + next())))
    for (let i = 0; i < n; i++) {
      const level = levels[Math.floor(next() * levels.length)]
      lines.push(
        next() < 0.05
          ? `no level on this line ${i}`
          : `[2025-01-01T00:00:${String(i % 60).padStart(2, "0")}] [${level}] message ${i}`
      )
    }
    writeFileSync(join(sub, `node-${String(f).padStart(3, "0")}.log`), `${lines.join("\n")}\n`)
  }
  return dir
}

/** The sequential analyser's counts: every file in full, one after another. */
export const sequentialCounts = async (dir: string): Promise<Counts.Counts> => {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true })
  let total = Counts.empty
  for (const entry of entries) {
    if (!entry.isFile() || entry.name.startsWith(".")) continue
    total = Counts.merge(total, await FileAnalysis.analyseFile(join(entry.parentPath, entry.name)))
  }
  return { levels: total.levels, lines: total.lines, unmatched: total.unmatched, bytes: total.bytes }
}
