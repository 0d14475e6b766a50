#!/usr/bin/env node
/**
 * The `dla` launcher: it turns on Node's on-disk compile cache before loading the program, so from the second run
 * on, Node skips compiling the bundled CLI (about 50 ms of its ~0.25 s start, measured in docs/core.md). Bun and
 * Deno have no such switch and go straight on; `NODE_DISABLE_COMPILE_CACHE=1` turns it off.
 */
import * as Module from "node:module"

const { enableCompileCache } = Module as { enableCompileCache?: () => unknown }
enableCompileCache?.()
// A computed specifier: the build leaves it alone instead of bundling the program into the launcher.
const program = new URL(import.meta.url.endsWith(".ts") ? "./main.ts" : "./main.js", import.meta.url).href
await import(program)
