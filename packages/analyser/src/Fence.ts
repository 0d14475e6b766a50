/**
 * The fencing seam: every state-changing action of the master (publishing tasks, writing a checkpoint, closing the
 * run) runs through `guard`, so a master that lost leadership writes nothing. `@dla/election` provides a layer that
 * checks the leader's term (compare-and-set in KV); a master without standbys uses `layerUnfenced`.
 *
 * @since 0.1.0
 */
import { ElectionError, type Leadership } from "@dla/election"
import { Context, Effect, Layer } from "effect"
import * as AnalyserError from "./AnalyserError.ts"

export class Fence extends Context.Service<
  Fence,
  {
    /**
     * Runs `action` only while this process holds leadership; otherwise fails with an `AnalyserError` of reason
     * "Fenced" and runs nothing.
     */
    readonly guard: <A, E, R>(action: Effect.Effect<A, E, R>) => Effect.Effect<A, E | AnalyserError.AnalyserError, R>
  }
>()("@dla/analyser/Fence") {}

/** No standby masters: every action runs. */
export const layerUnfenced = Layer.succeed(Fence, Fence.of({ guard: (action) => action }))

/**
 * Fenced by `@dla/election`: an action runs only after this process proved (a compare-and-set on the term key) that
 * it leads the run's current term. A term lost to another master fails with reason "Fenced" and runs nothing; a
 * term that could not be checked because NATS is unreachable fails with "Transport", which the master rides out.
 */
export const layerLeadership = (leadership: Leadership.Leadership["Service"]) =>
  Layer.succeed(
    Fence,
    Fence.of({
      guard: (action) =>
        leadership.fenced(action).pipe(
          Effect.catchIf(
            (e): e is ElectionError.Fenced => e instanceof ElectionError.Fenced,
            (e) => AnalyserError.make(e.reason === "Unverified" ? "Transport" : "Fenced", e.message)
          )
        )
    })
  )
