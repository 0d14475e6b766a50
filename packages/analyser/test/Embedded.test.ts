import { appendFileSync, mkdtempSync, readdirSync, rmSync, statSync, truncateSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { newest } from "@dla/analyser/CheckpointStore"
import * as Embedded from "@dla/analyser/Embedded"
import { describe, expect, it } from "@effect/vitest"
import { Deferred, Effect, Fiber, Option } from "effect"
import { listening } from "../src/internal/listening.ts"
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

  // Issue 14 item 6: Ctrl-C or SIGTERM interrupts the run (dla's runMain); results not yet in a checkpoint are saved
  // in one first. Periodic checkpoints are out of reach here, so the one found is the one saved on the way out.
  it.live("an interrupted run saves a checkpoint, and the next run resumes from it without recounting its files", () =>
    Effect.gen(function* () {
      const dir = makeCorpus({ files: 16, lines: 200 })
      const checkpointDir = mkdtempSync(join(tmpdir(), "dla-embedded-stop-"))
      const expected = yield* Effect.promise(() => sequentialCounts(dir))
      const options = {
        runId: "stopped",
        root: dir,
        workers: 1,
        taskBytes: 0,
        checkpointDir,
        checkpointEvery: 100_000,
        checkpointInterval: "1 hour"
      } as const
      const someDone = yield* Deferred.make<void>()
      const stopped: Array<number> = []
      const first = yield* listening(Embedded.run({ ...options, taskDelay: "100 millis" }), {
        onEvent: (event) => {
          if (event._tag === "Progress" && event.progress.tasksDone >= 3) Deferred.doneUnsafe(someDone, Effect.void)
          if (event._tag === "CheckpointSaved" && event.onStop === true) stopped.push(event.sequence)
        }
      }).pipe(Effect.forkChild)
      yield* Deferred.await(someDone)
      yield* Fiber.interrupt(first)
      expect(stopped).toHaveLength(1)
      const saved = Option.getOrThrow(yield* Effect.promise(() => newest(join(checkpointDir, "stopped"))))
      expect(saved.complete).toBe(false)
      const kept = saved.processed_files
      expect(kept.length).toBeGreaterThanOrEqual(3)

      const summary = yield* Embedded.run(options)
      expect(summary.counts).toEqual(expected)
      expect(summary.filesProcessed).toBe(16)
      expect(summary.filesAlreadyProcessed).toBe(kept.length)
      expect(summary.byFile.filter((f) => kept.includes(join(dir, f.path)))).toEqual([])
      rmSync(dir, { recursive: true })
      rmSync(checkpointDir, { recursive: true })
    })
  )

  it.live("names a file that grew or shrank between its listing and its count, ranges or batches (issue 14)", () =>
    Effect.gen(function* () {
      for (const splitBytes of [4096, undefined]) {
        const dir = makeCorpus({ files: 4, lines: 400 })
        const [grows, shrinks] = readdirSync(dir).sort()
        const sizes = [grows!, shrinks!].map((name) => statSync(join(dir, name)).size)
        // The master has listed the files and planned its tasks; no task is counted yet (each waits 200 ms first:
        // the listener reads the events off the master's fiber).
        const onEvent = (event: { readonly _tag: string }) => {
          if (event._tag !== "Started") return
          appendFileSync(join(dir, grows!), "[2025-01-01T00:00:00] [ERROR] appended\n")
          truncateSync(join(dir, shrinks!), 1000)
        }
        const run = Embedded.run({ runId: "changes", root: dir, workers: 2, splitBytes, taskDelay: "200 millis" })
        const summary = yield* listening(run, { onEvent })
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
