import { spawnSync } from "node:child_process"
import { mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { afterEach, beforeEach, describe, expect, it } from "vitest"
import * as CodeCache from "../src/internal/CodeCache.ts"

const codeCache = fileURLToPath(new URL("../src/internal/CodeCache.ts", import.meta.url))

// A bundle as esbuild writes one: CommonJS, requiring a built-in and a file beside it, with functions that V8 compiles
// only when they are first called.
const bundle = (answer: number) => `"use strict"
const path = require("node:path")
const { twice } = require("./dep.cjs")
const lazy = (n) => twice(n) + 0
module.exports = { answer: lazy(${answer}), here: path.basename(__dirname) === path.basename(path.dirname(__filename)) }
`

let dir: string
let caches: string
let file: string
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "dla-code-cache-"))
  caches = join(dir, "caches")
  file = join(dir, "bundle.cjs")
  writeFileSync(join(dir, "dep.cjs"), "exports.twice = (n) => n * 2\n")
  writeFileSync(file, bundle(21))
})
afterEach(() => rmSync(dir, { recursive: true, force: true }))

/** Loads the bundle in a new Node process, as the launcher does: the cache is written when that process exits. */
const loadInProcess = () => {
  const script = `import * as CodeCache from ${JSON.stringify(codeCache)}
const { exports, outcome } = CodeCache.load(${JSON.stringify(file)}, "analyse", ${JSON.stringify(caches)})
console.log(JSON.stringify({ exports, outcome }))`
  const child = spawnSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8" })
  expect(child.stderr).toBe("")
  return JSON.parse(child.stdout) as { exports: unknown; outcome: CodeCache.Outcome }
}

describe("CodeCache.load", () => {
  it("writes the cache at the first run's exit and uses it from the second", () => {
    expect(loadInProcess()).toEqual({ exports: { answer: 42, here: true }, outcome: "will-write" })
    const written = readdirSync(caches)
    expect(written).toHaveLength(1)
    expect(written[0]).toMatch(/^dla-bundle\.cjs-analyse-\d+-\d+-\d+$/)
    expect(loadInProcess()).toEqual({ exports: { answer: 42, here: true }, outcome: "accepted" })
    // Nothing rewritten, nothing left behind: one file, the same bytes.
    const bytes = readFileSync(join(caches, written[0]!))
    loadInProcess()
    expect(readdirSync(caches)).toEqual(written)
    expect(readFileSync(join(caches, written[0]!))).toEqual(bytes)
  })

  it("never gives a new build an old build's cache, even of the same length and modification time", async () => {
    const npmDate = new Date("1985-10-26T08:15:00Z") // what npm gives every file it unpacks
    utimesSync(file, npmDate, npmDate)
    loadInProcess()
    await new Promise((resolve) => setTimeout(resolve, 20)) // a change time of its own, whatever the clock's grain
    writeFileSync(file, bundle(12)) // the same length: V8 alone would not tell them apart
    utimesSync(file, npmDate, npmDate)
    expect(loadInProcess()).toEqual({ exports: { answer: 24, here: true }, outcome: "will-write" })
    expect(readdirSync(caches)).toHaveLength(2)
  })

  it("rewrites a cache V8 rejects", () => {
    loadInProcess()
    const [name] = readdirSync(caches)
    writeFileSync(join(caches, name!), "not a code cache")
    expect(loadInProcess().outcome).toBe("will-write")
    expect(loadInProcess().outcome).toBe("accepted")
  })

  it("loads the bundle all the same where no cache can be written", () => {
    writeFileSync(caches, "a file where the directory should be")
    expect(loadInProcess()).toEqual({ exports: { answer: 42, here: true }, outcome: "will-write" })
    expect(readdirSync(dir).filter((name) => name.startsWith("caches"))).toEqual(["caches"])
  })

  it("requires the bundle where there is no cache directory (Bun, Deno, the cache turned off)", () => {
    expect(CodeCache.load(file, "analyse", undefined)).toEqual({ exports: { answer: 42, here: true }, outcome: "off" })
  })
})
