/**
 * The fencing seam: every state-changing action of the master (publishing tasks, writing a checkpoint, closing the
 * run) runs through `guard`, so a master that lost leadership writes nothing. `@dla/election` provides a layer that
 * checks the leader's term (compare-and-set in KV); a master without standbys uses `layerUnfenced`.
 *
 * @since 0.1.0
 */
import { Context, type Effect, Layer } from "effect"
import type * as AnalyserError from "./AnalyserError.ts"

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
