/**
 * Counting a task: its parts one after another, a part that cannot be counted (missing, unreadable, binary) set
 * aside with its reason while the rest still count. Shared by the inline counter and the counting thread (kept free
 * of effect so the thread's bundle stays small).
 */
import * as Counts from "@dla/core/Counts"
import * as FileAnalysis from "@dla/core/FileAnalysis"
import * as FileError from "@dla/core/FileError"
import type * as LogFormat from "@dla/core/LogFormat"

export interface Part {
  readonly path: string
  readonly range: FileAnalysis.ByteRange
}

export interface Skipped {
  readonly path: string
  readonly error: string
  readonly binary: boolean
}

export interface Counted {
  readonly counts: Counts.Counts
  readonly skipped: ReadonlyArray<Skipped>
}

/** Core's FileError for binary content (the one failure the sequential analyser skips rather than fails on). */
const isBinary = (cause: unknown) => cause instanceof FileError.FileError && cause.reason === "Binary"

const describe = (path: string, cause: unknown) => {
  const message = cause instanceof Error ? cause.message : String(cause)
  // Core's file errors already name the file.
  return message.includes(path) ? message : `${path}: ${message}`
}

/** One file or range: the one call to swap for core's many-small-files primitive when it lands. */
const countPart = (part: Part, format: LogFormat.LogFormat | undefined) =>
  FileAnalysis.analyseFile(part.path, { range: part.range, format })

export const countParts = async (
  parts: ReadonlyArray<Part>,
  format: LogFormat.LogFormat | undefined
): Promise<Counted> => {
  let counts = Counts.empty
  const skipped: Array<Skipped> = []
  for (const part of parts) {
    try {
      const counted = await countPart(part, format)
      counts = Counts.merge(counts, counted)
    } catch (cause) {
      skipped.push({ path: part.path, error: describe(part.path, cause), binary: isBinary(cause) })
    }
  }
  return { counts, skipped }
}
