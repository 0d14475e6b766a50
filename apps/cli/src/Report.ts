/**
 * The results block every analysis prints (the seed assignment's shape), and its `--json` twin.
 *
 * @since 0.1.0
 */
import { type Counts, Level } from "@dla/core"

export interface Results {
  readonly counts: Counts.Counts
  readonly filesProcessed: number
  readonly durationMs: number
  /** Facts a runner adds under the totals, in order (failed workers, checkpoints saved, speedup...). */
  readonly extra?: ReadonlyArray<Extra>
}

export interface Extra {
  /** Label in the text block: `Failed workers`. */
  readonly label: string
  /** Key in the JSON: `failedWorkers`. */
  readonly key: string
  readonly value: string | number
}

/** Levels in name order (as the seed sorts them), then totals and time. */
export const render = (results: Results): string => {
  const { counts } = results
  const levels = Level.all.filter((level) => (counts.levels[level] ?? 0) > 0).sort()
  const width = Math.max(0, ...levels.map((level) => level.length))
  const lines = [
    "=== Log analysis results ===",
    ...levels.map((level) => `${`${level}:`.padEnd(width + 1)} ${counts.levels[level]}`),
    `Lines without a level: ${counts.unmatched}`,
    `Total lines: ${counts.lines}`,
    `Files processed: ${results.filesProcessed}`,
    ...(results.extra ?? []).map(({ label, value }) => `${label}: ${value}`),
    `Total time: ${(results.durationMs / 1000).toFixed(3)} seconds`
  ]
  return lines.join("\n")
}

/** The same facts as data, for `--json`. Every canonical level is present, zero when unseen. */
export const toJson = (results: Results): Record<string, unknown> => ({
  levels: Object.fromEntries(Level.all.map((level) => [level, results.counts.levels[level] ?? 0])),
  lines: results.counts.lines,
  unmatched: results.counts.unmatched,
  bytes: results.counts.bytes,
  filesProcessed: results.filesProcessed,
  durationMs: Math.round(results.durationMs * 1000) / 1000,
  ...Object.fromEntries((results.extra ?? []).map(({ key, value }) => [key, value]))
})
