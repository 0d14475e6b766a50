#!/usr/bin/env node
// `pnpm test:runtimes`: runs every packages/*/runtime-tests/smoke.mjs and apps/*/runtime-tests/smoke.mjs under Node,
// Bun and Deno (the latter two from the `bun` and `deno` npm packages), against the BUILT packages (run `pnpm build`
// first). A smoke file gets the command that runs a script on its runtime in DLA_RUNTIME_COMMAND (a JSON array), so it
// can start child processes on the same runtime; it exits non-zero on failure.
import { spawnSync } from "node:child_process"
import { existsSync, readdirSync } from "node:fs"
import { join, relative } from "node:path"
import { fileURLToPath } from "node:url"

const root = fileURLToPath(new URL("..", import.meta.url))
const bin = (name) => join(root, "node_modules", ".bin", name)
const runtimes = [
  { name: "node", command: [process.execPath] },
  { name: "bun", command: [bin("bun")] },
  { name: "deno", command: [bin("deno"), "run", "--allow-all", "--quiet"] }
]
const TIMEOUT_MS = 120_000

const smokeFiles = ["packages", "apps"].flatMap((group) =>
  readdirSync(join(root, group), { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => join(root, group, entry.name, "runtime-tests", "smoke.mjs"))
    .filter((file) => existsSync(file))
)
const unbuilt = smokeFiles.map((file) => join(file, "..", "..")).filter((pkg) => !existsSync(join(pkg, "dist")))
if (unbuilt.length > 0) {
  console.error(
    `runtime-smoke: no dist/ in ${unbuilt.map((p) => relative(root, p)).join(", ")}: run 'pnpm build' first`
  )
  process.exit(1)
}

let passed = 0
let failed = 0
for (const runtime of runtimes) {
  const version = spawnSync(runtime.command[0], ["--version"], { encoding: "utf8" })
  if (version.status !== 0) {
    console.error(
      `runtime-smoke: ${runtime.name} does not start (${runtime.command[0]}): ${version.error ?? version.stderr}`
    )
    failed += smokeFiles.length
    continue
  }
  for (const file of smokeFiles) {
    const began = performance.now()
    const run = spawnSync(runtime.command[0], [...runtime.command.slice(1), file], {
      cwd: join(file, ".."),
      encoding: "utf8",
      timeout: TIMEOUT_MS,
      env: {
        ...process.env,
        DLA_RUNTIME: runtime.name,
        DLA_RUNTIME_COMMAND: JSON.stringify(runtime.command),
        DENO_NO_UPDATE_CHECK: "1",
        DENO_NO_PROMPT: "1"
      }
    })
    const seconds = ((performance.now() - began) / 1000).toFixed(1)
    const name = `${runtime.name.padEnd(5)} ${relative(root, file)}`
    if (run.status === 0) {
      passed++
      console.log(`ok   ${name} (${seconds} s)`)
    } else {
      failed++
      console.log(`FAIL ${name} (${seconds} s, exit ${run.status ?? run.signal})`)
      console.log(`${run.stdout}${run.stderr}`.trim().replace(/^/gm, "     | "))
    }
  }
}
console.log(`runtime smoke: ${passed} passed, ${failed} failed`)
process.exit(failed === 0 ? 0 : 1)
