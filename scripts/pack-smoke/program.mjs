// The program of docs/install.md: @dla/core and @dla/logger from an npm project that is not this repository.
// scripts/pack-smoke.mjs runs it on Node, Bun and Deno in a temp directory where the packed tarballs were installed.
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { DirectoryAnalysis, Generator } from "@dla/core"
import { Logging } from "@dla/logger"
import { Effect } from "effect"

const dir = mkdtempSync(join(tmpdir(), "dla-install-"))
try {
  await Effect.runPromise(Generator.generate(dir, { files: 3, lines: 1000, seed: 1 }))
  const result = await Effect.runPromise(DirectoryAnalysis.analyse(dir))
  const log = Logging.initLogging({ name: "install-check", env: { RANK: "0", WORLD_SIZE: "1" } })
  log.info(`counted ${result.counts.lines} lines in ${result.files.length} files`)
  Logging.shutdown()
  console.log(JSON.stringify({ lines: result.counts.lines, levels: result.counts.levels }))
} finally {
  rmSync(dir, { recursive: true, force: true })
}
