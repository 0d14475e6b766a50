/**
 * Flags of the commands that use the log store (`ship`, `store`, `analyse --from-store`, `copy --from-store`), and
 * the conversion of its errors into the CLI's one-line failures.
 */
import type { StoreError } from "@dla/store"
import * as Flag from "effect/cli/Flag"
import type * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Failure from "./Failure.ts"

export const stream = Flag.String("stream").pipe(
  Flag.optional,
  Flag.withDescription("JetStream stream of the log store (default DLA_LOGS)")
)

export const fromStore = Flag.Boolean("from-store").pipe(
  Flag.withDefault(false),
  Flag.withDescription("Read the logs from the log store on NATS (what 'dla ship' stored) instead of local files")
)

/** `--node`: whose files. */
export const node = (description: string) => Flag.String("node").pipe(Flag.optional, Flag.withDescription(description))

/** Store options from `--stream`. */
export const options = (stream: Option.Option<string>) => (Option.isSome(stream) ? { stream: stream.value } : {})

/** A store failure as the CLI's one-line failure. */
export const failure = <A, R>(
  effect: Effect.Effect<A, StoreError.StoreError, R>
): Effect.Effect<A, Failure.Failure, R> => Failure.fromError(effect)
