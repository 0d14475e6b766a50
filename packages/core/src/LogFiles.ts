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

/**
 * A file found by {@link find}: where it is, and its size when the listing stat'ed it anyway.
 *
 * @since 0.2.0
 * @category models
 */
export interface Found {
  readonly path: string
  /** Path relative to the listed root with `/` separators (the file name when the root is a file). */
  readonly relative: string
  readonly size?: number
}

/**
 * A listed file with its size and identity (device and inode).
 *
 * @since 0.1.0
 * @category models
 */
export interface LogFile extends Found {
  readonly size: number
  /** Device and inode at listing time: who the file is, whatever its name (what `Follow` tracks files by). */
  readonly dev: number
  readonly ino: number
}

/**
 * Which files a listing keeps: include and exclude globs.
 *
 * @since 0.1.0
 * @category models
 */
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
 * The files under `root` (or `root` itself when it is a file), each stat'ed for its size and identity. Symbolic links
 * to directories are not followed. An entry below the root that cannot be read is skipped (see `onSkip`); a root that
 * cannot be read fails.
 *
 * The walk makes blocking calls: a promise per directory entry costs more than the call itself (20,000 files were
 * listed in about 0.6 s with `fs/promises`, ten times slower; docs/benchmarks.md).
 *
 * @since 0.1.0
 * @category listing
 */
export const list = (root: string, options: ListOptions = {}): Effect.Effect<Array<LogFile>, FileError.FileError> =>
  listWith(root, options, statted)

/**
 * The files {@link list} gives, with no stat for an entry the directory says is a regular file: a stat per file was
 * over a
 * tenth of a count of 20,000 small files. Such a file's size is unknown; a symbolic link is still stat'ed (to see
 * what it points to) and has it. For a caller that needs sizes only to plan: see {@link holdsAtLeast}.
 *
 * @since 0.2.0
 * @category listing
 */
export const find = (root: string, options: ListOptions = {}): Effect.Effect<Array<Found>, FileError.FileError> =>
  listWith(root, options, (path, relative, entry, skip) =>
    entry.isFile() ? { path, relative } : statted(path, relative, entry, skip)
  )

/** The files of a walk, each as `take` makes it (or leaves it out), in the order of their relative paths. */
const listWith = <A extends Found>(
  root: string,
  options: ListOptions,
  take: (path: string, relative: string, entry: Dirent, skip: (skipped: FileError.FileError) => void) => A | undefined
): Effect.Effect<Array<A | LogFile>, FileError.FileError> =>
  Effect.try({
    try: () => {
      const rootStat = statSync(root)
      if (rootStat.isFile()) return [logFile(root, basename(root), rootStat)]
      if (!rootStat.isDirectory()) throw new FileError.FileError({ path: root, reason: "NotAFile", detail: "" })
      const found: Array<A> = []
      const skip = options.onSkip ?? (() => {})
      const keep = filter(options.include ?? [], options.exclude ?? [])
      walk(root, root, skip, (path, relative, entry) => {
        if (!keep(relative)) return
        const file = take(path, relative, entry, skip)
        if (file !== undefined) found.push(file)
      })
      return found.sort((a, b) => (a.relative < b.relative ? -1 : a.relative > b.relative ? 1 : 0))
    },
    catch: (cause) => FileError.fromSystemError(root, cause)
  })

/**
 * Whether `files` hold at least `bytes` bytes, for planning (a thread or not), with few stats: the sizes known, and
 * a stat of each other file when they are few, else an even sample of {@link SAMPLE} files first. Only a sample far
 * below (under a quarter of `bytes`) answers without a stat of every file; near or above, every size counts. A file
 * gone since it was found counts nothing.
 *
 * @since 0.2.0
 * @category predicates
 */
export const holdsAtLeast = (files: ReadonlyArray<Found>, bytes: number): boolean => {
  let known = 0
  let unknown = 0
  for (const file of files) {
    if (file.size === undefined) unknown++
    else known += file.size
  }
  if (unknown > SAMPLE) {
    // Every step-th file, stat'ed when its size is unknown: the mean of the sample stands for every file.
    const step = files.length / SAMPLE
    let sampled = 0
    for (let k = 0; k < SAMPLE; k++) {
      const file = files[Math.floor(k * step)]!
      sampled += file.size ?? sizeOf(file.path)
    }
    if ((sampled / SAMPLE) * files.length < bytes / 4) return false
  }
  for (const file of files) if (file.size === undefined) known += sizeOf(file.path)
  return known >= bytes
}

/** Files stat'ed to estimate the bytes of many whose sizes are unknown (see {@link holdsAtLeast}). */
const SAMPLE = 256

/** A file's size now; nothing for one gone or that cannot be stat'ed (its count will say why). */
const sizeOf = (path: string) => {
  try {
    return statSync(path).size
  } catch {
    return 0
  }
}

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

/** A file of a walk: a regular file, or a symbolic link (to anything: its target is not looked at). */
type Visit = (path: string, relative: string, entry: Dirent) => void

const walk = (root: string, dir: string, skip: (skipped: FileError.FileError) => void, visit: Visit) => {
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
  // And its path is the directory's, joined once, plus its name: path.join per file was a fifth of the listing.
  const joined = join(dir, "_").slice(0, -1)
  for (const entry of entries) {
    const path = joined + entry.name
    if (entry.isDirectory()) walk(root, path, skip, visit)
    else if (entry.isFile() || entry.isSymbolicLink()) visit(path, prefix + entry.name, entry)
  }
}

/** A walked entry as a {@link LogFile}, stat'ed through links; undefined when it is no regular file or is skipped. */
const statted = (
  path: string,
  rel: string,
  entry: Dirent,
  skip: (skipped: FileError.FileError) => void
): LogFile | undefined => {
  let info: Stats
  try {
    info = statSync(path)
  } catch (cause) {
    // A dangling link names no file: leave it out rather than fail the run. Any other failure (a loop of links,
    // no permission) is a skip with its reason: the other files are still counted.
    const dangling = entry.isSymbolicLink() && cause instanceof Error && "code" in cause && cause.code === "ENOENT"
    if (!dangling) skip(FileError.fromSystemError(path, cause))
    return undefined
  }
  // A link to a directory is not followed (no cycles); only regular files are logs.
  return info.isFile() ? logFile(path, rel, info) : undefined
}
