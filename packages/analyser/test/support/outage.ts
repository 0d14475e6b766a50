import * as AnalyserError from "@dla/analyser/AnalyserError"
import { Effect } from "effect"

/** `f`, except that its first `failures` calls fail as during a NATS outage (a Transport error saying `what`). */
export const failingFirst = <Args extends ReadonlyArray<unknown>, A>(
  failures: number,
  what: string,
  f: (...args: Args) => Effect.Effect<A, AnalyserError.AnalyserError>
) => {
  let calls = 0
  return (...args: Args): Effect.Effect<A, AnalyserError.AnalyserError> =>
    Effect.suspend(() => (++calls <= failures ? Effect.fail(AnalyserError.make("Transport", what)) : f(...args)))
}
