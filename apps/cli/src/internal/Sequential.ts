/**
 * The sequential analyser's run (`dla analyse --sequential`, and the default for an input too small to pay for a
 * counting thread): every file counted in this thread with core's `DirectoryAnalysis`, the results printed, the time
 * recorded as the input's baseline. Free of the CLI framework, so the launcher's quick path (quick.ts) runs it without
 * loading effect/cli or the analyser engine.
 */
import { DirectoryAnalysis, type LogFormat } from "@dla/core"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import * as Report from "../Report.ts"
import * as Baseline from "./Baseline.ts"
import * as ByFile from "./ByFile.ts"
import * as Diagnostics from "./Diagnostics.ts"
import * as Progress from "./Progress.ts"
import * as Results from "./Results.ts"

export class NoLogFiles extends Schema.TaggedError<NoLogFiles>()("NoLogFiles", {
  path: Schema.String,
  skipped: Schema.Number
}) {
  override get message(): string {
    const why = this.skipped > 0 ? `${this.skipped} skipped, see above` : "check --include and --exclude"
    return `${this.path}: no log files to analyse (${why})`
  }
}

/** The results of a count in this thread (`--sequential`, standard input), each file's figures with `--by-file`. */
export const print = (
  args: { readonly json: boolean; readonly byFile: boolean },
  input: Results.Input & Report.Results,
  files: ReadonlyArray<ByFile.File>
) =>
  Console.log(
    args.json
      ? Results.print({ ...input, changedFiles: ByFile.changed(files), ...(args.byFile ? { byFile: files } : {}) })
      : args.byFile
        ? `${Report.render(input)}\n\n${ByFile.render(files)}`
        : Report.render(input)
  ).pipe(Effect.andThen(ByFile.warn(files)))

/** What a run analyses (a directory, its format, which files) and whether it prints JSON: the run commands share it. */
export interface Input {
  readonly path: string
  readonly format: Option.Option<LogFormat.LogFormat>
  readonly include: ReadonlyArray<string>
  readonly exclude: ReadonlyArray<string>
  readonly json: boolean
}

/**
 * The sequential analyser (core's), in this thread: the baseline the parallel engines are measured against, its time
 * recorded for their `Speedup`.
 */
export const run = (
  args: Input & { readonly byFile: boolean; readonly baseline: Option.Option<number> },
  runId: string,
  listed?: DirectoryAnalysis.Listed
) =>
  Effect.gen(function* () {
    const { path, format, include, exclude } = args
    const progress = Progress.make()
    const result = yield* DirectoryAnalysis.analyse(path, {
      format: Option.getOrUndefined(format),
      include,
      exclude,
      // Off a terminal nothing is drawn: no call per file (20,000 small files: ~0.1 s of notes for nobody).
      onProgress: progress.drawing
        ? (p) => progress.update(p.bytes, p.totalBytes, Progress.files(p.files, p.totalFiles))
        : undefined,
      listed
    }).pipe(Effect.ensuring(Effect.sync(progress.finish)))
    for (const skipped of result.skipped) Diagnostics.warn(`skipped ${skipped.message}`)
    // Said before the results, as they were meant (stderr and stdout on one terminal): the logger may be loading.
    yield* Diagnostics.written
    if (result.files.length === 0) return yield* new NoLogFiles({ path, skipped: result.skipped.length })
    yield* Baseline.record(runId, { files: result.files.length, counts: result.counts }, result.durationMs / 1000)
    const results: Report.Results = {
      counts: result.counts,
      filesProcessed: result.files.length,
      durationMs: result.durationMs,
      speedup: Results.speedup(args.baseline, result.durationMs, 1).speedup,
      extra:
        result.skipped.length > 0 ? [{ label: "Files skipped", key: "filesSkipped", value: result.skipped.length }] : []
    }
    yield* print(
      args,
      { mode: "sequential", ...results, filesSkipped: result.skipped.length, workers: 1, baseline: args.baseline },
      // Without --by-file only the files a warning names are printed: no summary of every result to find none.
      ByFile.fromResults(path, args.byFile ? result.files : result.files.filter(ByFile.isNoted))
    )
  })
