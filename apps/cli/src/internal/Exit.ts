/**
 * How a `dla` run ends: its exit codes, and a failure turned into one line on stderr (`dla: ...`, no stack trace; set
 * `DLA_DEBUG=1` for the full cause of an unexpected error). Shared by the program (Cli.ts) and the launcher's quick
 * path (quick.ts), so both say a failure the same way.
 */
import { ErrorMessage } from "@dla/core"
import * as Cause from "effect/Cause"
import * as Console from "effect/Console"
import * as CliError from "effect/cli/CliError"
import * as Effect from "effect/Effect"
import * as Diagnostics from "./Diagnostics.ts"

export const ExitCode = { ok: 0, failure: 1, usage: 2, interrupted: 130 } as const

/** Says the failure `cause` (parse errors and plain help were already presented) and returns its exit code. */
export const report = (cause: Cause.Cause<unknown>): Effect.Effect<number> => {
  if (Cause.hasInterruptsOnly(cause)) return Effect.succeed(ExitCode.interrupted)
  const error = Cause.squash(cause)
  if (CliError.isCliError(error) && error._tag === "ShowHelp") return Effect.succeed(ExitCode.usage)
  const usage = CliError.isCliError(error)
  const expected = Cause.hasFails(cause)
  const message = ErrorMessage.describe(error)
  return Effect.as(
    Effect.gen(function* () {
      yield* Diagnostics.written // the run's diagnostics first, its fatal error last
      yield* Console.error(expected ? `dla: ${message}` : `dla: internal error: ${message}`)
      // Read directly, not through effect's Config: the quick path's bundle then leaves Config and its provider out.
      if (!expected && process.env.DLA_DEBUG !== undefined) yield* Console.error(Cause.pretty(cause))
    }),
    usage ? ExitCode.usage : ExitCode.failure
  )
}
