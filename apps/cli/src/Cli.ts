/**
 * The `dla` command: its subcommands, how it reports errors and which exit code a run ends with.
 *
 * @since 0.1.0
 */
import { readFileSync } from "node:fs"
import * as Console from "effect/Console"
import * as CliError from "effect/cli/CliError"
import * as CliOutput from "effect/cli/CliOutput"
import * as Command from "effect/cli/Command"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import * as EffectLogs from "./internal/EffectLogs.ts"
import * as Exit from "./internal/Exit.ts"

/**
 * Every `dla` subcommand, loaded when needed: a run loads the code of the one command it runs (`dla analyse` no NATS
 * client, no dashboard server; `dla --version` none), which is most of its start time. A new command is one file under
 * `commands/` and one entry here.
 */
const commands = {
  analyse: () => import("./commands/analyse.ts").then((m) => m.analyse),
  checkpoints: () => import("./commands/checkpoints.ts").then((m) => m.checkpoints),
  copy: () => import("./commands/copy.ts").then((m) => m.copy),
  dashboard: () => import("./commands/dashboard.ts").then((m) => m.dashboard),
  generate: () => import("./commands/generate.ts").then((m) => m.generate),
  master: () => import("./commands/master.ts").then((m) => m.master),
  runs: () => import("./commands/runs.ts").then((m) => m.runs),
  ship: () => import("./commands/ship.ts").then((m) => m.ship),
  status: () => import("./commands/status.ts").then((m) => m.status),
  store: () => import("./commands/store.ts").then((m) => m.store),
  worker: () => import("./commands/worker.ts").then((m) => m.worker)
} as const
type Name = keyof typeof commands
type Subcommand = Awaited<ReturnType<(typeof commands)[Name]>>
const aliases: Record<string, Name> = { analyze: "analyse" }

const root = (subcommands: ReadonlyArray<Subcommand>) =>
  Command.make("dla").pipe(
    Command.withDescription("Log analysis for distributed jobs: generate, count levels, run masters and workers."),
    Command.withSubcommands(subcommands),
    Command.withExamples([
      {
        command: "dla generate /tmp/logs && dla analyse /tmp/logs",
        description: "Sample logs, then their level counts"
      },
      { command: "dla analyse /var/log/myapp --format log4j --json", description: "Your logs, results as JSON" },
      { command: "dla analyse --help", description: "Every option of one command, with examples" }
    ])
  )

/**
 * The whole `dla` command, every subcommand loaded (for help texts and docs).
 *
 * @since 0.1.0
 * @category running
 */
export const load = async () => root(await Promise.all(Object.values(commands).map((loadCommand) => loadCommand())))

/**
 * The `dla` command for `args`: with only the subcommand named first when there is one (a flag first, such as a
 * global flag with a value, or no known name: every subcommand, so help and errors list them all).
 */
const forArgs = async (args: ReadonlyArray<string>) => {
  const first = args[0]
  const name = first === undefined ? undefined : first in commands ? (first as Name) : aliases[first]
  if (first === "--version" || first === "-v") return root([])
  return name === undefined ? load() : root([await commands[name]()])
}

/**
 * The exit codes `dla` returns: `ok`, `failure`, `usage` and `interrupted`.
 *
 * @since 0.1.0
 * @category constants
 */
export const ExitCode = Exit.ExitCode

// Both src/Cli.ts and the bundled dist/*.js sit one directory below package.json.
const { version } = Schema.decodeUnknownSync(Schema.fromJsonString(Schema.Struct({ version: Schema.String })))(
  readFileSync(new URL("../package.json", import.meta.url), "utf8")
)

/**
 * Runs `dla` with `args` and returns the exit code. Never fails: every error becomes one line on stderr (`dla: ...`,
 * no stack trace) and its exit code; set `DLA_DEBUG=1` to see the full cause of an unexpected error.
 *
 * @since 0.1.0
 * @category running
 */
export const run = (args: ReadonlyArray<string>): Effect.Effect<number, never, Command.Environment> =>
  Effect.promise(() => forArgs(args)).pipe(
    Effect.flatMap((dla) => Command.runWith(dla, { version })(args)),
    // Every diagnostic, and every Effect.log* of the packages, through @dla/logger at --log-level (EffectLogs.ts).
    Effect.provide(EffectLogs.layer(args)),
    Effect.as(ExitCode.ok),
    Effect.catchCause((cause) => Exit.report(cause, usageOf)),
    Effect.provide(CliOutput.layerPresenter(presenter))
  )

/** effect/cli's errors are the command line's: help asked for, or a bad invocation. */
const usageOf: Exit.Usage = (error) =>
  CliError.isCliError(error) ? (error._tag === "ShowHelp" ? "help" : "usage") : undefined

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
