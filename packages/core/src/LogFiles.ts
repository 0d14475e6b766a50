/**
 * Finding the files to analyse: a file, or every regular file under a directory, filtered by globs, in a
 * deterministic order (byte order of the relative path), so two runs over the same tree see the same list.
 *
 * @since 0.1.0
 */
import { type Dirent, readdirSync, type Stats, statSync } from "node:fs"
import { basename, join, relative, sep } from "node:path"
import * as Effect from "effect/Effect"
import * as FileError from "./FileError.ts"
import * as Glob from "./Glob.ts"

export interface LogFile {
  readonly path: string
  /** Path relative to the listed root with `/` separators (the file name when the root is a file). */
  readonly relative: string
  readonly size: number
  /** Device and inode at listing time: who the file is, whatever its name (what `Follow` tracks files by). */
  readonly dev: number
  readonly ino: number
}

export interface ListOptions {
  /** Globs a file must match (relative path; a pattern without `/` matches the file name). None: every file. */
  readonly include?: ReadonlyArray<string>
  /** Globs that leave a file out, whatever `include` says. */
  readonly exclude?: ReadonlyArray<string>
  /**
   * Told of each entry under the root that cannot be listed (a loop of symbolic links, a directory or link that
   * cannot be read): it is left out, with this reason, and the listing goes on.
   */
  readonly onSkip?: (skipped: FileError.FileError) => void
}

/**
 * The files under `root` (or `root` itself when it is a file). Symbolic links to directories are not followed. An
 * entry below the root that cannot be read is skipped (see `onSkip`); a root that cannot be read fails.
 *
 * The walk makes blocking calls: a promise per directory entry costs more than the call itself (20,000 files were
 * listed in about 0.6 s with `fs/promises`, ten times slower; docs/benchmarks.md).
 */
export const list = (root: string, options: ListOptions = {}): Effect.Effect<Array<LogFile>, FileError.FileError> =>
  Effect.try({
    try: () => {
      const rootStat = statSync(root)
      if (rootStat.isFile()) return [logFile(root, basename(root), rootStat)]
      if (!rootStat.isDirectory()) throw new FileError.FileError({ path: root, reason: "NotAFile", detail: "" })
      const found: Array<LogFile> = []
      walk(root, root, filter(options.include ?? [], options.exclude ?? []), found, options.onSkip ?? (() => {}))
      return found.sort((a, b) => (a.relative < b.relative ? -1 : a.relative > b.relative ? 1 : 0))
    },
    catch: (cause) => FileError.fromSystemError(root, cause)
  })

const logFile = (path: string, relative: string, info: Stats): LogFile => ({
  path,
  relative,
  size: info.size,
  dev: info.dev,
  ino: info.ino
})

/**
 * A filter from include and exclude globs: no include means everything; an exclude always wins. Dot files are logs
 * like any other, so wildcards match them (`*.log` takes `.hidden.log`).
 */
const filter = (include: ReadonlyArray<string>, exclude: ReadonlyArray<string>): ((path: string) => boolean) => {
  const compile = (globs: ReadonlyArray<string>) => globs.map((glob) => Glob.toRegExp(glob, { dot: true }))
  const includes = compile(include)
  const excludes = compile(exclude)
  return (path) => (includes.length === 0 || includes.some((r) => r.test(path))) && !excludes.some((r) => r.test(path))
}

const walk = (
  root: string,
  dir: string,
  keep: (relative: string) => boolean,
  found: Array<LogFile>,
  skip: (skipped: FileError.FileError) => void
) => {
  let entries: Array<Dirent>
  try {
    entries = readdirSync(dir, { withFileTypes: true })
  } catch (cause) {
    // The root must be readable; a directory below it that is not is one skip, not the end of the listing.
    if (dir === root) throw FileError.fromSystemError(dir, cause)
    skip(FileError.fromSystemError(dir, cause))
    return
  }
  // The relative path of an entry is its directory's plus its name: no path.relative per file.
  const prefix = dir === root ? "" : `${relative(root, dir).split(sep).join("/")}/`
  for (const entry of entries) {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) walk(root, path, keep, found, skip)
    if (!entry.isFile() && !entry.isSymbolicLink()) continue
    const rel = prefix + entry.name
    if (!keep(rel)) continue
    let info: Stats | undefined
    try {
      info = statSync(path)
    } catch (cause) {
      // A dangling link names no file: leave it out rather than fail the run. Any other failure (a loop of links,
      // no permission) is a skip with its reason: the other files are still counted.
      const dangling = entry.isSymbolicLink() && cause instanceof Error && "code" in cause && cause.code === "ENOENT"
      if (!dangling) {
        skip(FileError.fromSystemError(path, cause))
      }
    }
    // A link to a directory is not followed (no cycles); only regular files are logs.
    if (info?.isFile()) found.push(logFile(path, rel, info))
  }
}
