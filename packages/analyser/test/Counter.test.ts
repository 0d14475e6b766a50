import { execFileSync } from "node:child_process"
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as Counter from "@dla/analyser/Counter"
import type { Task } from "@dla/analyser/Task"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Fiber, type Layer } from "effect"
import { makeCorpus } from "./support/corpus.ts"

const taskOf = (path: string, range?: { start: number; end: number }): Task => {
  const size = statSync(path).size
  return { runId: "c", taskId: path, parts: [{ path, range: range ?? { start: 0, end: size }, size }] }
}

const countWith = (layer: Layer.Layer<Counter.Counter>, tasks: ReadonlyArray<Task>) =>
  Counter.Counter.use((counter) => Effect.forEach(tasks, counter.count)).pipe(Effect.provide(layer))

describe("Counter", () => {
  // A task is counted whole before the next starts: a worker holding two then has the first one's result out (and
  // its replacement in) while the second is counted. A named pipe holds the first task until something writes to it;
  // counted side by side, the second (a plain file) would be done long before.
  for (const [name, layer] of [
    ["inline", Counter.layerInline],
    ["on a thread", Counter.layerThread]
  ] as const) {
    it.live(`counts the tasks it is given one at a time, in the order they came (${name})`, () =>
      Effect.gen(function* () {
        const dir = mkdtempSync(join(tmpdir(), "dla-counter-"))
        const gate = join(dir, "gate.log")
        execFileSync("mkfifo", [gate])
        const plain = join(makeCorpus({ files: 1, lines: 50 }, dir), "node-000.log")
        const ended: Array<string> = []
        const count = (task: Task, label: string) =>
          Counter.Counter.use((counter) => counter.count(task)).pipe(
            Effect.tap(() => Effect.sync(() => ended.push(label)))
          )
        const gated: Task = {
          runId: "c",
          taskId: "gate",
          parts: [{ path: gate, range: { start: 0, end: 1 }, size: 1 }]
        }
        yield* Effect.gen(function* () {
          const first = yield* Effect.forkChild(count(gated, "gated"))
          const second = yield* Effect.forkChild(count(taskOf(plain), "plain"))
          yield* Effect.sleep("300 millis")
          writeFileSync(gate, "") // opens the pipe for writing: the first task goes on
          yield* Fiber.join(first)
          yield* Fiber.join(second)
        }).pipe(Effect.provide(layer()))
        expect(ended).toEqual(["gated", "plain"])
        rmSync(dir, { recursive: true, force: true })
      })
    )
  }

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
      const lines = inline.map((c) => c.counts.lines)
      expect(lines[0]! + lines[1]!).toBe(lines[3])
      expect(lines[3]).toBeGreaterThan(0)
      // Many files in one task count as they do one by one.
      const both: Task = { runId: "c", taskId: "both", parts: [...taskOf(first!).parts, ...taskOf(second!).parts] }
      const [together] = yield* countWith(Counter.layerThread(), [both])
      expect(together!.counts.lines).toBe(lines[2]! + lines[3]!)
      // ...and say each file's figures (its format and counts) in the task's order, for --by-file.
      const { counts: firstCounts } = inline[3]!
      expect(together!.files).toEqual([
        { path: first, format: "bracketed", ...firstCounts },
        { path: second, format: "bracketed", ...inline[2]!.counts }
      ])
      rmSync(dir, { recursive: true, force: true })
    })
  )

  it.live("a file the thread cannot count is set aside with its reason, naming it; the task's other files count", () =>
    Effect.gen(function* () {
      const dir = makeCorpus({ files: 1, lines: 50 })
      const [present] = readdirSync(dir).map((name) => join(dir, name))
      const missing = "/nonexistent/dla-counter.log"
      const task: Task = {
        runId: "c",
        taskId: "m",
        parts: [{ path: missing, range: { start: 0, end: 10 }, size: 10 }, ...taskOf(present!).parts]
      }
      const [counted] = yield* countWith(Counter.layerThread(), [task])
      const [alone] = yield* countWith(Counter.layerInline(), [taskOf(present!)])
      expect(counted!.counts).toEqual(alone!.counts)
      expect(counted!.counts.lines).toBeGreaterThanOrEqual(50)
      expect(counted!.skipped).toEqual([{ path: missing, error: expect.stringContaining(missing), binary: false }])
      expect(counted!.files.map((f) => f.path)).toEqual([present])
      rmSync(dir, { recursive: true, force: true })
    })
  )

  it.live(
    "gives store tasks to the store counter it was given, on disk and threaded alike; without one hands them back",
    () =>
      Effect.gen(function* () {
        const store = { stream: "S", subject: "S.n.a.0", head: 1, first: 1, last: 3 }
        const task: Task = {
          runId: "c",
          taskId: "s",
          parts: [{ path: "n:a.log", range: { start: 0, end: 10 }, size: 10, store }]
        }
        const asked: Array<[ReadonlyArray<Task["parts"][number]>, string | undefined]> = []
        const counter: Counter.StoreCounter = async (parts, format) => {
          asked.push([parts, format])
          const counts = { levels: { INFO: 2 }, lines: 2, unmatched: 0, bytes: 10 }
          return { counts, skipped: [], files: [{ path: "n:a.log", format: "bracketed", ...counts }] }
        }
        const inline = yield* countWith(Counter.layerInline("bracketed", counter), [task])
        const threaded = yield* countWith(Counter.layerThread(undefined, counter), [task])
        expect(threaded).toEqual(inline)
        expect(inline[0]!.counts.lines).toBe(2)
        expect(asked).toEqual([
          [task.parts, "bracketed"],
          [task.parts, undefined]
        ])
        // A worker that cannot read the store fails the count (not the task): it goes back to the queue.
        const without = yield* Effect.flip(countWith(Counter.layerInline(), [task]))
        expect(without).toMatchObject({ reason: "Transport" })
        expect(without.message).toContain("n:a.log is in the log store")
      })
  )
})
