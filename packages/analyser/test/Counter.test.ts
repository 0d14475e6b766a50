import { readdirSync, rmSync, statSync } from "node:fs"
import { join } from "node:path"
import { describe, expect, it } from "@effect/vitest"
import { Effect, type Layer } from "effect"
import * as Counter from "../src/Counter.ts"
import type { Task } from "../src/Task.ts"
import { makeCorpus } from "./support/corpus.ts"

const taskOf = (path: string, range?: { start: number; end: number }): Task => {
  const size = statSync(path).size
  return { runId: "c", taskId: path, path, range: range ?? { start: 0, end: size }, size }
}

const countWith = (layer: Layer.Layer<Counter.Counter>, tasks: ReadonlyArray<Task>) =>
  Counter.Counter.use((counter) => Effect.forEach(tasks, counter.count)).pipe(Effect.provide(layer))

describe("Counter", () => {
  it.live("a counting thread (built once it has loaded) counts files and ranges as the inline counter does", () =>
    Effect.gen(function* () {
      const dir = makeCorpus({ files: 2, lines: 300 })
      const [first, second] = readdirSync(dir).map((name) => join(dir, name))
      const half = Math.floor(statSync(first!).size / 2)
      const tasks = [
        taskOf(first!, { start: 0, end: half }),
        taskOf(first!, { start: half, end: statSync(first!).size }),
        taskOf(second!),
        taskOf(first!)
      ]
      const inline = yield* countWith(Counter.layerInline(), tasks)
      const threaded = yield* countWith(Counter.layerThread(), tasks)
      expect(threaded).toEqual(inline)
      // The two halves of the first file own its lines exactly once.
      expect(inline[0]!.lines + inline[1]!.lines).toBe(inline[3]!.lines)
      expect(inline[3]!.lines).toBeGreaterThan(0)
      rmSync(dir, { recursive: true, force: true })
    })
  )

  it.live("a file the thread cannot count is the task's Analysis error, naming the file", () =>
    Effect.gen(function* () {
      const missing = "/nonexistent/dla-counter.log"
      const error = yield* Counter.Counter.use((counter) =>
        counter.count({ runId: "c", taskId: "m", path: missing, range: { start: 0, end: 10 }, size: 10 })
      ).pipe(Effect.provide(Counter.layerThread()), Effect.flip)
      expect(error.reason).toBe("Analysis")
      expect(error.message).toContain(missing)
    })
  )
})
