/**
 * The results block every analysis prints, character for character the assignment's `ANALYSIS RESULTS` block
 * (levels seen in alphabetical order, `Total time: 0.35s`, `Speedup: 2.3x` when a sequential time is known, and a
 * distributed run's `Files processed`, `Failed workers`, `Checkpoints saved`), then dla's own facts; and its `--json`
 * twin.
 *
 * @since 0.1.0
 */
import { type Counts, Level } from "@dla/core"

/**
 * What a run's report shows: its counts, files, time and speedup, and any extra lines.
 *
 * @since 0.1.0
 * @category models
 */
export interface Results {
  readonly counts: Counts.Counts
  readonly filesProcessed: number
  readonly durationMs: number
  /** Sequential time / this run's time, when a sequential time is known (`--baseline`, a recorded run). */
  readonly speedup?: number | null | undefined
  /**
   * A distributed run's facts, inside the block as the assignment's distributed analyser prints them (absent: the
   * parallel block, time and speedup only, and `Files processed` among dla's facts).
   */
  readonly distributed?: { readonly failedWorkers: number; readonly checkpointsSaved: number } | undefined
  /** dla's facts a runner adds after the block, in order (files skipped, leader, efficiency...). */
  readonly extra?: ReadonlyArray<Extra>
}

/**
 * A line of a report beyond the assignment's own (`Failed workers`), with its JSON key.
 *
 * @since 0.1.0
 * @category models
 */
export interface Extra {
  /** Label in the text block: `Failed workers`. */
  readonly label: string
  /** Key in the JSON: `failedWorkers`. */
  readonly key: string
  readonly value: string | number
}

/**
 * Most severe first: FATAL, ERROR, WARN, NOTICE, INFO, DEBUG, TRACE (core lists them least severe first).
 *
 * @since 0.1.0
 * @category constants
 */
export const bySeverity: ReadonlyArray<Level.Level> = [...Level.all].reverse()

/**
 * `1234567` as `1,234,567`: counts people read at a glance. By hand rather than `toLocaleString("en-US")`, whose first
 * call loads ICU's number formatting: about 20 ms of CPU at each start, a quarter of a small run (docs/benchmarks.md).
 *
 * @since 0.1.0
 * @category formatting
 */
export const thousands = (n: number): string => {
  const [whole = "", fraction] = String(n).split(".")
  return `${whole.replace(/\B(?=(\d{3})+$)/g, ",")}${fraction === undefined ? "" : `.${fraction}`}`
}

/**
 * `part` of `whole` as a percentage with one decimal (`24.3%`); `0.0%` of nothing.
 *
 * @since 0.1.0
 * @category formatting
 */
export const percent = (part: number, whole: number): string =>
  `${whole === 0 ? "0.0" : ((100 * part) / whole).toFixed(1)}%`

/**
 * The assignment's separator line: 49 `=`.
 *
 * @since 0.1.0
 * @category constants
 */
export const rule = "=".repeat(49)

/**
 * The assignment's block: levels seen in alphabetical order (`DEBUG: 89`), `Total time: 0.35s`, `Speedup: 2.3x` when
 * known, a distributed run's `Files processed`, `Failed workers` and `Checkpoints saved`; then dla's facts (lines
 * without a level, total lines, the runner's extras).
 *
 * @since 0.1.0
 * @category formatting
 */
export const render = (results: Results): string => {
  const { counts, distributed } = results
  const levels = Object.keys(counts.levels)
    .filter((level) => (counts.levels[level as Level.Level] ?? 0) > 0)
    .sort()
  const speedup = results.speedup ?? null
  const block = [
    rule,
    "ANALYSIS RESULTS",
    rule,
    ...levels.map((level) => `${level}: ${counts.levels[level as Level.Level]}`),
    rule,
    `Total time: ${(results.durationMs / 1000).toFixed(2)}s`,
    ...(speedup === null ? [] : [`Speedup: ${speedup.toFixed(1)}x`]),
    ...(distributed === undefined
      ? []
      : [
          `Files processed: ${results.filesProcessed}`,
          `Failed workers: ${distributed.failedWorkers}`,
          `Checkpoints saved: ${distributed.checkpointsSaved}`
        ]),
    rule
  ]
  const facts = [
    `Lines without a level: ${thousands(counts.unmatched)}`,
    `Total lines: ${thousands(counts.lines)}`,
    ...(distributed === undefined ? [`Files processed: ${thousands(results.filesProcessed)}`] : []),
    ...(results.extra ?? []).map(({ label, value }) => `${label}: ${value}`)
  ]
  return [...block, ...facts].join("\n")
}

/**
 * Every canonical level, zero when unseen: scripts read one shape whatever the input held.
 *
 * @since 0.1.0
 * @category formatting
 */
export const allLevels = (levels: Counts.Counts["levels"]): Record<Level.Level, number> =>
  Object.fromEntries(Level.all.map((level) => [level, levels[level] ?? 0])) as Record<Level.Level, number>

/**
 * The same facts as data, for `--json`. Every canonical level is present, zero when unseen.
 *
 * @since 0.1.0
 * @category formatting
 */
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
 *
 * @since 0.1.0
 * @category formatting
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
