/**
 * What a run's snapshots say over time, which no single snapshot holds: lines per level per second, each worker's
 * tasks per second, and every event kind collapsed into one line with a count (121 "checkpoint N saved" are one
 * line, not the whole log). A pure fold of successive `RunState`s, so it is tested without a server.
 *
 * @since 0.1.0
 */
import type { RunState } from "./Source.ts"

/**
 * Lines per second of each level (and `unmatched`) between two snapshots at least a second apart.
 *
 * @since 0.1.0
 * @category models
 */
export interface LevelRates {
  readonly at: number
  readonly perSecond: Readonly<Record<string, number>>
}

/**
 * Tasks per second of each worker between two snapshots.
 *
 * @since 0.1.0
 * @category models
 */
export interface WorkerRates {
  readonly at: number
  readonly perSecond: Readonly<Record<string, number>>
}

/**
 * One kind of event: its latest wording, how often it happened, first and last time.
 *
 * @since 0.1.0
 * @category models
 */
export interface EventLine {
  readonly kind: string
  readonly text: string
  readonly count: number
  readonly firstAt: number
  readonly lastAt: number
}

/**
 * What the server saw of a run over time: level and worker rates, and the events, each bounded by `limits`.
 *
 * @since 0.1.0
 * @category models
 */
export interface History {
  readonly levels: ReadonlyArray<LevelRates>
  readonly workers: ReadonlyArray<WorkerRates>
  /** Newest last. */
  readonly events: ReadonlyArray<EventLine>
  /** The snapshot the rates were last taken from. */
  readonly last: RunState | undefined
  /** The last event folded in (snapshots repeat their latest 50). */
  readonly lastEventAt: number
}

/**
 * The most rate points and events a history keeps, and the time between two rate points.
 *
 * @since 0.1.0
 * @category constants
 */
export const limits = { points: 300, events: 100, everyMs: 1000 } as const

/**
 * The history of a run not seen yet.
 *
 * @since 0.1.0
 * @category constants
 */
export const empty: History = { levels: [], workers: [], events: [], last: undefined, lastEventAt: 0 }

/**
 * An event's kind: its text with numbers and quoted names blanked, so `checkpoint 12 saved` is `checkpoint # saved`.
 *
 * @since 0.1.0
 * @category utils
 */
export const kindOf = (text: string): string =>
  text.replace(/\b(?:worker|leader) \S+/g, (m) => `${m.split(" ")[0]} *`).replace(/\d+(?:\.\d+)?/g, "#")

const keep = <A>(items: ReadonlyArray<A>, item: A, max: number) => [...items, item].slice(-max)

const rates = (
  now: Readonly<Record<string, number>>,
  before: Readonly<Record<string, number>>,
  seconds: number
): Record<string, number> =>
  Object.fromEntries(
    Object.entries(now).map(([key, n]) => [key, Math.max(0, Math.round((n - (before[key] ?? 0)) / seconds))])
  )

const levelTotals = (state: RunState): Record<string, number> => ({
  ...state.counts.levels,
  unmatched: state.counts.unmatched
})

const workerTotals = (state: RunState): Record<string, number> =>
  Object.fromEntries(state.workers.map((w) => [w.workerId, w.tasksDone]))

const foldEvents = (history: History, state: RunState): Pick<History, "events" | "lastEventAt"> => {
  let events = history.events
  let lastEventAt = history.lastEventAt
  for (const entry of state.log) {
    if (entry.at <= history.lastEventAt) continue
    const kind = kindOf(entry.text)
    const same = events.find((e) => e.kind === kind)
    const line: EventLine =
      same === undefined
        ? { kind, text: entry.text, count: 1, firstAt: entry.at, lastAt: entry.at }
        : { ...same, text: entry.text, count: same.count + 1, lastAt: entry.at }
    events = keep(
      events.filter((e) => e.kind !== kind),
      line,
      limits.events
    )
    lastEventAt = Math.max(lastEventAt, entry.at)
  }
  return { events, lastEventAt }
}

/**
 * Folds the next snapshot of the same run into `history`.
 *
 * @since 0.1.0
 * @category utils
 */
export const add = (history: History, state: RunState): History => {
  const events = foldEvents(history, state)
  const last = history.last
  if (last === undefined) return { ...history, ...events, last: state }
  const elapsed = state.updatedAt - last.updatedAt
  if (elapsed < limits.everyMs) return { ...history, ...events }
  const seconds = elapsed / 1000
  return {
    levels: keep(
      history.levels,
      { at: state.updatedAt, perSecond: rates(levelTotals(state), levelTotals(last), seconds) },
      limits.points
    ),
    workers: keep(
      history.workers,
      { at: state.updatedAt, perSecond: rates(workerTotals(state), workerTotals(last), seconds) },
      limits.points
    ),
    ...events,
    last: state
  }
}

/**
 * The history of every run of a source, kept as its snapshots arrive.
 *
 * @since 0.1.0
 * @category constructors
 */
export const tracker = () => {
  const byRun = new Map<string, History>()
  return {
    add: (state: RunState) => byRun.set(state.runId, add(byRun.get(state.runId) ?? empty, state)),
    get: (runId: string): History => byRun.get(runId) ?? empty
  }
}
