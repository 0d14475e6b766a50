import * as Task from "@dla/analyser/Task"
import { describe, expect, it } from "vitest"

describe("Task.plan", () => {
  const files = [
    { path: "/logs/a.log", size: 10 },
    { path: "/logs/big.log", size: 25 },
    { path: "/logs/c.log.gz", size: 30 },
    { path: "/logs/b.log", size: 10 }
  ]

  it("splits big files into ranges, never compressed ones, and orders the tasks largest first", () => {
    const tasks = Task.plan("r", "/logs", files, { splitBytes: 10 })
    expect(tasks.map((t) => t.parts.flatMap((p) => [p.path, p.range.start, p.range.end]))).toEqual([
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
    const here = Task.plan("r", "/logs", files, { splitBytes: 10 })
    const there = Task.plan(
      "r",
      "/mnt/copy",
      files.map((f) => ({ ...f, path: f.path.replace("/logs", "/mnt/copy") })),
      { splitBytes: 10 }
    )
    expect(there.map((t) => t.taskId)).toEqual(here.map((t) => t.taskId))
  })

  it("packs small files together, in path order, into tasksWanted tasks at most taskBytes each", () => {
    const many = Array.from({ length: 1000 }, (_, i) => ({
      path: `/logs/${String(i).padStart(4, "0")}.log`,
      size: 1000
    }))
    const tasks = Task.plan("r", "/logs", [...many, { path: "/logs/huge.log", size: 10_000_000 }])
    expect(tasks[0]!.parts).toEqual([
      { path: "/logs/huge.log", range: { start: 0, end: 10_000_000 }, size: 10_000_000 }
    ])
    const packed = tasks.slice(1)
    expect(packed.length).toBeGreaterThanOrEqual(Task.tasksWanted - 10)
    expect(packed.length).toBeLessThanOrEqual(Task.tasksWanted)
    expect(packed.flatMap((t) => t.parts.map((p) => p.path)).sort()).toEqual(many.map((f) => f.path))
    expect(new Set(tasks.map((t) => t.taskId)).size).toBe(tasks.length)
    // Up to taskBytes a task: 8 MB of small files with taskBytes 64 KB make tasks of 64 KB, more than tasksWanted.
    const capped = Task.plan(
      "r",
      "/logs",
      Array.from({ length: 8000 }, (_, i) => ({ path: `/l/${i}`, size: 1024 })),
      {
        taskBytes: 64 * 1024
      }
    )
    expect(capped.every((t) => Task.bytesOf(t) <= 64 * 1024)).toBe(true)
    expect(capped.length).toBeGreaterThan(Task.tasksWanted)
    // 0: one file per task.
    expect(Task.plan("r", "/logs", many, { taskBytes: 0 })).toHaveLength(1000)
  })

  it("plans stored files: ranges start at cuts past splitBytes, each part where it is in the store", () => {
    const stored = (node: string, file: string, generation: number, bytes: number, cuts: Array<[number, number]>) => ({
      node,
      file,
      generation,
      bytes,
      stream: "S",
      subject: `S.${node}.${file}.${generation}`,
      firstSeq: 1,
      lastSeq: 100,
      cuts: cuts.map(([seq, offset]) => ({ seq, offset }))
    })
    const files = [
      // Cuts at 4, 9, 12 and 18: ranges of at least 10 bytes start at 12 (0..12) and none after (18 is 6 bytes on).
      stored("n1", "big.log", 0, 25, [
        [5, 4],
        [9, 9],
        [20, 12],
        [30, 18]
      ]),
      stored("n1", "a.log", 1, 3, []),
      stored("n2", "a.log", 0, 3, [])
    ]
    const tasks = Task.planStore("r", files, { splitBytes: 10, taskBytes: 10 })
    expect(
      tasks.map((t) =>
        t.parts.map((p) => [p.path, p.range.start, p.range.end, p.store?.subject, p.store?.first, p.store?.last])
      )
    ).toEqual([
      [["n1:big.log", 12, 25, "S.n1.big.log.0", 20, 100]],
      [["n1:big.log", 0, 12, "S.n1.big.log.0", 1, 19]],
      [["n1:a.log@1", 0, 3, "S.n1.a.log.1", 1, 100]],
      [["n2:a.log", 0, 3, "S.n2.a.log.0", 1, 100]]
    ])
    expect(tasks.every((t) => t.parts.every((p) => p.store?.head === 1 && p.store.stream === "S"))).toBe(true)
    expect(Task.describe(tasks[0]!, "/anywhere")).toBe("n1:big.log [12-25]")
    // The same stored lines, the same task ids: a master started again resumes.
    expect(Task.planStore("r", files, { splitBytes: 10, taskBytes: 10 }).map((t) => t.taskId)).toEqual(
      tasks.map((t) => t.taskId)
    )
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
