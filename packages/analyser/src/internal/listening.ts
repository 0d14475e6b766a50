/**
 * The Promise faces' `onEvent`: a listener on the run's `Master.Events` hub, not a callback inside the master.
 */
import { Effect } from "effect"
import * as Master from "../Master.ts"
import * as RunMonitor from "../RunMonitor.ts"

export interface Listening {
  /**
   * Called with each of the master's events, in order, off the master's fiber: a slow listener never slows the run,
   * and every event is delivered before the run's Promise settles.
   */
  readonly onEvent?: (event: Master.Event) => void
}

/** Runs `effect` (a master) with a fresh `Master.Events` hub that `onEvent` reads from before the run starts. */
export const listening = <A, E, R>(effect: Effect.Effect<A, E, R>, { onEvent }: Listening) =>
  onEvent === undefined
    ? effect
    : Effect.scoped(
        Effect.gen(function* () {
          const hub = yield* Master.events
          yield* RunMonitor.consume(hub, (event) => Effect.sync(() => onEvent(event)))
          return yield* Effect.provideService(effect, Master.Events, hub)
        })
      )
