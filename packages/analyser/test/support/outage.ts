import * as AnalyserError from "@dla/analyser/AnalyserError"
import { type Context, Effect, Layer } from "effect"

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

/**
 * The service `layer` builds (a task queue, a result channel), except that its first `failures` publishes fail as
 * while a NATS cluster elects a stream leader (a Transport error saying `what`).
 */
export const failingPublishes = <
  I,
  S extends { readonly publish: (...args: never) => Effect.Effect<void, AnalyserError.AnalyserError> },
  E,
  R
>(
  service: Context.Key<I, S>,
  layer: Layer.Layer<I, E, R>,
  failures: number,
  what: string
) =>
  Layer.effect(
    service,
    Effect.map(service, (inner): S => ({ ...inner, publish: failingFirst(failures, what, inner.publish) }))
  ).pipe(Layer.provide(layer))
