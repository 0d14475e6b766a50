import { rmSync } from "node:fs"
import { Distributed } from "@dla/analyser/nats/promise"
import { AnalyserError, Embedded } from "@dla/analyser/promise"
import { natsPerFile } from "@dla/testing"
import { describe, expect, it } from "vitest"
import { makeCorpus, sequentialCounts } from "./support/corpus.ts"

// The Promise faces (`@dla/analyser/promise`, `@dla/analyser/nats/promise`): a run in this process and a run on NATS, without Effect.
const nats = natsPerFile()

describe("@dla/analyser/promise", () => {
  it("Embedded.run resolves to the summary with the sequential analyser's counts; onEvent hears every event", async () => {
    const dir = makeCorpus({ files: 6, lines: 300 })
    try {
      const events: Array<string> = []
      const summary = await Embedded.run({
        runId: "promise-embedded",
        root: dir,
        workers: 1,
        onEvent: (event) => events.push(event._tag)
      })
      expect(summary.counts).toEqual(await sequentialCounts(dir))
      expect(summary.filesProcessed).toBe(6)
      // Every event heard before the Promise settled, in order.
      expect(events[0]).toBe("Started")
      expect(events.filter((tag) => tag === "Progress")).toHaveLength(summary.tasks)
      expect(events.at(-1)).toBe("CheckpointSaved")
    } finally {
      rmSync(dir, { recursive: true })
    }
  })

  it("Embedded.run rejects with an AnalyserError, and stops when its signal aborts", async () => {
    const missing = await Embedded.run({ runId: "promise-missing", root: "/nonexistent/dla", workers: 1 }).catch(
      (e: unknown) => e
    )
    expect(missing).toBeInstanceOf(AnalyserError.AnalyserError)
    const dir = makeCorpus({ files: 2, lines: 10 })
    try {
      const aborted = AbortSignal.abort()
      await expect(
        Embedded.run({ runId: "promise-aborted", root: dir, workers: 1, signal: aborted })
      ).rejects.toBeDefined()
    } finally {
      rmSync(dir, { recursive: true })
    }
  })

  it("Distributed.master and Distributed.worker run a run on NATS", async () => {
    const dir = makeCorpus({ files: 5, lines: 200 })
    try {
      const [summary, served] = await Promise.all([
        Distributed.master(nats.nc(), { runId: "promise-nats", root: dir }),
        Distributed.worker(nats.nc(), { runId: "promise-nats", once: true })
      ])
      expect(summary.counts).toEqual(await sequentialCounts(dir))
      expect(served).toHaveLength(1)
      expect(served[0]!.tasks).toBeGreaterThan(0)
    } finally {
      rmSync(dir, { recursive: true })
    }
  })
})
