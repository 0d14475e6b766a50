/**
 * What each file held (`--by-file`): its detected format, counts and lines without a level, as a table after the
 * results block or a `files` array in `--json`; and, in every mode, a warning naming the files whose lines mostly got
 * no level (a format dla does not read, or the wrong `--format`), and the files whose size moved while they were
 * counted (appended to or truncated: their counts are of the bytes read).
 */
import { basename, relative, sep } from "node:path"
import type { Master } from "@dla/analyser"
import type { FileAnalysis } from "@dla/core"
import * as Effect from "effect/Effect"
import * as Report from "../Report.ts"
import * as Diagnostics from "./Diagnostics.ts"

export type File = Master.FileSummary

/** A file whose share of lines without a level is at least this is named in a warning. */
export const unreadShare = 0.9

/** Files named one by one in the warning; past this many, the first few and a count. */
const namedAtMost = 5

/** The sequential analyser's results as the engines' per-file list: relative to `root`, sorted by path. */
export const fromResults = (root: string, results: ReadonlyArray<FileAnalysis.FileResult>): ReadonlyArray<File> => {
  // Listed paths are `root` joined with their relative path: cut, rather than path.relative's resolving of both.
  const prefix = root.endsWith(sep) ? root : `${root}${sep}`
  return results
    .map(({ path, format, levels, lines, unmatched, bytes, changed }) => ({
      path: path.startsWith(prefix) ? path.slice(prefix.length) : relative(root, path) || basename(path),
      format,
      levels,
      lines,
      unmatched,
      bytes,
      ...(changed === undefined ? {} : { changed })
    }))
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
}

const isUnread = (file: Pick<File, "lines" | "unmatched">) =>
  file.lines > 0 && file.unmatched >= unreadShare * file.lines

/** Whether a warning names the file (mostly unread, or its size moved): all of the per-file list without --by-file. */
export const isNoted = (file: Pick<File, "lines" | "unmatched" | "changed">): boolean =>
  isUnread(file) || file.changed !== undefined

const named = (file: File) => `${file.path} (${file.format})`

/** A file whose size moved while it was counted: as listed (or opened) and as its scan found it at the end. */
export interface Changed {
  readonly path: string
  readonly before: number
  readonly after: number
}

/** The files whose size moved while they were counted (`changedFiles` in `--json`). */
export const changed = (files: ReadonlyArray<File>): ReadonlyArray<Changed> =>
  files.flatMap((file) => (file.changed === undefined ? [] : [{ path: file.path, ...file.changed }]))

/**
 * The warning lines: the files that mostly got no level (one per file, or one for many), then one per file whose size
 * moved while it was counted. None when every file was mostly read and stood still.
 */
export const warnings = (files: ReadonlyArray<File>): ReadonlyArray<string> => [
  ...unreadWarnings(files.filter(isUnread)),
  ...changed(files).map(
    ({ path, before, after }) =>
      `dla: warning: ${path} ${after > before ? "grew" : "shrank"} from ${Report.thousands(before)} to ` +
      `${Report.thousands(after)} bytes while it was counted (its counts are of the bytes read)`
  )
]

const unreadWarnings = (unread: ReadonlyArray<File>): ReadonlyArray<string> => {
  const why = `${unreadShare * 100}% or more of their lines have no level (try --format)`
  if (unread.length > namedAtMost) {
    const first = unread.slice(0, 3).map(named).join(", ")
    return [`${unread.length} files: ${why}: ${first} and ${unread.length - 3} more (see --by-file)`]
  }
  return unread.map(
    (file) => `${named(file)}: ${Report.percent(file.unmatched, file.lines)} of its lines have no level (try --format)`
  )
}

/** Says the warnings on stderr. */
export const warn = (files: ReadonlyArray<File>) =>
  Effect.sync(() => {
    for (const line of warnings(files)) Diagnostics.warn(line)
  })

/** The table: path, format, lines, lines without a level (and share), then each level any file has. */
export const render = (files: ReadonlyArray<File>): string => {
  const levels = Report.bySeverity.filter((level) => files.some((f) => (f.levels[level] ?? 0) > 0))
  const header = ["File", "Format", "Lines", "No level", ...levels]
  const rows = files.map((f) => [
    f.path,
    f.format,
    Report.thousands(f.lines),
    `${Report.thousands(f.unmatched)} (${Report.percent(f.unmatched, f.lines)})`,
    ...levels.map((level) => Report.thousands(f.levels[level] ?? 0))
  ])
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)))
  // Names and formats to the left, numbers to the right.
  const line = (cells: ReadonlyArray<string>) =>
    cells.map((cell, i) => (i < 2 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join("  ")
  return ["=== By file ===", line(header), ...rows.map(line)].map((l) => l.trimEnd()).join("\n")
}

/** The `files` array of `--json`: every canonical level present, as in the totals. */
export const toJson = (files: ReadonlyArray<File>) =>
  files.map((f) => ({
    path: f.path,
    format: f.format,
    levels: Report.allLevels(f.levels),
    lines: f.lines,
    unmatched: f.unmatched,
    bytes: f.bytes
  }))
