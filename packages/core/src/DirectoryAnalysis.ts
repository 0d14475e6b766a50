/**
 * The sequential analyser: every file under a directory, one after the other in {@link LogFiles.list} order, counts
 * merged. The reference the distributed analyser's counts are checked against.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Counts from "./Counts.ts"
import * as FileAnalysis from "./FileAnalysis.ts"
import type * as FileError from "./FileError.ts"
import * as LogFiles from "./LogFiles.ts"
import type * as LogFormat from "./LogFormat.ts"

export interface Progress {
  /** Files finished (counted or skipped). */
  readonly files: number
  readonly totalFiles: number
  readonly bytes: number
  readonly totalBytes: number
}

export interface AnalyseOptions extends LogFiles.ListOptions {
  /** One format for every file; by default each file's format is detected from its first lines. */
  readonly format?: LogFormat.LogFormat
  /** Called as bytes are counted (about every megabyte) and after each file. */
  readonly onProgress?: (progress: Progress) => void
}

export interface DirectoryResult {
  /** Merged counts of every counted file. */
  readonly counts: Counts.Counts
  /** Per-file results, in list order. */
  readonly files: ReadonlyArray<FileAnalysis.FileResult>
  /**
   * Files left out, each with its reason: binary files (counting them would only add noise) and entries that could
   * not be listed (a loop of symbolic links, an unreadable directory).
   */
  readonly skipped: ReadonlyArray<FileError.FileError>
  readonly durationMs: number
}

/** Counts every file under `root`. Fails on the first file that cannot be read; skips binary files. */
export const analyse = (
  root: string,
  options: AnalyseOptions = {}
): Effect.Effect<DirectoryResult, FileError.FileError> =>
  Effect.gen(function* () {
    const began = performance.now()
    const skipped: Array<FileError.FileError> = []
    const list = yield* LogFiles.list(root, { ...options, onSkip: (error) => skipped.push(error) })
    const totalBytes = list.reduce((sum, file) => sum + file.size, 0)
    const files: Array<FileAnalysis.FileResult> = []
    // Progress counts the listed files only.
    const unlisted = skipped.length
    const filesDone = () => files.length + skipped.length - unlisted
    let bytes = 0
    const report = (filesDone: number, bytesDone: number) =>
      options.onProgress?.({ files: filesDone, totalFiles: list.length, bytes: bytesDone, totalBytes })
    for (const file of list) {
      const onProgress = (done: number) => report(filesDone(), bytes + done)
      yield* FileAnalysis.analyse(file.path, { format: options.format, onProgress }).pipe(
        Effect.map((result) => files.push(result)),
        Effect.catchIf(
          (error) => error.reason === "Binary",
          (error) => Effect.sync(() => skipped.push(error))
        )
      )
      bytes += file.size
      report(filesDone(), bytes)
    }
    return { counts: Counts.mergeAll(files), files, skipped, durationMs: performance.now() - began }
  })
