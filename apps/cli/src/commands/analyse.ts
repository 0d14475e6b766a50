/**
 * `dla analyse <path>`: count the levels of a log file or of every file under a directory, in this process.
 */
import { DirectoryAnalysis } from "@dla/core"
import * as Console from "effect/Console"
import * as Argument from "effect/cli/Argument"
import * as Command from "effect/cli/Command"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import * as Flags from "../Flags.ts"
import * as Progress from "../internal/Progress.ts"
import * as Report from "../Report.ts"

export class NoLogFiles extends Schema.TaggedError<NoLogFiles>()("NoLogFiles", {
  path: Schema.String,
  skipped: Schema.Number
}) {
  override get message(): string {
    const why = this.skipped > 0 ? `${this.skipped} skipped, see above` : "check --include and --exclude"
    return `${this.path}: no log files to analyse (${why})`
  }
}

export const analyse = Command.make(
  "analyse",
  {
    path: Argument.String("path").pipe(Argument.withDescription("A log file, or a directory searched recursively")),
    format: Flags.format,
    include: Flags.include,
    exclude: Flags.exclude,
    json: Flags.json
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
      if (result.files.length === 0) return yield* new NoLogFiles({ path, skipped: result.skipped.length })
      const results: Report.Results = {
        counts: result.counts,
        filesProcessed: result.files.length,
        durationMs: result.durationMs,
        extra:
          result.skipped.length > 0
            ? [{ label: "Files skipped", key: "filesSkipped", value: result.skipped.length }]
            : []
      }
      yield* Console.log(json ? JSON.stringify(Report.toJson(results), null, 2) : Report.render(results))
    })
).pipe(
  Command.withAlias("analyze"),
  Command.withDescription("Count log levels of a file or directory in this process (sequential analyser).")
)
