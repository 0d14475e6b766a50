/**
 * A library error carried into the CLI as its one-line message. Commands convert errors of packages the CLI does not
 * re-export (e.g. AnalyserError) so the command types stay nameable from `Cli.ts`.
 */
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"

export class Failure extends Schema.TaggedError<Failure>()("Failure", { message: Schema.String }) {}

export const fromError = <A, E extends { readonly message: string }, R>(
  effect: Effect.Effect<A, E, R>
): Effect.Effect<A, Failure, R> => Effect.mapError(effect, (error) => new Failure({ message: error.message }))
