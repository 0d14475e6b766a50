// Smoke test of the built `dla` binary on the runtime that runs it (Node, Bun or Deno): see scripts/runtime-smoke.mjs.
import assert from "node:assert/strict"
import { spawnSync } from "node:child_process"
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { gzipSync } from "node:zlib"

const [command, ...prefix] = JSON.parse(process.env.DLA_RUNTIME_COMMAND ?? JSON.stringify([process.execPath]))
const bin = fileURLToPath(new URL("../dist/bin.cjs", import.meta.url))
const dla = (...args) => spawnSync(command, [...prefix, bin, ...args], { encoding: "utf8", timeout: 60_000 })
const dlaWithInput = (input, ...args) =>
  spawnSync(command, [...prefix, bin, ...args], { input, encoding: "utf8", timeout: 60_000 })

const dir = mkdtempSync(join(tmpdir(), "dla-smoke-cli-"))
try {
  const generated = dla("generate", dir, "--files", "3", "--lines", "400", "--seed", "11")
  assert.equal(generated.status, 0, generated.stderr)

  const expected = {}
  for (const name of readdirSync(dir)) {
    for (const [, level] of readFileSync(join(dir, name), "utf8").matchAll(/^\[[^\]]*\] \[([A-Z]+)\]/gm)) {
      expected[level] = (expected[level] ?? 0) + 1
    }
  }
  const analysed = dla("analyse", dir, "--json")
  assert.equal(analysed.status, 0, analysed.stderr)
  const json = JSON.parse(analysed.stdout)
  for (const [level, count] of Object.entries(expected)) assert.equal(json.levels[level], count, level)
  assert.equal(json.lines, 1200)
  assert.equal(json.filesProcessed, 3)

  // Standard input (gzip here), and the same counts from the --sequential engine with an xz file skipped.
  const first = readFileSync(join(dir, readdirSync(dir).sort()[0]))
  const piped = dlaWithInput(gzipSync(first), "analyse", "-", "--json")
  assert.equal(piped.status, 0, piped.stderr)
  assert.equal(JSON.parse(piped.stdout).lines, 400)
  writeFileSync(join(dir, "old.log.xz"), new Uint8Array([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00, 0, 4]))
  const sequential = dla("analyse", dir, "--sequential", "--json")
  assert.equal(sequential.status, 0, sequential.stderr)
  assert.match(sequential.stderr, /old\.log\.xz: compressed with xz: not supported/)
  assert.deepEqual(JSON.parse(sequential.stdout).levels, json.levels)
  // The launcher's quick path (a plain `dla analyse`) loads the logger by its first warning.
  const quick = dla("analyse", dir, "--json")
  assert.equal(quick.status, 0, quick.stderr)
  assert.match(
    quick.stderr,
    /^\[\d\d:\d\d:\d\d\.\d{3}\] WARN {5}skipped .*old\.log\.xz: compressed with xz: not supported$/m
  )
  assert.deepEqual(JSON.parse(quick.stdout).levels, json.levels)
  rmSync(join(dir, "old.log.xz"))

  const text = dla("analyse", dir)
  assert.match(text.stdout, /^Total time: \d+\.\d{2}s$/m)

  const missing = dla("analyse", join(dir, "missing"))
  assert.equal(missing.status, 1)
  assert.match(missing.stderr, /^dla: .*no such file or directory/)
  assert.equal(missing.stderr.trim().split("\n").length, 1)

  const usage = dla("generate", dir, "--files", "many")
  assert.equal(usage.status, 2)

  // On Node the bundles load with a code cache of the whole run (CodeCache.ts), written in Node's compile-cache
  // directory by the first run of each command and read by the next, whose results are the same.
  if ((process.env.DLA_RUNTIME ?? "node") === "node") {
    const caches = join(dir, "compile-cache")
    const cached = (...args) =>
      spawnSync(command, [...prefix, bin, ...args], {
        encoding: "utf8",
        timeout: 60_000,
        env: { ...process.env, NODE_COMPILE_CACHE: caches }
      })
    const runs = [1, 2].map(() => [cached("analyse", dir, "--json"), cached("analyse", dir, "--sequential", "--json")])
    for (const run of runs.flat()) assert.equal(run.status, 0, run.stderr)
    const levels = runs.flat().map((run) => JSON.parse(run.stdout).levels)
    for (const other of levels) assert.deepEqual(other, json.levels)
    const written = readdirSync(caches, { recursive: true }).map(String)
    assert.ok(
      written.some((name) => /dla-quick\.cjs-quick-/.test(name)),
      written.join(", ")
    )
    assert.ok(
      written.some((name) => /dla-main\.cjs-analyse-/.test(name)),
      written.join(", ")
    )
  }
} finally {
  rmSync(dir, { recursive: true, force: true })
}
console.log(`cli smoke ok on ${process.env.DLA_RUNTIME ?? "node"}`)
