// Smoke test of the BUILT package (dist/) under node, bun and deno: the facade, the Effect logger, per-rank files
// and node-local aggregation, with only node: builtins. Exits non-zero with one line per failure.
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { Effect } from "effect"
import { Aggregator, EffectLogger, Logging } from "../dist/index.js"

const runtime = typeof globalThis.Deno !== "undefined" ? "deno" : typeof globalThis.Bun !== "undefined" ? "bun" : "node"
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dla-logger-smoke-"))
const failures = []
const check = (ok, what) => {
  if (!ok) failures.push(what)
}

try {
  const runDir = path.join(dir, "run")
  const nodeTmp = path.join(dir, "node-tmp")
  const consoleFile = path.join(dir, "console.txt")
  const consoleFd = fs.openSync(consoleFile, "a")
  const env = { RANK: "2", LOCAL_RANK: "0", WORLD_SIZE: "4", LOCAL_WORLD_SIZE: "2", DLA_NODE_LOCAL_TMPDIR: nodeTmp }
  const log = Logging.initLogging({ runDir, name: "smoke", consoleFd, env, showRank: true })
  log.info("plain line", { step: 1 })
  Logging.getLogger("io").warn("component line")
  Logging.logMaster("never on rank 2")
  Effect.runSync(Effect.log("effect line").pipe(Effect.annotateLogs("epoch", 3), Effect.provide(EffectLogger.layer())))
  // The logging-helpers guide's getNodeRank() is the process's rank; the node's index is getNodeIndex().
  check(Logging.getNodeRank() === 2, `getNodeRank() is ${Logging.getNodeRank()}, expected 2`)
  check(Logging.getNodeIndex() === 1, `getNodeIndex() is ${Logging.getNodeIndex()}, expected 1`)
  Logging.shutdown()
  fs.closeSync(consoleFd)

  const consoleText = fs.readFileSync(consoleFile, "utf8")
  check(/^\[\d\d:\d\d:\d\d\.\d{3}\] \[2\] INFO {5}plain line step=1$/m.test(consoleText), "console line format")
  check(!consoleText.includes("never on rank 2"), "logMaster printed on rank 2")
  const rankFile = fs.readFileSync(path.join(runDir, "logs", "smoke_2.log"), "utf8")
  for (const text of ["plain line step=1", "io: component line", "effect line epoch=3"]) {
    check(rankFile.includes(text), `per-rank file lacks "${text}"`)
  }
  const nodeFiles = fs.readdirSync(path.join(runDir, "logs")).filter((f) => /^smoke_node_.*\.log$/.test(f))
  check(nodeFiles.length === 1, `expected one node file, found ${nodeFiles.join(", ")}`)
  if (nodeFiles.length === 1) {
    const nodeFile = path.join(runDir, "logs", nodeFiles[0])
    const lines = fs.readFileSync(nodeFile, "utf8").trimEnd().split("\n")
    check(lines.length === 3, `node file has ${lines.length} lines, expected 3`)
    check(
      lines.every((line) => line.includes("[workload:2(0)]")),
      "node file lines lack workload:2(0)"
    )
    const messageDir = path.join(nodeTmp, fs.readdirSync(nodeTmp)[0])
    const again = Aggregator.make({ tmpDir: messageDir, file: nodeFile, maxFileBytes: 1 << 20, maxFiles: 2 })
    check(again.drain() === 0, "a restarted aggregator wrote lines again")
    again.close()
  }
} catch (error) {
  failures.push(`threw: ${error?.stack ?? error}`)
} finally {
  fs.rmSync(dir, { recursive: true, force: true })
}

if (failures.length > 0) {
  for (const failure of failures) console.error(`@dla/logger smoke (${runtime}): ${failure}`)
  process.exit(1)
}
console.log(`@dla/logger smoke (${runtime}): ok`)
