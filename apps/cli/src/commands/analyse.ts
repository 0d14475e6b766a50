/**
 * `dla analyse <path>`: count the levels of a log file or of every file under a directory, in this process.
 */
import { DirectoryAnalysis, LogFormat } from "@dla/core"
import { Console, Effect, Option, Schema } from "effect"
import { Argument, Command, Flag } from "effect/cli"
import * as Progress from "../internal/Progress.ts"
import * as Report from "../Report.ts"

export class NoLogFiles extends Schema.TaggedError<NoLogFiles>()("NoLogFiles", { path: Schema.String }) {
  override get message(): string {
    return `${this.path}: no log files to analyse (check --include and --exclude)`
  }
}

export const format = Flag.String("format").pipe(
  Flag.mapTryCatch(LogFormat.fromSpec, (error) => (error instanceof Error ? error.message : String(error))),
  Flag.optional,
  Flag.withDescription(
    `Log format: ${LogFormat.named.map((f) => f.name).join(", ")}, or a regular expression with a named group (?<level>...). Default: detected per file`
  )
)

export const analyse = Command.make(
  "analyse",
  {
    path: Argument.String("path").pipe(Argument.withDescription("A log file, or a directory searched recursively")),
    format,
    include: Flag.String("include").pipe(
      Flag.atLeast(0),
      Flag.withDescription("Only files matching this glob (repeatable; '*.log' matches at any depth)")
    ),
    exclude: Flag.String("exclude").pipe(
      Flag.atLeast(0),
      Flag.withDescription("Leave out files matching this glob (repeatable)")
    ),
    json: Flag.Boolean("json").pipe(Flag.withDefault(false), Flag.withDescription("Print the results as JSON"))
  },
  ({ path, format, include, exclude, json }) =>
    Effect.gen(function* () {
      const progress = Progress.make()
      const result = yield* DirectoryAnalysis.analyse(path, {
        format: Option.getOrUndefined(format),
        include,
        exclude,
        onProgress: (p) => progress.update(p.bytes, p.totalBytes, `${p.files}/${p.totalFiles} files`)
      }).pipe(Effect.ensuring(Effect.sync(progress.finish)))
      for (const skipped of result.skipped) yield* Console.error(`dla: skipped ${skipped.message}`)
      if (result.files.length === 0) return yield* new NoLogFiles({ path })
      const results: Report.Results = {
        counts: result.counts,
        filesProcessed: result.files.length,
        durationMs: result.durationMs
      }
      yield* Console.log(json ? JSON.stringify(Report.toJson(results), null, 2) : Report.render(results))
    })
).pipe(
  Command.withAlias("analyze"),
  Command.withDescription("Count log levels of a file or directory in this process (sequential analyser).")
)
