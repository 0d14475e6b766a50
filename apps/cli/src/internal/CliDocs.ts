/**
 * docs/cli.md, generated from the command definitions themselves (the same help `dla <command> --help` prints), so
 * the reference cannot drift from the CLI. `pnpm docs:cli` writes it; a test fails when it is stale.
 */
import { NodeServices } from "@effect/platform-node"
import * as Console from "effect/Console"
import * as CliOutput from "effect/cli/CliOutput"
import type * as Command from "effect/cli/Command"
import * as Effect from "effect/Effect"
import * as Cli from "../Cli.ts"

const intro = `# CLI reference

\`dla\` is the command-line face of every package: generate and analyse logs, run masters and workers on NATS, watch
a run, inspect checkpoints. This page is generated from the CLI's own definitions by \`pnpm docs:cli\` (do not edit
it by hand: a test fails when it differs from what the CLI prints).

Conventions shared by every command:

- Exit codes: \`0\` success, \`1\` failure (one line on stderr starting with \`dla:\`), \`2\` bad usage (unknown flag,
  missing argument, options that do not fit together), \`130\` interrupted (Ctrl-C, SIGINT), \`143\` stopped by SIGTERM.
  A master (\`dla master\`, \`dla analyse\` with \`--nats\` or \`--checkpoint-dir\`) stopped either way first saves a
  checkpoint of the results it has (\`stopping: checkpoint N saved; ...\`): the same command resumes from it.
- \`DLA_DEBUG=1\` prints the full cause of an unexpected error.
- On Node, the first run of each command leaves a code cache of what it compiled in Node's compile-cache directory
  (\`NODE_COMPILE_CACHE\`, else \`<tmp>/node-compile-cache\`), so later runs start faster;
  \`NODE_DISABLE_COMPILE_CACHE=1\` turns it off.
- Commands that talk to NATS take \`--nats\` (comma-separated URLs of a cluster; default \`NATS_URL\`) and the same
  credential and TLS flags (\`--creds\`, \`--user\`/\`--password\`, \`--token\`, \`--tls-ca\`, \`--tls-cert\`,
  \`--tls-key\`; credentials also from \`NATS_CREDS\`, \`NATS_USER\`, \`NATS_PASSWORD\`, \`NATS_TOKEN\` or the URL,
  \`nats://user:password@host\`). One way of logging in at a time; credentials are never printed (docs/security.md).
- Global flags (\`--help\`, \`--version\`, \`--completions\`, \`--log-level\`) are listed once, under \`dla\`.
- Stdout carries only results. Every diagnostic (warnings, skipped files, progress and \`--verbose\` lines, the
  packages' own log lines) goes through \`@dla/logger\` to stderr: \`[12:34:56.789] WARN     message\`, with
  \`[rank]\` after the time under a launcher, coloured on a terminal unless \`NO_COLOR\` is set, and only at or
  above \`--log-level\` (\`none\` for silence), else \`DLA_LOG_LEVEL\`, else \`LOG_LEVEL\`, else \`info\`.
  A fatal error stays one \`dla: ...\` line, after them.
- The results block of \`dla analyse\` and \`dla master\` is the assignment's \`ANALYSIS RESULTS\` block character
  for character (levels in alphabetical order, \`Total time: 0.35s\`, \`Speedup: 2.3x\` when a sequential time is
  known; over NATS also \`Files processed\`, \`Failed workers\`, \`Checkpoints saved\`), then dla's own facts.
- Checkpoints (\`--checkpoint-dir\`, and \`dla master\`'s \`checkpoints\`) are one directory each,
  \`<dir>/<run>/<sequence>/checkpoint.json\` with the processed files in \`files/\`; the newest
  \`--keep-checkpoints\` (3) stay, and a run resumes from the newest valid one.
- \`--json\` results of \`dla analyse\` (every mode: \`--sequential\`, embedded, \`--nats\`, \`--follow\`) and \`dla master\`
  are one object with the same fields in every mode, numbers as numbers, described by
  [results.schema.json](results.schema.json): \`mode\` (\`sequential\`, \`embedded\`, \`nats\`, \`follow\`), \`runId\`,
  \`levels\` (every level, 0 when unseen), \`lines\`, \`unmatched\`, \`bytes\`, \`filesProcessed\`, \`durationMs\`,
  \`filesSkipped\`, \`filesAlreadyProcessed\`, \`workers\`, \`failedWorkers\` (a count) and \`failedWorkerIds\`,
  \`failed_workers\` (as the assignment's checkpoint.json: ranks for workers of a launch, ids for the others),
  \`failedTasks\` (\`path\`, \`reason\`, \`binary\`), \`requeuedTasks\`, \`duplicateResults\`, \`rejectedResults\` (messages on the results channel set aside:
  not results, or failing validation), \`checkpointsSaved\`,
  \`speedup\` and \`efficiency\` (a fraction; both null without \`--baseline\`), \`leader\`, \`term\`, \`previousLeader\`
  (null unless elected). A field a mode has no use for is 0, [] or null, never missing.
`

/** Every command path below `command`, depth first, in definition order. */
export const paths = (command: Command.Command.Any, prefix: ReadonlyArray<string> = []): Array<Array<string>> => {
  const here = [...prefix, command.name]
  return [here, ...command.subcommands.flatMap((group) => group.commands.flatMap((sub) => paths(sub, here)))]
}

/** What `dla <args...> --help` prints, without colors. */
export const help = (args: ReadonlyArray<string>) =>
  Effect.gen(function* () {
    const lines: Array<string> = []
    const capture: Console.Console = Object.assign(Object.create(console), {
      log: (...parts: ReadonlyArray<unknown>) => void lines.push(parts.join(" "))
    })
    yield* Cli.run([...args, "--help"]).pipe(
      Effect.provideService(Console.Console, capture),
      Effect.provide(CliOutput.layer(CliOutput.defaultFormatter({ colors: false }))),
      Effect.provide(NodeServices.layer)
    )
    return lines.join("\n").trimEnd()
  })

const withoutGlobalFlags = (text: string) =>
  `${text}\n`
    .replace(/GLOBAL FLAGS\n(?: {2}.*\n)*\n?/g, "")
    .replace(/\n{3,}/g, "\n\n")
    .trimEnd()

/** The whole of docs/cli.md. */
export const render = Effect.gen(function* () {
  const sections: Array<string> = [intro]
  for (const path of paths(yield* Effect.promise(Cli.load))) {
    const text = yield* help(path.slice(1))
    sections.push(
      `## ${path.join(" ")}\n\n\`\`\`text\n${path.length === 1 ? text : withoutGlobalFlags(text)}\n\`\`\`\n`
    )
  }
  return sections.join("\n")
})
