/**
 * The results block every analysis prints (the seed assignment's facts, in severity order with percentages), and its
 * `--json` twin.
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

/** Most severe first: FATAL, ERROR, WARN, NOTICE, INFO, DEBUG, TRACE (core lists them least severe first). */
export const bySeverity: ReadonlyArray<Level.Level> = [...Level.all].reverse()

/**
 * `1234567` as `1,234,567`: counts people read at a glance. By hand rather than `toLocaleString("en-US")`, whose first
 * call loads ICU's number formatting: about 20 ms of CPU at each start, a quarter of a small run (docs/benchmarks.md).
 */
export const thousands = (n: number): string => {
  const [whole = "", fraction] = String(n).split(".")
  return `${whole.replace(/\B(?=(\d{3})+$)/g, ",")}${fraction === undefined ? "" : `.${fraction}`}`
}

/** `part` of `whole` as a percentage with one decimal (`24.3%`); `0.0%` of nothing. */
export const percent = (part: number, whole: number): string =>
  `${whole === 0 ? "0.0" : ((100 * part) / whole).toFixed(1)}%`

/** Levels seen, most severe first, each with its count (aligned) and its share of all lines; then totals and time. */
export const render = (results: Results): string => {
  const { counts } = results
  const rows = bySeverity
    .filter((level) => (counts.levels[level] ?? 0) > 0)
    .map((level) => [
      `${level}:`,
      thousands(counts.levels[level] ?? 0),
      percent(counts.levels[level] ?? 0, counts.lines)
    ])
  const width = (column: number) => Math.max(0, ...rows.map((row) => row[column]!.length))
  const lines = [
    "=== Log analysis results ===",
    ...rows.map(
      ([label, count, share]) => `${label!.padEnd(width(0))} ${count!.padStart(width(1))}  ${share!.padStart(width(2))}`
    ),
    `Lines without a level: ${thousands(counts.unmatched)}`,
    `Total lines: ${thousands(counts.lines)}`,
    `Files processed: ${thousands(results.filesProcessed)}`,
    ...(results.extra ?? []).map(({ label, value }) => `${label}: ${value}`),
    `Total time: ${(results.durationMs / 1000).toFixed(3)} seconds`
  ]
  return lines.join("\n")
}

/** Every canonical level, zero when unseen: scripts read one shape whatever the input held. */
export const allLevels = (levels: Counts.Counts["levels"]): Record<Level.Level, number> =>
  Object.fromEntries(Level.all.map((level) => [level, levels[level] ?? 0])) as Record<Level.Level, number>

/** The same facts as data, for `--json`. Every canonical level is present, zero when unseen. */
export const toJson = (results: Results): Record<string, unknown> => ({
  levels: allLevels(results.counts.levels),
  lines: results.counts.lines,
  unmatched: results.counts.unmatched,
  bytes: results.counts.bytes,
  filesProcessed: results.filesProcessed,
  durationMs: Math.round(results.durationMs * 1000) / 1000,
  ...Object.fromEntries((results.extra ?? []).map(({ key, value }) => [key, value]))
})

// Epoch-ms fields of a run's state: `startedAt`, `lastAt`, `lastHeartbeat`...
const isTimeKey = (key: string) => /(?:At|Heartbeat)$/.test(key)

/**
 * A run's state (`dla status --json`) in the shape `analyse --json` uses: every level in `counts.levels`, and next to
 * each epoch-ms time `<key>` its ISO 8601 string `<key>Iso` (null when the time is; the numbers stay, for scripts
 * that do arithmetic).
 */
export const stateJson = (state: unknown): unknown => {
  if (Array.isArray(state)) return state.map(stateJson)
  if (typeof state !== "object" || state === null) return state
  const out: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(state)) {
    out[key] = key === "levels" && typeof value === "object" && value !== null ? allLevels(value) : stateJson(value)
    if (isTimeKey(key) && typeof value === "number") out[`${key}Iso`] = new Date(value).toISOString()
    else if (isTimeKey(key) && value === null) out[`${key}Iso`] = null
  }
  return out
}
