/**
 * `pnpm bench` for @dla/core: the WHOLE `dla analyse` process (start, listing, counting, report) against `grep -c`
 * (and `rg -c` when installed) on the same input, in one run, on the three shapes the targets name (issue 12):
 *
 * - 20 files of generator-format logs (about 190 MB), target >= 1.0x grep;
 * - one file of about 1.1 GB, target >= 1.0x grep;
 * - 20,000 files of 20 lines, target >= 0.33x `grep -rc`;
 *
 * plus the peak RSS of each `dla analyse` (target <= 150 MB) and the start-up of `dla --version` and
 * `dla analyse samples/logs` (target <= 80 ms). Commands take turns within each round, so a busy spell on a shared
 * machine hits them alike; each prints its median. Every run checks dla's ERROR count against grep's.
 *
 * Corpora are generated once into bench-data/ at the repository root (git-ignored) and reused. `--quick` runs fewer
 * rounds.
 */
import { spawnSync } from "node:child_process"
import { existsSync, rmSync, writeFileSync } from "node:fs"
import { availableParallelism, loadavg } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import * as Effect from "effect/Effect"
import { FileAnalysis, Generator, LogFiles } from "../src/index.ts"

const repo = fileURLToPath(new URL("../../../", import.meta.url))
const quick = process.argv.includes("--quick")
const rounds = (n: number) => (quick ? Math.min(n, 3) : n)

interface Corpus {
  readonly name: string
  readonly dir: string
  readonly files: number
  readonly lines: number
  /** grep's flags: `-c` with the file list, `-rc` for a tree of many files. */
  readonly recursive: boolean
  readonly target: number
  readonly rounds: number
}

const corpora: ReadonlyArray<Corpus> = [
  { name: "20 files", dir: "core-20-files", files: 20, lines: 160_000, recursive: false, target: 1, rounds: 7 },
  { name: "one 1.1 GB file", dir: "core-1gb", files: 1, lines: 18_000_000, recursive: false, target: 1, rounds: 3 },
  {
    name: "20,000 x 20 lines",
    dir: "core-20k-small",
    files: 20_000,
    lines: 20,
    recursive: true,
    target: 0.33,
    rounds: 5
  }
]

const prepare = async (corpus: Corpus) => {
  const dir = join(repo, "bench-data", corpus.dir)
  const marker = join(dir, ".complete")
  if (existsSync(marker)) return dir
  rmSync(dir, { recursive: true, force: true })
  process.stderr.write(`bench: generating ${corpus.files} files x ${corpus.lines} lines into ${dir} (once)\n`)
  await Effect.runPromise(Generator.generate(dir, { files: corpus.files, lines: corpus.lines, seed: 1 }))
  writeFileSync(marker, "")
  return dir
}

interface Run {
  readonly ms: number
  readonly stdout: string
  /** Peak resident set size of the process, in MB. */
  readonly rssMb: number
  /** CPU time of the process (user + system), in seconds: on a busy machine, steadier than the wall time. */
  readonly cpuS: number
}

/** Runs a command under /usr/bin/time for its peak RSS; a non-zero exit fails the bench (grep's 1 means no match). */
const timed = (command: ReadonlyArray<string>): Run => {
  const began = performance.now()
  const run = spawnSync("/usr/bin/time", ["-f", "%U %S %M", ...command], { encoding: "utf8", maxBuffer: 64 << 20 })
  const ms = performance.now() - began
  if (run.status !== 0 && !(command[0] === "grep" && run.status === 1)) {
    throw new Error(`${command.join(" ")} exited ${run.status}: ${run.stderr}`)
  }
  const [user, system, rssKb] = run.stderr.trim().split("\n").at(-1)!.split(" ").map(Number)
  return { ms, stdout: run.stdout, rssMb: rssKb! / 1024, cpuS: user! + system! }
}

const median = (values: ReadonlyArray<number>) => {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

const has = (command: string) => spawnSync(command, ["--version"], { stdio: "ignore" }).status === 0
const built = join(repo, "apps/cli/dist/bin.cjs")
if (!existsSync(built)) throw new Error("bench: build the CLI first (pnpm build)")
const dla = [process.execPath, built]
const rg = has("rg")

console.log(
  `machine: ${availableParallelism()} cores, load average ${loadavg()
    .map((l) => l.toFixed(2))
    .join(" ")}; ${process.version}; dla: ${built}`
)
const verdict = (ok: boolean) => (ok ? "ok" : "MISSED")
let mismatches = 0

for (const corpus of corpora) {
  const dir = await prepare(corpus)
  const grep = corpus.recursive ? ["grep", "-rc", "\\[ERROR\\]", dir] : ["grep", "-c", "\\[ERROR\\]", "-r", dir]
  const contenders = [
    { name: "dla analyse", command: [...dla, "analyse", dir, "--json"] },
    { name: corpus.recursive ? "grep -rc" : "grep -c", command: grep },
    ...(rg ? [{ name: "rg -c", command: ["rg", "-c", "\\[ERROR\\]", dir] }] : [])
  ]
  spawnSync("grep", ["-rc", "x", dir], { stdio: "ignore" }) // warm the page cache
  const times = contenders.map(() => [] as Array<number>)
  const rss = contenders.map(() => [] as Array<number>)
  const cpu = contenders.map(() => [] as Array<number>)
  let dlaErrors = 0
  let grepErrors = 0
  // Which engine the default run chose (the quick path's sequential analyser for a small input, else embedded).
  let dlaMode = ""

  for (let round = 0; round < rounds(corpus.rounds); round++) {
    contenders.forEach((contender, i) => {
      const run = timed(contender.command)
      times[i]!.push(run.ms)
      rss[i]!.push(run.rssMb)
      cpu[i]!.push(run.cpuS)
      if (i === 0)
        ({
          mode: dlaMode,
          levels: { ERROR: dlaErrors = 0 }
        } = JSON.parse(run.stdout))
      if (i === 1) {
        grepErrors = run.stdout
          .trim()
          .split("\n")
          .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(":") + 1)), 0)
      }
    })
  }
  const dlaMs = median(times[0]!)
  const grepMs = median(times[1]!)
  const dlaRss = Math.max(...rss[0]!)
  if (dlaErrors !== grepErrors) mismatches++
  console.log(`\n${corpus.name} (${dir}), median of ${times[0]!.length}; dla's engine: ${dlaMode}`)
  contenders.forEach((contender, i) => {
    console.log(
      `  ${contender.name.padEnd(12)} ${(median(times[i]!) / 1000).toFixed(3).padStart(7)} s  ` +
        `CPU ${median(cpu[i]!).toFixed(2).padStart(5)} s  peak RSS ${Math.max(...rss[i]!)
          .toFixed(0)
          .padStart(4)} MB`
    )
  })
  if (corpus.recursive) {
    // What the analyser's scheduler can build on: listing plus one analyseBatch call in this process (no start-up,
    // one thread), against grep's whole process.
    const batchMs: Array<number> = []
    for (let round = 0; round < rounds(corpus.rounds); round++) {
      const began = performance.now()
      const files = await Effect.runPromise(LogFiles.list(dir))
      await FileAnalysis.analyseBatch(files.map((file) => ({ path: file.path })))
      batchMs.push(performance.now() - began)
    }
    console.log(
      `  core: LogFiles.list + FileAnalysis.analyseBatch in process, one thread: ${(median(batchMs) / 1000).toFixed(3)} s ` +
        `(${(grepMs / median(batchMs)).toFixed(2)}x grep -rc)`
    )
  }
  const ratio = grepMs / dlaMs
  console.log(
    `  ratio dla / ${contenders[1]!.name}: ${ratio.toFixed(2)}x (target >= ${corpus.target}x: ${verdict(ratio >= corpus.target)}); ` +
      `peak RSS ${dlaRss.toFixed(0)} MB (target <= 150: ${verdict(dlaRss <= 150)}); ` +
      `ERROR lines dla ${dlaErrors}, grep ${grepErrors}: ${dlaErrors === grepErrors ? "equal" : "MISMATCH"}; ` +
      `CPU ratio: ${(median(cpu[1]!) / median(cpu[0]!)).toFixed(2)}x`
  )
}

// Start-up: the smallest commands, many rounds.
const startup = [
  { name: "node -e 0", command: [process.execPath, "-e", "0"] },
  { name: "dla --version", command: [...dla, "--version"] },
  { name: "dla analyse samples/logs", command: [...dla, "analyse", join(repo, "samples/logs")] }
]
const startTimes = startup.map(() => [] as Array<number>)
const startCpu = startup.map(() => [] as Array<number>)
for (let round = 0; round < rounds(15); round++) {
  startup.forEach((entry, i) => {
    const run = timed(entry.command)
    startTimes[i]!.push(run.ms)
    startCpu[i]!.push(run.cpuS * 1000)
  })
}
console.log(`\nstart-up, median of ${startTimes[0]!.length} (CPU: user + system, 10 ms steps):`)
startup.forEach((entry, i) => {
  const ms = median(startTimes[i]!)
  const target = i === 0 ? "" : ` (target <= 80 ms: ${verdict(ms <= 80)})`
  console.log(
    `  ${entry.name.padEnd(26)} ${ms.toFixed(0).padStart(5)} ms  CPU ${median(startCpu[i]!).toFixed(0).padStart(4)} ms${target}`
  )
})
if (mismatches > 0) {
  console.error(`bench: dla's ERROR count differs from grep's on ${mismatches} corpus(es)`)
  process.exit(1)
}
