#!/usr/bin/env node
// `pnpm test:pack`: what docs/install.md tells another project to do, done for real. Packs every public package with
// `pnpm pack` (run `pnpm build` first), installs the tarballs with npm into an empty temp directory, then runs
// scripts/pack-smoke/program.mjs there on Node, Bun and Deno, type-checks scripts/pack-smoke/plain.ts (the Promise
// faces, no Effect) against the installed declarations and runs it on the three runtimes as two ranks copying to a
// WebHDFS test server, and runs the installed `dla` bin on Node. Exits non-zero on any failure; the temp directory is
// removed unless DLA_KEEP_PACK=1.
import { execFile, spawnSync } from "node:child_process"
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { promisify } from "node:util"

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
await plainProgram()
const version = run("npx dla --version", "npx", ["--no-install", "dla", "--version"], project).trim()
const cli = JSON.parse(readFileSync(join(root, "apps", "cli", "package.json"), "utf8")).version
if (version !== `dla v${cli}`) throw new Error(`dla --version printed '${version}', expected 'dla v${cli}'`)

if (process.env.DLA_KEEP_PACK === "1") console.log(`kept ${work}`)
else rmSync(work, { recursive: true, force: true })
console.log(
  `pack smoke: ${packages.length} packages installed from tarballs and used on node, bun and deno (with Effect, and without it through the Promise faces)`
)

/**
 * The plain TypeScript program of docs/concepts.md ("Two faces"), with no `effect` import: type-checked against the
 * installed packages' declarations, then run on each runtime as rank 0 (the coordinator: copies its logs to a WebHDFS
 * test server) and as rank 1 (a worker: does not copy). The server answers in this process, so the runs are async.
 */
async function plainProgram() {
  const source = readFileSync(join(root, "scripts", "pack-smoke", "plain.ts"), "utf8")
  if (/["']effect["'/]|["']effect\//.test(source)) throw new Error("plain.ts must not import effect")
  writeFileSync(join(project, "plain.ts"), source)
  const compilerOptions = {
    target: "ES2023",
    lib: ["ES2023"],
    module: "NodeNext",
    moduleResolution: "NodeNext",
    strict: true,
    noEmit: true,
    erasableSyntaxOnly: true,
    verbatimModuleSyntax: true,
    skipLibCheck: true,
    types: ["node"],
    typeRoots: [join(root, "node_modules", "@types")]
  }
  writeFileSync(join(project, "tsconfig.json"), `${JSON.stringify({ compilerOptions, files: ["plain.ts"] })}\n`)
  run("tsc --noEmit plain.ts (against the installed declarations)", bin("tsc"), ["-p", "tsconfig.json"], project)

  const { startWebHdfsCluster } = await import("../packages/hdfs/test/support/WebHdfsServer.ts")
  const cluster = await startWebHdfsCluster()
  const namenode = new URL(cluster.namenodes[0])
  try {
    for (const [name, command] of [
      ["node", [process.execPath]],
      ["bun", [bin("bun")]],
      ["deno", [bin("deno"), "run", "--allow-all", "--quiet"]]
    ]) {
      for (const rank of [0, 1]) {
        const dir = join(work, `plain-${name}-${rank}`)
        mkdirSync(dir)
        const env = {
          ...process.env,
          DENO_NO_UPDATE_CHECK: "1",
          DENO_NO_PROMPT: "1",
          RANK: String(rank),
          LOCAL_RANK: String(rank),
          WORLD_SIZE: "2",
          LOCAL_WORLD_SIZE: "2",
          PLAIN_WORK_DIR: dir,
          PLAIN_DESTINATION: `webhdfs://${namenode.host}/plain/${name}`
        }
        const what = `${name} plain.ts as rank ${rank}`
        const began = performance.now()
        const out = await promisify(execFile)(command[0], [...command.slice(1), "plain.ts"], {
          cwd: project,
          env,
          timeout: 120_000
        }).catch((error) => {
          console.log(`FAIL ${what} (exit ${error.code ?? error.signal})`)
          console.log(`${error.stdout ?? ""}${error.stderr ?? ""}`.trim().replace(/^/gm, "     | "))
          process.exit(1)
        })
        const printed = `${out.stdout}${out.stderr}`
        const got = JSON.parse(out.stdout.trim().split("\n").at(-1))
        const expected = { rank, role: rank === 0 ? "coordinator" : "worker", lines: 3000, copying: rank === 0 }
        for (const [key, value] of Object.entries({ ...expected, copied: rank === 0 ? 3 : 0 })) {
          if (got[key] !== value) throw new Error(`${what}: ${key} is ${got[key]}, expected ${value}\n${printed}`)
        }
        if (!printed.includes("counted 3000 lines in 3 files")) throw new Error(`${what}: no log line\n${printed}`)
        if (printed.includes("job summary") !== (rank === 0)) throw new Error(`${what}: logMaster on rank ${rank}`)
        const rankFile = join(dir, "run", "logs", rank === 0 ? "plain.log" : `plain_${rank}.log`)
        if (!readFileSync(rankFile, "utf8").includes("counted 3000 lines")) throw new Error(`${what}: ${rankFile}`)
        console.log(`ok   ${what} (${((performance.now() - began) / 1000).toFixed(1)} s)`)
      }
      const copied = cluster.files().filter((path) => path.startsWith(`/plain/${name}/`))
      const local = join(work, `plain-${name}-0`, "logs")
      const expected = readdirSync(local).map((file) => `/plain/${name}/${file}`)
      if (JSON.stringify(copied.sort()) !== JSON.stringify(expected.sort())) {
        throw new Error(`${name}: WebHDFS holds ${copied.join(", ")}, expected ${expected.join(", ")}`)
      }
      for (const path of copied) {
        if (!cluster.read(path)?.equals(readFileSync(join(local, path.split("/").at(-1))))) {
          throw new Error(`${name}: ${path} differs from the local file`)
        }
      }
    }
  } finally {
    await cluster.stop()
  }
}
