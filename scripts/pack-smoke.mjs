#!/usr/bin/env node
// `pnpm test:pack`: what docs/install.md tells another project to do, done for real. Packs every public package with
// `pnpm pack` (run `pnpm build` first), installs the tarballs with npm into an empty temp directory, then runs
// scripts/pack-smoke/program.mjs there on Node, Bun and Deno, and the installed `dla` bin on Node. Exits non-zero on
// any failure; the temp directory is removed unless DLA_KEEP_PACK=1.
import { spawnSync } from "node:child_process"
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"

const root = fileURLToPath(new URL("..", import.meta.url))
const work = mkdtempSync(join(tmpdir(), "dla-pack-"))
const tarballs = join(work, "tarballs")
const project = join(work, "project")
mkdirSync(tarballs)
mkdirSync(project)

const run = (what, command, args, cwd) => {
  const began = performance.now()
  const result = spawnSync(command, args, {
    cwd,
    encoding: "utf8",
    timeout: 300_000,
    env: { ...process.env, DENO_NO_UPDATE_CHECK: "1", DENO_NO_PROMPT: "1", npm_config_audit: "false" }
  })
  const seconds = ((performance.now() - began) / 1000).toFixed(1)
  if (result.status !== 0) {
    console.log(`FAIL ${what} (${seconds} s, exit ${result.status ?? result.signal ?? result.error})`)
    console.log(`${result.stdout ?? ""}${result.stderr ?? ""}`.trim().replace(/^/gm, "     | "))
    rmSync(work, { recursive: true, force: true })
    process.exit(1)
  }
  console.log(`ok   ${what} (${seconds} s)`)
  return result.stdout
}

// Every workspace package that is not private: the libraries and the CLI.
const packages = ["packages", "apps"].flatMap((group) =>
  readdirSync(join(root, group), { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => join(root, group, entry.name))
    .filter((dir) => JSON.parse(readFileSync(join(dir, "package.json"), "utf8")).private !== true)
)
for (const dir of packages)
  run(`pnpm pack ${dir.slice(root.length)}`, "pnpm", ["pack", "--pack-destination", tarballs], dir)

writeFileSync(join(project, "package.json"), `${JSON.stringify({ name: "uses-dla", private: true, type: "module" })}\n`)
const files = readdirSync(tarballs).map((name) => join(tarballs, name))
run("npm install <tarballs> in an empty directory", "npm", ["install", "--no-fund", "--no-audit", ...files], project)
copyFileSync(join(root, "scripts", "pack-smoke", "program.mjs"), join(project, "program.mjs"))

const expected = JSON.parse(
  run("node program.mjs", process.execPath, ["program.mjs"], project).trim().split("\n").at(-1)
)
if (expected.lines !== 3000) throw new Error(`program counted ${expected.lines} lines, expected 3000`)
const bin = (name) => join(root, "node_modules", ".bin", name)
for (const [name, command] of [
  ["bun", [bin("bun")]],
  ["deno", [bin("deno"), "run", "--allow-all", "--quiet"]]
]) {
  const out = run(`${name} program.mjs`, command[0], [...command.slice(1), "program.mjs"], project)
  const got = out.trim().split("\n").at(-1)
  if (got !== JSON.stringify(expected)) throw new Error(`${name} printed ${got}, node ${JSON.stringify(expected)}`)
}
const version = run("npx dla --version", "npx", ["--no-install", "dla", "--version"], project).trim()
const cli = JSON.parse(readFileSync(join(root, "apps", "cli", "package.json"), "utf8")).version
if (version !== `dla v${cli}`) throw new Error(`dla --version printed '${version}', expected 'dla v${cli}'`)

if (process.env.DLA_KEEP_PACK === "1") console.log(`kept ${work}`)
else rmSync(work, { recursive: true, force: true })
console.log(`pack smoke: ${packages.length} packages installed from tarballs and used on node, bun and deno`)
