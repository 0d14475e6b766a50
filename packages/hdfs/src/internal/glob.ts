/**
 * Glob expansion for source patterns, in the dialect of core's `Glob` without dot files: `*` and `?` within one path
 * segment (not matching a leading dot), `[...]` classes, `{a,b}` alternatives and `**` for any number of directories
 * (not entering dot directories). Walks only below the pattern's literal prefix; symlinked files count, symlinked
 * directories are not descended by `**` (no loops).
 */
import type { Dirent } from "node:fs"
import { readdir, stat } from "node:fs/promises"
import { isAbsolute, join, resolve, sep } from "node:path"
import { Glob } from "@dla/core"

const MAGIC = /[*?[{]/

const isFile = async (path: string, entry: Dirent) =>
  entry.isFile() ||
  (entry.isSymbolicLink() &&
    (await stat(path).then(
      (s) => s.isFile(),
      () => false
    )))

const entries = (dir: string) => readdir(dir, { withFileTypes: true }).catch(() => [] as Array<Dirent>)

const walk = async (dir: string, segments: ReadonlyArray<string>, index: number, out: Set<string>): Promise<void> => {
  const segment = segments[index]!
  const last = index === segments.length - 1
  if (segment === "**") {
    await walk(dir, segments, index + 1, out)
    for (const entry of await entries(dir)) {
      if (entry.isDirectory() && !entry.name.startsWith(".")) await walk(join(dir, entry.name), segments, index, out)
    }
    return
  }
  if (!MAGIC.test(segment)) {
    const path = join(dir, segment)
    const info = await stat(path).catch(() => undefined)
    if (last && info?.isFile()) out.add(path)
    else if (!last && info?.isDirectory()) await walk(path, segments, index + 1, out)
    return
  }
  // One segment, matched against one name; like a shell, its wildcards leave out dot files.
  const pattern = Glob.toRegExp(segment, { dot: false })
  for (const entry of await entries(dir)) {
    if (!pattern.test(entry.name)) continue
    const path = join(dir, entry.name)
    if (last) {
      if (await isFile(path, entry)) out.add(path)
    } else if (entry.isDirectory() || entry.isSymbolicLink()) await walk(path, segments, index + 1, out)
  }
}

/**
 * The directory below which a pattern's wildcards start (`/tmp/logs` for `/tmp/logs/{a,b}/x.log`, the file's directory
 * for a plain path): the root whose layout `preserveStructure` keeps when no rootDir is given.
 */
export const literalBase = (pattern: string, base: string): string => {
  const segments = (isAbsolute(pattern) ? pattern : resolve(base, pattern)).split(sep).filter((s) => s !== "")
  const firstMagic = segments.findIndex((segment) => MAGIC.test(segment))
  return sep + join(...segments.slice(0, firstMagic === -1 ? segments.length - 1 : firstMagic))
}

/** The regular files matching any of `patterns` (relative ones resolved against `base`), sorted, without repeats. */
export const expand = async (patterns: ReadonlyArray<string>, base: string): Promise<Array<string>> => {
  const out = new Set<string>()
  for (const pattern of patterns) {
    const absolute = isAbsolute(pattern) ? pattern : resolve(base, pattern)
    const segments = absolute.split(sep).filter((s) => s !== "")
    if (segments.at(-1) === "**") segments.push("*")
    await walk(sep, segments, 0, out)
  }
  return [...out].sort()
}
