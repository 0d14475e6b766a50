import * as Master from "@dla/analyser/Master"
import { Effect, PubSub } from "effect"

/**
 * A `Master.Events` hub for a run under test, subscribed now (nothing the master publishes later is missed), and
 * every event it carried so far.
 */
export const recordEvents = Effect.gen(function* () {
  const hub = yield* Master.events
  const subscription = yield* PubSub.subscribe(hub)
  const seen: Array<Master.Event> = []
  const events = PubSub.takeUpTo(subscription, Number.POSITIVE_INFINITY).pipe(
    Effect.map((taken) => {
      seen.push(...taken)
      return [...seen]
    })
  )
  return { hub, events }
})
