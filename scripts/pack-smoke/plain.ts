// A plain TypeScript program (no `effect` anywhere in it): each package's Promise face, `@dla/<package>/promise`, as
// docs/concepts.md ("Two faces") describes. scripts/pack-smoke.mjs installs the packed packages into an empty npm
// project, type-checks this file against their declarations (tsc --noEmit) and runs it on Node, Bun and Deno, once
// as rank 0 and once as rank 1, copying to a WebHDFS test server. Input: PLAIN_WORK_DIR (a fresh directory) and
// PLAIN_DESTINATION (a webhdfs:// URL); the launcher's variables (RANK, WORLD_SIZE...) give the rank.
import { join } from "node:path"
import { DirectoryAnalysis, DistributedContext, Generator } from "@dla/core/promise"
import { HdfsCopier } from "@dla/hdfs/promise"
import { Logging } from "@dla/logger/promise"

const work = process.env.PLAIN_WORK_DIR
const destination = process.env.PLAIN_DESTINATION
if (work === undefined || destination === undefined) throw new Error("set PLAIN_WORK_DIR and PLAIN_DESTINATION")

// Who am I: the launcher's variables, read once.
const context = await DistributedContext.fromEnv()

// Analyse a directory.
const logs = join(work, "logs")
await Generator.generate(logs, { files: 3, lines: 1000, seed: 1 })
const result = await DirectoryAnalysis.analyse(logs)

// Log by rank: every line carries the rank, rank 0 alone prints the job's summary, each rank has its own file.
const log = Logging.initLogging({ name: "plain", runDir: join(work, "run"), showRank: true })
log.info(`counted ${result.counts.lines} lines in ${result.files.length} files`)
Logging.logMaster(`job summary: ${JSON.stringify(result.counts.levels)}`)

// Start a copy: only the coordinator (rank 0) copies; on any other rank startCopy resolves to false.
const copier = await HdfsCopier.make({ stateDir: join(work, "state") })
let copying = false
let copied = 0
try {
  copying = await copier.startCopy({ copyName: "plain", pathPatterns: [join(logs, "*.log")], destination })
  if (copying) copied = (await copier.runOnce("plain")).filesCopied
} finally {
  await copier.close()
}
Logging.shutdown()

console.log(
  JSON.stringify({
    rank: context.rank,
    role: context.role,
    lines: result.counts.lines,
    levels: result.counts.levels,
    copying,
    copied
  })
)
