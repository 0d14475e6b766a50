/**
 * Where the dashboard gets its runs' states: a `RunMonitor` in this process (embedded mode), or the snapshots masters
 * publish to NATS KV (any process that can reach the server). This is the dashboard's one seam to `@dla/analyser`:
 * every other module works on the `RunState` it hands out.
 *
 * @since 0.1.0
 */
import { RunMonitor } from "@dla/analyser"
import type { NatsConnection } from "@nats-io/nats-core"
import { Effect, Stream, SubscriptionRef } from "effect"

/**
 * A run's state as the dashboard draws it: `RunMonitor`'s.
 *
 * @since 0.1.0
 * @category models
 */
export type RunState = RunMonitor.RunState

/**
 * Where the dashboard's run states come from (a monitor in this process, or NATS), observable.
 *
 * @since 0.1.0
 * @category models
 */
export interface Source {
  /** The state of `runId`, or of the run this source follows (the latest, unless pinned), if seen yet. */
  readonly current: (runId?: string) => RunState | undefined
  /** Every run seen, newest start first (the run picker). */
  readonly runs: () => ReadonlyArray<RunState>
  /** Calls `listener` with every new state of any run; returns the unsubscribe function. */
  readonly subscribe: (listener: (state: RunState) => void) => () => void
}

/**
 * A source fed by `update`: the building block of the others, and handy in tests. It follows `pinned` when given,
 * else whichever run started last (an update of an older run does not take the page back).
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (pinned?: string) => {
  const states = new Map<string, RunState>()
  const listeners = new Set<(state: RunState) => void>()
  let followed: string | undefined = pinned
  const source: Source = {
    current: (runId) => {
      const id = runId ?? followed
      return id === undefined ? undefined : states.get(id)
    },
    runs: () => [...states.values()].sort((a, b) => b.startedAt - a.startedAt),
    subscribe: (listener) => {
      listeners.add(listener)
      return () => listeners.delete(listener)
    }
  }
  const update = (next: RunState) => {
    states.set(next.runId, next)
    const shown = followed === undefined ? undefined : states.get(followed)
    if (pinned === undefined && (shown === undefined || next.startedAt >= shown.startedAt)) followed = next.runId
    for (const listener of listeners) listener(next)
  }
  return { source, update }
}

/**
 * Follows the monitor of this process's run (its state's changes, until the scope closes).
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromMonitor = (monitor: RunMonitor.Monitor) =>
  Effect.gen(function* () {
    const { source, update } = make(monitor.runId)
    update(monitor.current())
    yield* SubscriptionRef.changes(monitor.state).pipe(
      Stream.runForEach((state) => Effect.sync(() => update(state))),
      Effect.forkScoped
    )
    return source
  })

/**
 * Every run in NATS KV (past ones too, for the picker), following `runId` or, without one, whichever run started
 * last (a new run takes over the page). Runs until the scope closes; a lost connection is retried by the NATS
 * client, a failed watch every 2 s.
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromNats = (nc: NatsConnection, runId?: string) =>
  Effect.gen(function* () {
    const { source, update } = make(runId)
    yield* RunMonitor.watch(nc).pipe(
      Stream.runForEach((state) => Effect.sync(() => update(state))),
      Effect.catch(() => Effect.sleep("2 seconds")),
      Effect.forever,
      Effect.forkScoped
    )
    return source
  })
