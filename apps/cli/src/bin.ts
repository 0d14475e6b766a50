#!/usr/bin/env node
/**
 * The `dla` launcher: it turns on Node's on-disk compile cache, then loads the program. `dla --version` is answered
 * here, with no program to load (it prints what the program would: `dla v<version>`), and a plain
 * `dla analyse <path>` goes to the quick path first (quick.ts), which counts a small input without loading the
 * program. Built, it is a CommonJS script (`dist/bin.cjs`: no ES module loader to start, ~10 ms) that loads the
 * program's CommonJS bundles with a code cache of the whole run (internal/CodeCache.ts); run from its sources (the
 * tests), it imports them. Bun and Deno have no compile cache and go straight on; `NODE_DISABLE_COMPILE_CACHE=1`
 * turns both caches off.
 */
import { readFileSync } from "node:fs"
import Module from "node:module"
import { fileURLToPath } from "node:url"
import * as CodeCache from "./internal/CodeCache.ts"
import * as Stdio from "./internal/Stdio.ts"

const args = process.argv.slice(2)
const fromSources = import.meta.url.endsWith(".ts")

if (args.length === 1 && (args[0] === "--version" || args[0] === "-v")) {
  // Both src/bin.ts and the bundled dist/bin.cjs sit one directory below package.json.
  const { version } = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"))
  process.stdout.write(`dla v${version}\n`)
} else {
  const { enableCompileCache } = Module as { enableCompileCache?: () => unknown }
  enableCompileCache?.()
  // `dla analyse <path> [--json] [--by-file]` of a small input is counted by quick.ts, without the CLI framework.
  const plain = plainAnalyse(args)
  if (plain) Stdio.watch()
  const quick = plain ? program<typeof import("./quick.ts")>("quick", "quick") : Promise.resolve(undefined)
  quick
    .then((quick) => (quick && plain ? quick.run(plain) : undefined))
    .then((code) => (code === undefined ? program("main", commandOf(args)) : exitWhenWritten(code)))
}

/**
 * Loads `name` (quick or main): built, the CommonJS bundle beside this script with the code cache of `key`;
 * from the sources, its module. (Computed specifiers: the build leaves them alone instead of bundling them in.)
 */
function program<Exports>(name: string, key: string): Promise<Exports> {
  if (fromSources) return import(new URL(`./${name}.ts`, import.meta.url).href)
  return Promise.resolve(
    CodeCache.load(fileURLToPath(new URL(`./${name}.cjs`, import.meta.url)), key).exports as Exports
  )
}

/**
 * The key of a run's code cache: its command, and whether it works over NATS (the NATS client's code is a large
 * part of what such a run compiles). One cache per key, so each command's first run writes the cache its later runs read.
 */
function commandOf(args: ReadonlyArray<string>) {
  const command = args.find((arg) => !arg.startsWith("-")) ?? "none"
  const overNats = process.env.NATS_URL !== undefined || args.some((arg) => arg.startsWith("--nats"))
  return `${/^[a-z-]{1,20}$/.test(command) ? command : "other"}${overNats ? "-nats" : ""}`
}

/**
 * Exits as soon as stdout and stderr have taken everything written: left to itself, the process would first run a
 * GC and tear its heap down (20-30 ms of CPU after 20,000 files' results; docs/benchmarks.md).
 */
function exitWhenWritten(code: number) {
  process.exitCode = code
  Stdio.whenWritten(() => process.exit())
}

/** `analyse <path>` with at most `--json` and `--by-file` (each once), or undefined. */
function plainAnalyse(args: ReadonlyArray<string>) {
  const [command, path, ...flags] = args
  if ((command !== "analyse" && command !== "analyze") || path === undefined || path.startsWith("-")) return undefined
  const json = flags.includes("--json")
  const byFile = flags.includes("--by-file")
  return flags.length === Number(json) + Number(byFile) ? { path, json, byFile } : undefined
}
