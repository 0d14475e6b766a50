// Throughput of pino, the dla plain facade and the dla Effect logger, side by side in one process: lines/s and
// bytes/s to a file and to /dev/null. Run with `pnpm bench` (root) or `pnpm --filter @dla/logger bench`.
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { Effect } from "effect"
import pino from "pino"
import { EffectLogger, Logging } from "../src/index.ts"

const LINES = Number(process.env.BENCH_LINES ?? 200_000)
// The machine is shared: each figure is the best of a few rounds, contenders taking turns.
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3)
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dla-logger-bench-"))
const context = {
  launcher: "torchrun",
  role: "worker",
  rank: 3,
  localRank: 1,
  worldSize: 8,
  localWorldSize: 4,
  nodeRank: 0,
  nodeId: "bench",
  isMaster: false,
  isDistributed: true
} as const

/** A file target is a run dir: every logger writes `<runDir>/logs/dla_3.log` (the facade's name for rank 3). */
type Target = { readonly kind: "file"; readonly runDir: string } | { readonly kind: "null" }
const fileOf = (runDir: string) => path.join(runDir, "logs", "dla_3.log")

interface Contender {
  readonly name: string
  /** Sets up a logger writing to `target`; returns the log call and the teardown that flushes. */
  readonly setup: (target: Target) => { readonly run: (n: number) => void; readonly close: () => void }
}

const devNull = () => fs.openSync("/dev/null", "w")

const pinoWith =
  (minLength: number): Contender["setup"] =>
  (target) => {
    const destination = pino.destination({
      dest: target.kind === "file" ? fileOf(target.runDir) : "/dev/null",
      mkdir: true,
      sync: true,
      minLength
    })
    const log = pino({ base: { rank: 3 } }, destination)
    return {
      run: (n) => {
        for (let i = 0; i < n; i++) log.info(`step ${i} done`)
      },
      close: () => destination.flushSync()
    }
  }

const facadeSetup: Contender["setup"] = (target) => {
  const fd = target.kind === "null" ? devNull() : undefined
  const log = Logging.forceReset({
    context,
    env: {},
    // The file name and line shape the comparison was measured with (the defaults are the script's name, no rank).
    name: "dla",
    showRank: true,
    ...(target.kind === "file" ? { runDir: target.runDir, console: false } : { consoleFd: fd })
  })
  return {
    run: (n) => {
      for (let i = 0; i < n; i++) log.info(`step ${i} done`)
    },
    close: () => {
      Logging.shutdown()
      if (fd !== undefined) fs.closeSync(fd)
    }
  }
}

const effectSetup: Contender["setup"] = (target) => {
  const facade = facadeSetup(target)
  const loop = (n: number) =>
    Effect.gen(function* () {
      for (let i = 0; i < n; i++) yield* Effect.log(`step ${i} done`)
    }).pipe(Effect.provide(EffectLogger.layer()))
  return { run: (n) => Effect.runSync(loop(n)), close: facade.close }
}

const contenders: ReadonlyArray<Contender> = [
  { name: "pino (sync, line by line)", setup: pinoWith(0) },
  { name: "pino (sync, 16 KiB buffer)", setup: pinoWith(16 * 1024 - 1) },
  { name: "dla facade", setup: facadeSetup },
  { name: "dla Effect logger", setup: effectSetup }
]

interface Result {
  readonly linesPerSecond: number
  readonly bytesPerSecond: number
}

let round = 0
const measure = (contender: Contender, kind: Target["kind"]): Result => {
  const runDir = path.join(dir, `${round++}`)
  const target: Target = kind === "file" ? { kind, runDir } : { kind }
  // Warm up on a throwaway target so the JIT sees the hot path before timing.
  const warm = contender.setup(kind === "file" ? { kind, runDir: `${runDir}-warm` } : { kind })
  warm.run(20_000)
  warm.close()
  const logger = contender.setup(target)
  const started = performance.now()
  logger.run(LINES)
  logger.close()
  const seconds = (performance.now() - started) / 1000
  // /dev/null keeps no bytes: count a sample run's output to a file instead.
  let bytes: number
  if (kind === "file") bytes = fs.statSync(fileOf(runDir)).size
  else {
    const probe = contender.setup({ kind: "file", runDir })
    probe.run(LINES)
    probe.close()
    bytes = fs.statSync(fileOf(runDir)).size
  }
  for (const used of [runDir, `${runDir}-warm`]) fs.rmSync(used, { recursive: true, force: true })
  return { linesPerSecond: LINES / seconds, bytesPerSecond: bytes / seconds }
}

/** The facade with node-local aggregation on and nothing else: every record is one JSON line, one write. */
const measureMessageFiles = (): Result => {
  const tmpDir = path.join(dir, `messages-${round++}`)
  // Local rank 1: this process writes message files, and runs no aggregator.
  const log = Logging.forceReset({
    context: { ...context, localRank: 1 },
    console: false,
    env: { DLA_NODE_LOCAL_TMPDIR: tmpDir }
  })
  const started = performance.now()
  for (let i = 0; i < LINES; i++) log.info(`step ${i} done`)
  Logging.shutdown()
  const seconds = (performance.now() - started) / 1000
  const messageDir = path.join(tmpDir, fs.readdirSync(tmpDir)[0]!)
  const bytes = fs.readdirSync(messageDir).reduce((sum, file) => sum + fs.statSync(path.join(messageDir, file)).size, 0)
  fs.rmSync(tmpDir, { recursive: true, force: true })
  return { linesPerSecond: LINES / seconds, bytesPerSecond: bytes / seconds }
}

const best = (a: Result | undefined, b: Result): Result =>
  a === undefined || b.linesPerSecond > a.linesPerSecond ? b : a
const results = new Map<string, Record<Target["kind"], Result>>()
let messageFiles: Result | undefined
try {
  for (let i = 0; i < ROUNDS; i++) {
    messageFiles = best(messageFiles, measureMessageFiles())
    for (const contender of contenders) {
      const previous = results.get(contender.name)
      results.set(contender.name, {
        file: best(previous?.file, measure(contender, "file")),
        null: best(previous?.null, measure(contender, "null"))
      })
    }
  }
} finally {
  fs.rmSync(dir, { recursive: true, force: true })
}

const k = (n: number) => `${(n / 1000).toFixed(0)}k`
const mb = (n: number) => `${(n / 1e6).toFixed(1)} MB/s`
console.log(
  `@dla/logger throughput, ${LINES} lines, best of ${ROUNDS} rounds, node ${process.version}, ${os.cpus().length} cores`
)
console.log("| logger | file lines/s | file bytes/s | /dev/null lines/s | /dev/null bytes/s |")
console.log("|---|---:|---:|---:|---:|")
for (const [name, r] of results) {
  console.log(
    `| ${name} | ${k(r.file.linesPerSecond)} | ${mb(r.file.bytesPerSecond)} | ${k(r.null.linesPerSecond)} | ${mb(r.null.bytesPerSecond)} |`
  )
}
// Each ratio is against the faster pino set-up for that target.
const pinoBest = (kind: Target["kind"]) =>
  Math.max(...[...results].filter(([name]) => name.startsWith("pino")).map(([, r]) => r[kind].linesPerSecond))
for (const [name, target] of [
  ["dla facade", 1.5],
  ["dla Effect logger", 3]
] as const) {
  const r = results.get(name)!
  const ratio = (kind: Target["kind"]) => (pinoBest(kind) / r[kind].linesPerSecond).toFixed(2)
  console.log(
    `${name}: best pino / dla lines per second = ${ratio("file")} to a file, ${ratio("null")} to /dev/null ` +
      `(target: at most ${target})`
  )
}
console.log(
  `dla facade, node-local message files only (DLA_NODE_LOCAL_TMPDIR, one write per record): ` +
    `${k(messageFiles!.linesPerSecond)} lines/s, ${mb(messageFiles!.bytesPerSecond)}`
)
