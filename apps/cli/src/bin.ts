#!/usr/bin/env node
/**
 * The `dla` launcher: it turns on Node's on-disk compile cache before loading the program, so from the second run
 * on, Node skips compiling the bundled CLI (about 50 ms of its start, measured in docs/core.md). Bun and Deno have no
 * such switch and go straight on; `NODE_DISABLE_COMPILE_CACHE=1` turns it off. `dla --version` is answered here, with
 * no program to load (it prints what the program would: `dla v<version>`), and a plain `dla analyse <path>` goes to
 * the quick path first (quick.ts), which counts a small input without loading the program.
 */
import { readFileSync } from "node:fs"
import Module from "node:module"

const args = process.argv.slice(2)
if (args.length === 1 && (args[0] === "--version" || args[0] === "-v")) {
  // Both src/bin.ts and the bundled dist/bin.js sit one directory below package.json.
  const { version } = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"))
  process.stdout.write(`dla v${version}\n`)
} else {
  const { enableCompileCache } = Module as { enableCompileCache?: () => unknown }
  enableCompileCache?.()
  // Computed specifiers: the build leaves them alone instead of bundling the program into the launcher.
  const sibling = (name: string) =>
    new URL(import.meta.url.endsWith(".ts") ? `./${name}.ts` : `./${name}.js`, import.meta.url).href
  // `dla analyse <path> [--json] [--by-file]` of a small input is counted by quick.ts, without the CLI framework.
  const plain = plainAnalyse(args)
  const quick = plain && (await import(sibling("quick")))
  const code: number | undefined = quick ? await quick.run(plain) : undefined
  if (code === undefined) await import(sibling("main"))
  else exitWhenWritten(code)
}

/**
 * Exits as soon as stdout and stderr have taken everything written: left to itself, the process would first run a
 * GC and tear its heap down (20-30 ms of CPU after 20,000 files' results; docs/benchmarks.md). The empty writes call
 * back after the writes before them, so nothing printed is cut (pipes are asynchronous on macOS).
 */
function exitWhenWritten(code: number) {
  process.exitCode = code
  process.stdout.write("", () => process.stderr.write("", () => process.exit()))
}

/** `analyse <path>` with at most `--json` and `--by-file` (each once), or undefined. */
function plainAnalyse(args: ReadonlyArray<string>) {
  const [command, path, ...flags] = args
  if ((command !== "analyse" && command !== "analyze") || path === undefined || path.startsWith("-")) return undefined
  const json = flags.includes("--json")
  const byFile = flags.includes("--by-file")
  return flags.length === Number(json) + Number(byFile) ? { path, json, byFile } : undefined
}
