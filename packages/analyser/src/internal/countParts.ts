/**
 * Counting a task: its parts one after another, a part that cannot be counted (missing, unreadable, binary) set
 * aside with its reason while the rest still count. Shared by the inline counter and the counting thread (kept free
 * of effect so the thread's bundle stays small).
 */

import * as Counts from "@dla/core/Counts"
import * as ErrorMessage from "@dla/core/ErrorMessage"
import * as FileAnalysis from "@dla/core/FileAnalysis"
import * as FileError from "@dla/core/FileError"
import type * as LogFormat from "@dla/core/LogFormat"

export interface Part {
  readonly path: string
  readonly range: FileAnalysis.ByteRange
  /** The file's size when the master listed it: a file found at another size is reported (`FileCounts.changed`). */
  readonly size?: number
}

export interface Skipped {
  readonly path: string
  readonly error: string
  readonly binary: boolean
}

/** One counted part's figures: its file (a range of a split file counts as its file), format and counts. */
export interface FileCounts extends Counts.Counts {
  readonly path: string
  readonly format: string
  /** The file's size moved while it was counted. */
  readonly changed?: FileAnalysis.SizeChange
}

export interface Counted {
  readonly counts: Counts.Counts
  readonly skipped: ReadonlyArray<Skipped>
  /** Per counted part, in the task's order (for `--by-file`). */
  readonly files: ReadonlyArray<FileCounts>
}

const describe = (path: string, cause: unknown) => {
  const message = ErrorMessage.describe(cause)
  // Core's file errors already name the file.
  return message.includes(path) ? message : `${path}: ${message}`
}

/**
 * Each part's outcome. Many small files go through core's batch (blocking reads into one buffer, a few syscalls a
 * file); a task of one part, often a big range, is read asynchronously so the thread stays responsive.
 */
const outcomes = async (
  parts: ReadonlyArray<Part>,
  format: LogFormat.LogFormat | undefined
): Promise<ReadonlyArray<FileAnalysis.BatchOutcome>> => {
  const [only] = parts
  if (parts.length > 1 || only === undefined) return FileAnalysis.analyseBatch(parts, { format })
  return [
    await FileAnalysis.analyseFile(only.path, { range: only.range, size: only.size, format }).catch((cause: unknown) =>
      FileError.fromSystemError(only.path, cause)
    )
  ]
}

export const countParts = async (
  parts: ReadonlyArray<Part>,
  format: LogFormat.LogFormat | undefined
): Promise<Counted> => {
  let counts = Counts.empty
  const skipped: Array<Skipped> = []
  const files: Array<FileCounts> = []
  for (const [i, outcome] of (await outcomes(parts, format)).entries()) {
    const path = parts[i]!.path
    if (outcome instanceof FileError.FileError) {
      // Binary content or a compression this runtime cannot read: what the sequential analyser skips too.
      skipped.push({ path, error: describe(path, outcome), binary: FileError.isSkip(outcome) })
    } else {
      counts = Counts.merge(counts, outcome)
      const { levels, lines, unmatched, bytes, format, changed } = outcome
      files.push({ path, format, levels, lines, unmatched, bytes, ...(changed === undefined ? {} : { changed }) })
    }
  }
  return { counts, skipped, files }
}
