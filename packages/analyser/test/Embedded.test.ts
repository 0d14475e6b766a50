import { rmSync } from "node:fs"
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import * as Embedded from "../src/Embedded.ts"
import { makeCorpus, sequentialCounts } from "./support/corpus.ts"

describe("Embedded", () => {
  it.live("1, 2 and 4 worker threads give the sequential analyser's counts, with big files split", () =>
    Effect.gen(function* () {
      const dir = makeCorpus({ files: 12, lines: 400, nested: true })
      const expected = yield* Effect.promise(() => sequentialCounts(dir))
      for (const workers of [1, 2, 4]) {
        const summary = yield* Embedded.run({ runId: "embedded", root: dir, workers, splitBytes: 4096 })
        expect(summary.counts).toEqual(expected)
        expect(summary.files).toBe(12)
        expect(summary.filesProcessed).toBe(12)
        expect(summary.tasks).toBeGreaterThan(12)
        expect(summary.failedTasks).toEqual([])
      }
      rmSync(dir, { recursive: true })
    })
  )
})
