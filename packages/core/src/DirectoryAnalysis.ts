/**
 * The sequential analyser: every file under a directory, one after the other in {@link LogFiles.list} order, counts
 * merged. The reference the distributed analyser's counts are checked against.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Counts from "./Counts.ts"
import * as FileAnalysis from "./FileAnalysis.ts"
import * as FileError from "./FileError.ts"
import * as Stopwatch from "./internal/stopwatch.ts"
import * as LogFiles from "./LogFiles.ts"
import type * as LogFormat from "./LogFormat.ts"

/**
 * How far {@link analyse} is: files and bytes done of their totals.
 *
 * @since 0.1.0
 * @category models
 */
export interface Progress {
  /** Files finished (counted or skipped). */
  readonly files: number
  readonly totalFiles: number
  readonly bytes: number
  readonly totalBytes: number
}

/**
 * How {@link analyse} lists and reads a directory: which files, in what format, with what progress callback.
 *
 * @since 0.1.0
 * @category models
 */
export interface AnalyseOptions extends LogFiles.ListOptions {
  /** One format for every file; by default each file's format is detected from its first lines. */
  readonly format?: LogFormat.LogFormat
  /** Called as bytes are counted (about every megabyte) and after each file. */
  readonly onProgress?: (progress: Progress) => void
  /**
   * The files under `root` as a caller already listed them (with `LogFiles.list`, or `LogFiles.find`: a file of unknown
   * size is counted with the small ones and adds nothing to the progress's bytes), and the entries it skipped.
   */
  readonly listed?: Listed
}

/**
 * The files a directory listing found, and those it left out and why.
 *
 * @since 0.1.0
 * @category models
 */
export interface Listed {
  readonly files: ReadonlyArray<LogFiles.Found>
  readonly skipped: ReadonlyArray<FileError.FileError>
}

/**
 * What {@link analyse} found in a directory: merged counts, each file's result, and the files skipped.
 *
 * @since 0.1.0
 * @category models
 */
export interface DirectoryResult {
  /** Merged counts of every counted file. */
  readonly counts: Counts.Counts
  /** Per-file results, in list order. */
  readonly files: ReadonlyArray<FileAnalysis.FileResult>
  /**
   * Files left out, each with its reason: binary or unreadably compressed files (see {@link FileError.isSkip}) and
   * entries that could
   * not be listed (a loop of symbolic links, an unreadable directory).
   */
  readonly skipped: ReadonlyArray<FileError.FileError>
  readonly durationMs: number
}

/** Files up to this size are counted in batches; bigger ones alone, with progress while they are read. */
const SMALL_FILE = 1024 * 1024
/** Bytes of small files per batch: a batch blocks the thread while it reads (about 10 ms). */
const BATCH_BYTES = 8 * 1024 * 1024
/** What a file of unknown size counts for in a batch's bytes: a small log's. */
const UNKNOWN_BYTES = 16 * 1024

/**
 * Puts each outcome of a batch in `files` or `skipped`, in order; returns the first failure that is not a skip (the
 * run fails on it, as on a file counted alone).
 */
const take = (
  outcomes: ReadonlyArray<FileAnalysis.BatchOutcome>,
  files: Array<FileAnalysis.FileResult>,
  skipped: Array<FileError.FileError>
): FileError.FileError | undefined => {
  for (const outcome of outcomes) {
    if (!(outcome instanceof FileError.FileError)) files.push(outcome)
    else if (FileError.isSkip(outcome)) skipped.push(outcome)
    else return outcome
  }
  return undefined
}

/**
 * Counts every file under `root`. Fails on the first file that cannot be read; skips binary and unsupported compressed
 * files.
 *
 * @since 0.1.0
 * @category analysis
 */
export const analyse = (
  root: string,
  options: AnalyseOptions = {}
): Effect.Effect<DirectoryResult, FileError.FileError> =>
  Effect.gen(function* () {
    const began = Stopwatch.now()
    const skipped: Array<FileError.FileError> = [...(options.listed?.skipped ?? [])]
    const list: ReadonlyArray<LogFiles.Found> =
      options.listed?.files ?? (yield* LogFiles.list(root, { ...options, onSkip: (error) => skipped.push(error) }))
    const totalBytes = list.reduce((sum, file) => sum + (file.size ?? 0), 0)
    const files: Array<FileAnalysis.FileResult> = []
    // Progress counts the listed files only.
    const unlisted = skipped.length
    const filesDone = () => files.length + skipped.length - unlisted
    let bytes = 0
    const report = (filesDone: number, bytesDone: number) =>
      options.onProgress?.({ files: filesDone, totalFiles: list.length, bytes: bytesDone, totalBytes })
    // Small files go in batches (one blocking call for many: FileAnalysis.analyseBatch), big ones one by one with
    // progress as they are read. A batch's outcomes are taken in a plain loop: an Effect per file was a tenth of the
    // run on 20,000 small files.
    for (let i = 0; i < list.length; ) {
      const batch: Array<FileAnalysis.BatchPart> = []
      let batchBytes = 0
      while (i < list.length && (list[i]!.size ?? 0) <= SMALL_FILE && batchBytes < BATCH_BYTES) {
        const { path, size } = list[i++]!
        batch.push({ path, size })
        batchBytes += size ?? UNKNOWN_BYTES
      }
      if (batch.length > 0) {
        const outcomes = yield* Effect.promise(() => FileAnalysis.analyseBatch(batch, { format: options.format }))
        const failed = take(outcomes, files, skipped)
        if (failed !== undefined) return yield* Effect.fail(failed)
        // Each file's progress once its batch is done (a batch takes about 10 ms); no call per file for nobody.
        if (options.onProgress !== undefined) {
          let done = filesDone() - batch.length
          for (const part of batch) {
            bytes += part.size ?? 0
            report(++done, bytes)
          }
        }
        continue
      }
      const file = list[i++]!
      const onProgress = (done: number) => report(filesDone(), bytes + done)
      yield* FileAnalysis.analyse(file.path, { format: options.format, onProgress, size: file.size }).pipe(
        Effect.map((result) => files.push(result)),
        Effect.catchIf(FileError.isSkip, (error) => Effect.sync(() => skipped.push(error)))
      )
      bytes += file.size ?? 0
      report(filesDone(), bytes)
    }
    return { counts: Counts.mergeAll(files), files, skipped, durationMs: Stopwatch.now() - began }
  })
