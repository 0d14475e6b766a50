/**
 * How a `dla` run ends: its exit codes, and a failure turned into one line on stderr (`dla: ...`, no stack trace; set
 * `DLA_DEBUG=1` for the full cause of an unexpected error). Shared by the program (Cli.ts) and the launcher's quick
 * path (quick.ts), so both say a failure the same way.
 */
import { ErrorMessage } from "@dla/core"
import * as Cause from "effect/Cause"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Diagnostics from "./Diagnostics.ts"

export const ExitCode = { ok: 0, failure: 1, usage: 2, interrupted: 130 } as const

/**
 * Which failures are the command line's: `"help"` (help already shown: exit 2, nothing said), `"usage"` (exit 2), or
 * undefined. The program's (Cli.ts) knows effect/cli's errors; the quick path parses nothing, so it does not load
 * them (their Schema classes cost ~1-2 ms of a start, docs/benchmarks.md).
 */
export type Usage = (error: unknown) => "help" | "usage" | undefined

/** Says the failure `cause` (parse errors and plain help were already presented) and returns its exit code. */
export const report = (cause: Cause.Cause<unknown>, usageOf: Usage = () => undefined): Effect.Effect<number> => {
  if (Cause.hasInterruptsOnly(cause)) return Effect.succeed(ExitCode.interrupted)
  const error = Cause.squash(cause)
  const kind = usageOf(error)
  if (kind === "help") return Effect.succeed(ExitCode.usage)
  const usage = kind === "usage"
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
