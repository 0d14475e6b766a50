/**
 * Per-level tallies of a scan over raw bytes: the hot loop shared by file analysis and following.
 */
import * as Counts from "../Counts.ts"
import { bracketed } from "../formats/classic.ts"
import { klog } from "../formats/klog.ts"
import * as Level from "../Level.ts"
import type * as LogFormat from "../LogFormat.ts"
import * as Kernel from "./kernel.ts"

export const NEWLINE = 0x0a
const CARRIAGE_RETURN = 0x0d

/** The kernel's id of the formats it reads itself (kernel.wat's `levels`), by their `levelOf`. */
const kernelFormats = new Map<LogFormat.LogFormat["levelOf"], number>([
  [bracketed.levelOf, Kernel.formats.bracketed!],
  [klog.levelOf, Kernel.formats.klog!]
])

/** Per-level tallies of one scan. `scan` is the hot loop. */
export class Tally {
  readonly perLevel = new Float64Array(Level.all.length)
  lines = 0
  unmatched = 0
  readonly levelOf: LogFormat.LogFormat["levelOf"]
  /** The name of the format the lines are read in. */
  readonly format: string
  /** The kernel's id of the format, when it reads it itself; 0 when not. */
  private readonly kernelFormat: number
  constructor(levelOf: LogFormat.LogFormat["levelOf"], format = "") {
    this.levelOf = levelOf
    this.format = format
    this.kernelFormat = kernelFormats.get(levelOf) ?? 0
  }

  /** Counts the lines that start in `[from, stopAt)` and end with a newline in `bytes`; returns the next line start. */
  scan(bytes: Uint8Array, from: number, stopAt: number): number {
    return this.scanLines(Kernel.over(bytes), from, bytes.length, stopAt)
  }

  /**
   * {@link Tally.scan} over a scanner's buffer, `bytes[from, filled)`: the kernel finds the newlines, many per call,
   * and this loop only asks the format for levels.
   */
  scanLines(scanner: Kernel.Scanner, from: number, filled: number, stopAt: number): number {
    if (this.kernelFormat !== 0 && scanner.levels !== undefined) return this.scanInKernel(scanner, from, filled, stopAt)
    const { levelOf, perLevel } = this
    const { bytes, ends, base } = scanner
    let lineStart = from
    let lines = 0
    let unmatched = 0
    while (lineStart < stopAt) {
      const found = scanner.newlines(lineStart, filled)
      for (let k = 0; k < found && lineStart < stopAt; k++) {
        const newline = ends[k]! - base
        const end = newline > lineStart && bytes[newline - 1] === CARRIAGE_RETURN ? newline - 1 : newline
        const id = levelOf(bytes, lineStart, end)
        if (id < 0) unmatched++
        else perLevel[id]!++
        lines++
        lineStart = newline + 1
      }
      // Fewer than it may report: no newline is left before `filled`.
      if (found < ends.length) break
    }
    this.lines += lines
    this.unmatched += unmatched
    return lineStart
  }

  /**
   * {@link Tally.scanLines} by the kernel's `levels`: the kernel tallies the lines it is sure of (measured: the 20-file
   * corpus in ~25 ms instead of ~250 ms of `levelOf` calls, docs/benchmarks.md) and hands the others to `levelOf`.
   */
  private scanInKernel(scanner: Kernel.Scanner, from: number, filled: number, stopAt: number): number {
    const { levelOf, perLevel, kernelFormat } = this
    const { bytes, ends, base } = scanner
    const levels = perLevel.length
    let lineStart = from
    let lines = 0
    let unmatched = 0
    for (;;) {
      ends.fill(0, 0, levels)
      lineStart = scanner.levels!(kernelFormat, lineStart, filled, stopAt)
      for (let id = 0; id < levels; id++) {
        perLevel[id]! += ends[id]!
        lines += ends[id]!
      }
      const unsure = ends[Kernel.UNSURE_COUNT]!
      for (let k = 0; k < unsure; k++) {
        const start = ends[Kernel.UNSURE + 2 * k]! - base
        const newline = ends[Kernel.UNSURE + 2 * k + 1]! - base
        const end = newline > start && bytes[newline - 1] === CARRIAGE_RETURN ? newline - 1 : newline
        const id = levelOf(bytes, start, end)
        if (id < 0) unmatched++
        else perLevel[id]!++
      }
      lines += unsure
      if (unsure < Kernel.UNSURE_CAP) break
    }
    this.lines += lines
    this.unmatched += unmatched
    return lineStart
  }

  /** Counts a last line that has no newline. */
  last(bytes: Uint8Array, start: number, end: number) {
    if (end > start && bytes[end - 1] === CARRIAGE_RETURN) end--
    const id = this.levelOf(bytes, start, end)
    if (id < 0) this.unmatched++
    else this.perLevel[id]!++
    this.lines++
  }

  counts(bytes: number): Counts.Counts {
    return Counts.fromArray(this.perLevel, this.lines, this.unmatched, bytes)
  }
}
