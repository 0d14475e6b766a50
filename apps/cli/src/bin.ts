#!/usr/bin/env node
/**
 * The `dla` launcher: it turns on Node's on-disk compile cache before loading the program, so from the second run
 * on, Node skips compiling the bundled CLI (about 50 ms of its start, measured in docs/core.md). Bun and Deno have no
 * such switch and go straight on; `NODE_DISABLE_COMPILE_CACHE=1` turns it off. `dla --version` is answered here, with
 * no program to load (it prints what the program would: `dla v<version>`).
 */
import { readFileSync } from "node:fs"
import * as Module from "node:module"

const args = process.argv.slice(2)
if (args.length === 1 && (args[0] === "--version" || args[0] === "-v")) {
  // Both src/bin.ts and the bundled dist/bin.js sit one directory below package.json.
  const { version } = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"))
  process.stdout.write(`dla v${version}\n`)
} else {
  const { enableCompileCache } = Module as { enableCompileCache?: () => unknown }
  enableCompileCache?.()
  // A computed specifier: the build leaves it alone instead of bundling the program into the launcher.
  const program = new URL(import.meta.url.endsWith(".ts") ? "./main.ts" : "./main.js", import.meta.url).href
  await import(program)
}
