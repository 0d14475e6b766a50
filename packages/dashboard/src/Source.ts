/**
 * Where the dashboard gets its run state: a `RunMonitor` in this process (embedded mode), or the snapshots a master
 * publishes to NATS KV (any process that can reach the server).
 *
 * @since 0.1.0
 */
import { RunMonitor } from "@dla/analyser"
import type { NatsConnection } from "@nats-io/nats-core"
import { Effect, Stream } from "effect"

export type RunState = RunMonitor.RunState

export interface Source {
  /** The state shown now, if a run has been seen yet. */
  readonly current: () => RunState | undefined
  /** Calls `listener` with every new state; returns the unsubscribe function. */
  readonly subscribe: (listener: (state: RunState) => void) => () => void
}

/** A source fed by `update`: the building block of the others, and handy in tests. */
export const make = () => {
  let state: RunState | undefined
  const listeners = new Set<(state: RunState) => void>()
  const source: Source = {
    current: () => state,
    subscribe: (listener) => {
      listeners.add(listener)
      return () => listeners.delete(listener)
    }
  }
  const update = (next: RunState) => {
    state = next
    for (const listener of listeners) listener(next)
  }
  return { source, update }
}

export const fromMonitor = (monitor: RunMonitor.Monitor): Source => ({
  current: monitor.current,
  subscribe: (listener) => monitor.subscribe((state) => listener(state))
})

/**
 * Follows run `runId` in NATS KV; without a run id, whichever run started last (a new run takes over the page).
 * Runs until the scope closes; a lost connection is retried by the NATS client, a failed watch every 2 s.
 */
export const fromNats = (nc: NatsConnection, runId?: string) =>
  Effect.gen(function* () {
    const { source, update } = make()
    yield* RunMonitor.watch(nc, runId).pipe(
      Stream.runForEach((state) =>
        Effect.sync(() => {
          const shown = source.current()
          if (shown === undefined || shown.runId === state.runId || state.startedAt >= shown.startedAt) update(state)
        })
      ),
      Effect.catch(() => Effect.sleep("2 seconds")),
      Effect.forever,
      Effect.forkScoped
    )
    return source
  })
