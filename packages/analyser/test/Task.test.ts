import { describe, expect, it } from "vitest"
import * as Task from "../src/Task.ts"

describe("Task.plan", () => {
  const files = [
    { path: "/logs/a.log", size: 10 },
    { path: "/logs/big.log", size: 25 },
    { path: "/logs/c.log.gz", size: 30 },
    { path: "/logs/b.log", size: 10 }
  ]

  it("splits big files into ranges, never compressed ones, and orders the tasks largest first", () => {
    const tasks = Task.plan("r", "/logs", files, 10)
    expect(tasks.map((t) => [t.path, t.range.start, t.range.end])).toEqual([
      ["/logs/c.log.gz", 0, 30],
      ["/logs/a.log", 0, 10],
      ["/logs/b.log", 0, 10],
      ["/logs/big.log", 0, 10],
      ["/logs/big.log", 10, 20],
      ["/logs/big.log", 20, 25]
    ])
    expect(new Set(tasks.map((t) => t.taskId)).size).toBe(tasks.length)
  })

  it("gives the same ids for the same relative paths and ranges, wherever the root is", () => {
    const here = Task.plan("r", "/logs", files, 10)
    const there = Task.plan(
      "r",
      "/mnt/copy",
      files.map((f) => ({ ...f, path: f.path.replace("/logs", "/mnt/copy") })),
      10
    )
    expect(there.map((t) => t.taskId)).toEqual(here.map((t) => t.taskId))
  })

  it("decodes results from the wire and refuses malformed ones with a Transport error", async () => {
    const { Effect } = await import("effect")
    const decode = Task.decodeJson(Task.TaskResult, "result")
    const failed = { _tag: "Failed", runId: "r", taskId: "t", workerId: "w", error: "gone" }
    expect(await Effect.runPromise(decode(Task.encodeJson(failed)))).toEqual(failed)
    const bad = await Effect.runPromise(Effect.flip(decode(Task.encodeJson({ _tag: "Done" }))))
    expect(bad.reason).toBe("Transport")
  })
})
