import { appendFileSync, readdirSync, rmSync, statSync, truncateSync } from "node:fs"
import { join } from "node:path"
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

  it.live("names a file that grew or shrank between its listing and its count, ranges or batches (issue 14)", () =>
    Effect.gen(function* () {
      for (const splitBytes of [4096, undefined]) {
        const dir = makeCorpus({ files: 4, lines: 400 })
        const [grows, shrinks] = readdirSync(dir).sort()
        const sizes = [grows!, shrinks!].map((name) => statSync(join(dir, name)).size)
        // The master has listed the files and planned its tasks; no task is counted yet.
        const onEvent = (event: { readonly _tag: string }) => {
          if (event._tag !== "Started") return
          appendFileSync(join(dir, grows!), "[2025-01-01T00:00:00] [ERROR] appended\n")
          truncateSync(join(dir, shrinks!), 1000)
        }
        const summary = yield* Embedded.run({ runId: "changes", root: dir, workers: 2, splitBytes, onEvent })
        const changed = summary.byFile.filter((file) => file.changed !== undefined)
        expect(
          changed.map(({ path, changed }) => ({ path, changed })),
          `split ${splitBytes}`
        ).toEqual([
          { path: grows, changed: { before: sizes[0], after: statSync(join(dir, grows!)).size } },
          { path: shrinks, changed: { before: sizes[1], after: 1000 } }
        ])
        rmSync(dir, { recursive: true })
      }
    })
  )
})
