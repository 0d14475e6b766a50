import { rmSync } from "node:fs"
import { type NatsServer, startNatsServer } from "@dla/testing"
import { afterEach, beforeEach, describe, expect, it } from "vitest"
import { makeCorpus, sequentialCounts } from "./support/corpus.ts"
import { type Proc, spawnProc } from "./support/processes.ts"

let server: NatsServer
let corpus: string
const procs: Array<Proc> = []
const start = (role: "master" | "worker", options: Record<string, unknown>) => {
  const proc = spawnProc(role, { servers: server.url, ...options })
  procs.push(proc)
  return proc
}

beforeEach(async () => {
  server = await startNatsServer()
  corpus = makeCorpus({ files: 8, lines: 300, nested: true })
})

afterEach(async () => {
  await Promise.all(procs.splice(0).map((p) => p.kill()))
  await server.stop()
  rmSync(corpus, { recursive: true, force: true })
})

describe("Distributed (real nats-server, master and worker processes)", () => {
  it("1, 2 and 4 workers give the sequential analyser's counts", async () => {
    const expected = await sequentialCounts(corpus)
    for (const workers of [1, 2, 4]) {
      const runId = `normal${workers}`
      const master = start("master", { runId, root: corpus, splitBytes: 4096 })
      const started = Array.from({ length: workers }, () => start("worker", { runId, once: true }))
      const { code, output } = await master.exited
      expect(code).toBe(0)
      const summary = output as { counts: unknown; filesProcessed: number; workers: Array<string> }
      expect(summary.counts).toEqual(expected)
      expect(summary.filesProcessed).toBe(8)
      for (const w of started) expect((await w.exited).code).toBe(0)
    }
  })
})
