/**
 * Loads one of `dla`'s CommonJS bundles with a V8 code cache of every function the run compiled. Node's own compile
 * cache (which the launcher also turns on) keeps only what V8 compiles as a module loads, its top level; the
 * functions compiled the first time they are called (most of effect, the NATS client, the program's own) are compiled
 * again in every process. This cache is V8's `createCachedData` taken when the process exits, so the next run of the
 * same command gets them all back already compiled: `dla analyse samples/logs` 100 -> 78 ms, `--nats --workers 2` on
 * 171 MB 763 -> 541 ms (docs/benchmarks.md, "A code cache of the whole run"). (Written here, not taken from
 * `v8-compile-cache`: that package hooks `require` for every module and predates Node's cache directory; ours loads one
 * file and needs ~60 lines.)
 *
 * The cache lives in Node's compile-cache directory (`module.getCompileCacheDir()`, so `NODE_COMPILE_CACHE` moves it
 * and `NODE_DISABLE_COMPILE_CACHE=1` turns it off too), one file per bundle and per `key` (a command: what `analyse`
 * compiles is not what `status` does), named by the bundle's inode, size and change time (not its modification time,
 * which npm sets to one fixed date in every package it unpacks), so a new build never meets an old cache: V8 itself
 * checks only the length of the source a cache was made from. It is written once, by the first run that found none or
 * whose cache V8 rejected (another Node, other flags), through a temporary file and a rename, so ranks starting side
 * by side never read half a file; that first run is the slower for it (it compiles the whole bundle, ~0.1 s for
 * main.cjs, and writes ~2 MB). The directory is trusted
 * as Node trusts it for its own cache (per user, under the user's temporary directory by default). Bun and Deno have
 * no such cache: there the bundle is `require`d.
 */
import { mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs"
import Module, { createRequire } from "node:module"
import { basename, dirname, join } from "node:path"
import vm from "node:vm"

/** What became of the code cache in this load: read and used, to be written at exit, or not in use. */
export type Outcome = "accepted" | "will-write" | "off"

/** The directory to keep caches in, or undefined where there is none (Bun, Deno, a Node without the API, turned off). */
const cacheDirectory = (): string | undefined => {
  if (process.versions.bun !== undefined || process.versions.deno !== undefined) return undefined
  const { getCompileCacheDir } = Module as { getCompileCacheDir?: () => string | undefined }
  return getCompileCacheDir?.()
}

/**
 * Runs the CommonJS bundle `file` as `require` would and returns its exports, with the code cache of `key` (letters,
 * digits and `-`) when Node's compile cache is on. `directory` overrides where caches are kept (tests).
 */
export const load = (
  file: string,
  key: string,
  directory = cacheDirectory()
): { readonly exports: unknown; readonly outcome: Outcome } => {
  if (directory === undefined) return { exports: createRequire(file)(file), outcome: "off" }
  const { ino, size, ctimeMs } = statSync(file)
  const cacheFile = join(directory, `dla-${basename(file)}-${key}-${ino}-${size}-${Math.trunc(ctimeMs)}`)
  let cachedData: Buffer | undefined
  try {
    cachedData = readFileSync(cacheFile)
  } catch {
    // None yet: this run writes it.
  }
  const source = readFileSync(file, "utf8")
  // Not `(function ...)`: V8 compiles a parenthesised function at once, whole, which a first run pays (~30 ms of the
  // ~130 ms it takes to compile main.cjs without a cache).
  const script = new vm.Script(`0, function (exports, require, module, __filename, __dirname) {${source}\n}`, {
    filename: file,
    ...(cachedData === undefined ? {} : { cachedData }),
    importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER
  })
  const accepted = cachedData !== undefined && !script.cachedDataRejected
  if (!accepted) process.once("exit", () => save(script, cacheFile))
  const module = { exports: {} as unknown }
  script.runInThisContext()(module.exports, createRequire(file), module, file, dirname(file))
  return { exports: module.exports, outcome: accepted ? "accepted" : "will-write" }
}

/** Writes the cache of everything the run compiled; a cache that cannot be written is only a slower next start. */
const save = (script: vm.Script, cacheFile: string) => {
  const temporary = `${cacheFile}.${process.pid}`
  const saved = attempt(() => {
    mkdirSync(dirname(cacheFile), { recursive: true })
    writeFileSync(temporary, script.createCachedData())
    renameSync(temporary, cacheFile)
  })
  // A read-only or full directory: the next run compiles as this one did, and a half-written file goes.
  if (!saved) attempt(() => rmSync(temporary, { force: true }))
}

const attempt = (f: () => void) => {
  try {
    f()
    return true
  } catch {
    return false
  }
}
