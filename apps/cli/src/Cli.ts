/**
 * The `dla` command: its subcommands, how it reports errors and which exit code a run ends with.
 *
 * @since 0.1.0
 */
import { readFileSync } from "node:fs"
import * as Cause from "effect/Cause"
import * as Console from "effect/Console"
import * as CliError from "effect/cli/CliError"
import * as CliOutput from "effect/cli/CliOutput"
import * as Command from "effect/cli/Command"
import * as Effect from "effect/Effect"
import { analyse } from "./commands/analyse.ts"
import { checkpoints } from "./commands/checkpoints.ts"
import { copy } from "./commands/copy.ts"
import { dashboard } from "./commands/dashboard.ts"
import { generate } from "./commands/generate.ts"
import { master } from "./commands/master.ts"
import { runs } from "./commands/runs.ts"
import { status } from "./commands/status.ts"
import { worker } from "./commands/worker.ts"

/** Every `dla` subcommand. A new command is one file under `commands/` and one entry here. */
const commands = [analyse, checkpoints, copy, dashboard, generate, master, runs, status, worker] as const

export const dla = Command.make("dla").pipe(
  Command.withDescription("Log analysis for distributed jobs: generate, count levels, run masters and workers."),
  Command.withSubcommands(commands),
  Command.withExamples([
    { command: "dla generate /tmp/logs && dla analyse /tmp/logs", description: "Sample logs, then their level counts" },
    { command: "dla analyse /var/log/myapp --format log4j --json", description: "Your logs, results as JSON" },
    { command: "dla analyse --help", description: "Every option of one command, with examples" }
  ])
)

export const ExitCode = { ok: 0, failure: 1, usage: 2, interrupted: 130 } as const

// Both src/Cli.ts and the bundled dist/*.js sit one directory below package.json.
const version: string = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")).version

/**
 * Runs `dla` with `args` and returns the exit code. Never fails: every error becomes one line on stderr (`dla: ...`,
 * no stack trace) and its exit code; set `DLA_DEBUG=1` to see the full cause of an unexpected error.
 */
export const run = (args: ReadonlyArray<string>): Effect.Effect<number, never, Command.Environment> =>
  Command.runWith(dla, { version })(args).pipe(
    Effect.as(ExitCode.ok),
    Effect.catchCause(report),
    Effect.provide(CliOutput.layerPresenter(presenter))
  )

// Help and version on stdout; a bad invocation as one line on stderr with a pointer to the help.
const presenter: CliOutput.Presenter = {
  present: (event) =>
    Effect.gen(function* () {
      const formatter = yield* CliOutput.Formatter
      switch (event._tag) {
        case "Help":
          return yield* Console.log(formatter.formatHelpDoc(event.helpDoc))
        case "Version":
          return yield* Console.log(formatter.formatVersion(event.name, event.version))
        case "InvalidInvocation": {
          const problems = event.errors.map((error) => error.message).join("; ")
          return yield* Console.error(`dla: ${problems} (see '${event.commandPath.join(" ")} --help')`)
        }
      }
    })
}

const report = (cause: Cause.Cause<unknown>): Effect.Effect<number> => {
  if (Cause.hasInterruptsOnly(cause)) return Effect.succeed(ExitCode.interrupted)
  const error = Cause.squash(cause)
  // Parse errors and plain help were already presented.
  if (CliError.isCliError(error) && error._tag === "ShowHelp") return Effect.succeed(ExitCode.usage)
  const usage = CliError.isCliError(error)
  const expected = Cause.hasFails(cause)
  const message = oneLine(error instanceof Error ? error.message : String(error))
  return Effect.as(
    Effect.gen(function* () {
      yield* Console.error(expected ? `dla: ${message}` : `dla: internal error: ${message}`)
      if (!expected && process.env.DLA_DEBUG) yield* Console.error(Cause.pretty(cause))
    }),
    usage ? ExitCode.usage : ExitCode.failure
  )
}

const oneLine = (text: string): string => text.replace(/\s*\n\s*/g, " ").trim()
