import { spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as path from "node:path"
import { Aggregator } from "@dla/logger"
import { afterEach, describe, expect, it } from "vitest"
import * as MessageFiles from "../src/internal/MessageFiles.ts"
import { type Child, cleanEnv, killAll, spawnFixture, tempDir } from "./helpers.ts"

let cleanup: () => void = () => {}
let children: Array<Child> = []
afterEach(() => {
  killAll(children)
  children = []
  cleanup()
})

const setup = () => {
  const temp = tempDir()
  cleanup = temp.cleanup
  const tmpDir = path.join(temp.dir, "tmp")
  fs.mkdirSync(tmpDir)
  return { tmpDir, file: path.join(temp.dir, "logs", "node.log") }
}

const origin = { rank: 1, localRank: 1, nodeId: "n1" }
const record = (message: string, time = Date.now()) =>
  MessageFiles.encode({ time, level: "INFO", logger: "", message }, origin)
const rankOneWriter = (dir: string, maxFileBytes: number, maxFiles: number) =>
  MessageFiles.writer({
    dir,
    rank: 1,
    maxFileBytes,
    maxFiles,
    onError: (error) => {
      throw error
    }
  })
const deadPid = () => spawnSync(process.execPath, ["-e", ""]).pid!

const appendTo = (tmpDir: string, rank: number, pid: number, seq: number, text: string) =>
  fs.appendFileSync(path.join(tmpDir, MessageFiles.segmentName(rank, pid, seq)), text)
const messages = (file: string) =>
  fs
    .readFileSync(file, "utf8")
    .trimEnd()
    .split("\n")
    .map((line) => line.replace(/^.*\] /, ""))

describe("Aggregator", () => {
  it("merges segments in time order, holding back records younger than the grace window", () => {
    const { tmpDir, file } = setup()
    const now = Date.now()
    appendTo(tmpDir, 1, process.pid, 0, record("a1", now - 3000) + record("a2", now - 1000))
    appendTo(tmpDir, 2, process.pid, 0, record("b1", now - 2000) + record("b-recent", now + 60_000))
    const aggregator = Aggregator.make({ tmpDir, file, maxFileBytes: 1 << 20, maxFiles: 2, graceMs: 250 })
    expect(aggregator.poll()).toBe(3)
    expect(messages(file)).toEqual(["a1", "b1", "a2"])
    // A record older than the held one arrives late: it still comes before it.
    appendTo(tmpDir, 1, process.pid, 0, record("a3", now - 500))
    expect(aggregator.poll()).toBe(1)
    expect(aggregator.drain()).toBe(1)
    expect(messages(file)).toEqual(["a1", "b1", "a2", "a3", "b-recent"])
  })

  it("measures the grace window on the clock it is given, not the wall clock", () => {
    const { tmpDir, file } = setup()
    appendTo(tmpDir, 1, process.pid, 0, record("a", 10_000) + record("b", 20_000))
    let now = 10_100
    const aggregator = Aggregator.make({
      tmpDir,
      file,
      maxFileBytes: 1 << 20,
      maxFiles: 2,
      graceMs: 250,
      now: () => now
    })
    expect(aggregator.poll()).toBe(0) // "a" is 100 ms old on this clock, however old on the wall clock
    now = 10_300
    expect(aggregator.poll()).toBe(1)
    now = 30_000
    expect(aggregator.poll()).toBe(1)
    expect(messages(file)).toEqual(["a", "b"])
  })

  it("writes the NVRx text line, or JSON lines", () => {
    const { tmpDir, file } = setup()
    const line = MessageFiles.encode(
      { time: Date.UTC(2026, 0, 2, 3, 4, 5, 6), level: "WARN", logger: "io", message: "slow", source: "train.ts:42" },
      { rank: 3, localRank: 1, nodeId: "gpu7" }
    )
    appendTo(tmpDir, 3, process.pid, 0, line)
    Aggregator.make({ tmpDir, file, maxFileBytes: 1 << 20, maxFiles: 2 }).drain()
    expect(fs.readFileSync(file, "utf8")).toMatch(
      /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.006 \[WARN\] \[gpu7\] \[workload:3\(1\)\] train\.ts:42 io: slow\n$/
    )
    const jsonFile = `${file}.json`
    Aggregator.make({ tmpDir, file: jsonFile, maxFileBytes: 1 << 20, maxFiles: 2, json: true }).drain()
    expect(JSON.parse(fs.readFileSync(jsonFile, "utf8"))).toEqual({
      time: "2026-01-02T03:04:05.006Z",
      level: "WARN",
      rank: 3,
      localRank: 1,
      node: "gpu7",
      logger: "io",
      msg: "slow",
      source: "train.ts:42"
    })
  })

  it("never emits a half-written record; the rest of it arrives later, once", () => {
    const { tmpDir, file } = setup()
    const whole = record("complete")
    const split = whole.length - 10
    appendTo(tmpDir, 1, process.pid, 0, record("first") + whole.slice(0, split))
    const aggregator = Aggregator.make({ tmpDir, file, maxFileBytes: 1 << 20, maxFiles: 2 })
    expect(aggregator.drain()).toBe(1)
    expect(messages(file)).toEqual(["first"])
    appendTo(tmpDir, 1, process.pid, 0, whole.slice(split))
    expect(aggregator.drain()).toBe(1)
    expect(messages(file)).toEqual(["first", "complete"])
  })

  it("finish() also deletes this process's own segments; drain() keeps them for more records", () => {
    const { tmpDir, file } = setup()
    appendTo(tmpDir, 1, process.pid, 0, record("own"))
    const aggregator = Aggregator.make({ tmpDir, file, maxFileBytes: 1 << 20, maxFiles: 2 })
    expect(aggregator.drain()).toBe(1)
    expect(fs.readdirSync(tmpDir)).toEqual([MessageFiles.segmentName(1, process.pid, 0)])
    appendTo(tmpDir, 1, process.pid, 0, record("own, later"))
    expect(aggregator.finish()).toBe(1)
    expect(fs.readdirSync(tmpDir)).toEqual([])
    expect(messages(file)).toEqual(["own", "own, later"])
  })

  it("drops a dead writer's half record and deletes its segments once read", () => {
    const { tmpDir, file } = setup()
    const pid = deadPid()
    appendTo(tmpDir, 1, pid, 0, record("old"))
    appendTo(tmpDir, 1, pid, 1, record("last") + record("cut").slice(0, 20))
    appendTo(tmpDir, 2, process.pid, 0, record("alive"))
    expect(Aggregator.make({ tmpDir, file, maxFileBytes: 1 << 20, maxFiles: 2 }).drain()).toBe(3)
    expect(messages(file)).toEqual(["old", "last", "alive"])
    expect(fs.readdirSync(tmpDir)).toEqual([MessageFiles.segmentName(2, process.pid, 0)])
  })

  it("a restart after a crash in the middle of a batch cuts the half batch and writes it again, once", () => {
    const { tmpDir, file } = setup()
    appendTo(tmpDir, 1, process.pid, 0, record("r1") + record("r2"))
    Aggregator.make({ tmpDir, file, maxFileBytes: 1 << 20, maxFiles: 2 }).drain()
    const committed = fs.statSync(file).size
    appendTo(tmpDir, 1, process.pid, 0, record("r3") + record("r4"))
    Aggregator.make({ tmpDir, file, maxFileBytes: 1 << 20, maxFiles: 2 }).drain()
    // The crash: only part of the second batch reached the file (its read positions were already saved).
    fs.truncateSync(file, committed + 15)
    expect(Aggregator.make({ tmpDir, file, maxFileBytes: 1 << 20, maxFiles: 2 }).drain()).toBe(2)
    expect(messages(file)).toEqual(["r1", "r2", "r3", "r4"])
    // A crash right after the state was saved, before any byte of the batch: same outcome.
    appendTo(tmpDir, 1, process.pid, 0, record("r5"))
    const beforeR5 = fs.statSync(file).size
    Aggregator.make({ tmpDir, file, maxFileBytes: 1 << 20, maxFiles: 2 }).drain()
    fs.truncateSync(file, beforeR5)
    expect(Aggregator.make({ tmpDir, file, maxFileBytes: 1 << 20, maxFiles: 2 }).drain()).toBe(1)
    expect(messages(file)).toEqual(["r1", "r2", "r3", "r4", "r5"])
  })

  it("a restart after a crash between rotating the node file and the next batch writes that batch once", () => {
    const { tmpDir, file } = setup()
    appendTo(tmpDir, 1, process.pid, 0, record("before rotation"))
    Aggregator.make({ tmpDir, file, maxFileBytes: 100, maxFiles: 3 }).drain()
    appendTo(tmpDir, 1, process.pid, 0, record("after rotation"))
    // The crash: rotated and the new file opened, then nothing.
    fs.renameSync(file, `${file}.1`)
    fs.writeFileSync(file, "")
    expect(Aggregator.make({ tmpDir, file, maxFileBytes: 100, maxFiles: 3 }).drain()).toBe(1)
    expect([...messages(`${file}.1`), ...messages(file)]).toEqual(["before rotation", "after rotation"])
  })

  it("forgets a deleted segment, so a new writer reusing its name is read from the start", () => {
    const { tmpDir, file } = setup()
    const pid = deadPid()
    const aggregator = Aggregator.make({ tmpDir, file, maxFileBytes: 1 << 20, maxFiles: 2 })
    appendTo(tmpDir, 1, pid, 0, record("first life, a longer line than the next"))
    expect(aggregator.drain()).toBe(1)
    expect(fs.readdirSync(tmpDir)).toEqual([])
    appendTo(tmpDir, 1, pid, 0, record("second life"))
    expect(aggregator.drain()).toBe(1)
    // Only the segment of the last batch is in the saved state: deleted ones do not pile up.
    expect(Object.keys(JSON.parse(fs.readFileSync(`${file}.offsets.json`, "utf8")).offsets)).toHaveLength(1)
    expect(messages(file)).toEqual(["first life, a longer line than the next", "second life"])
  })

  it("rotates the per-node file, keeping at most maxFiles files", () => {
    const { tmpDir, file } = setup()
    const aggregator = Aggregator.make({ tmpDir, file, maxFileBytes: 400, maxFiles: 3 })
    for (let i = 0; i < 40; i++) {
      appendTo(tmpDir, 1, process.pid, 0, record(`line ${i}`))
      aggregator.drain()
      const files = fs.readdirSync(path.dirname(file)).filter((name) => /^node\.log(\.\d+)?$/.test(name))
      expect(files.length).toBeLessThanOrEqual(3)
      expect(fs.statSync(file).size).toBeLessThanOrEqual(400)
    }
    expect(fs.readdirSync(path.dirname(file)).sort()).toEqual([
      "node.log",
      "node.log.1",
      "node.log.2",
      "node.log.lock",
      "node.log.offsets.json"
    ])
    const kept = [`${file}.2`, `${file}.1`, file].flatMap(messages)
    expect(kept[kept.length - 1]).toBe("line 39")
    expect(kept).toEqual(kept.map((_, i) => `line ${40 - kept.length + i}`))
  })
})

describe("Aggregator.start and the node file lock", () => {
  const waitFor = async (condition: () => boolean) => {
    for (let i = 0; i < 500 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 10))
    expect(condition()).toBe(true)
  }

  it("polls on a timer, and stop() drains and gives up the lock", async () => {
    const { tmpDir, file } = setup()
    const errors: Array<unknown> = []
    const running = Aggregator.start(
      { tmpDir, file, maxFileBytes: 1 << 20, maxFiles: 2, graceMs: 0, intervalMs: 10 },
      (error) => errors.push(error)
    )
    appendTo(tmpDir, 1, process.pid, 0, record("polled"))
    await waitFor(() => fs.existsSync(file) && messages(file).includes("polled"))
    appendTo(tmpDir, 1, process.pid, 0, record("drained", Date.now() + 60_000))
    running.stop()
    expect(messages(file)).toEqual(["polled", "drained"])
    expect(fs.existsSync(`${file}.lock`)).toBe(false)
    expect(errors).toEqual([])
  })

  it("a failure stops it and is reported once; the records stay in the tmp dir", async () => {
    const { tmpDir, file } = setup()
    const errors: Array<unknown> = []
    Aggregator.start({ tmpDir, file, maxFileBytes: 1 << 20, maxFiles: 2, graceMs: 0, intervalMs: 10 }, (error) =>
      errors.push(error)
    )
    fs.mkdirSync(file) // the node file can no longer be appended to
    appendTo(tmpDir, 1, process.pid, 0, record("kept") + record("kept too"))
    await waitFor(() => errors.length > 0)
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect(errors).toHaveLength(1)
    expect(fs.readFileSync(path.join(tmpDir, MessageFiles.segmentName(1, process.pid, 0)), "utf8")).toContain(
      "kept too"
    )
  })

  it("refuses a node file another live process aggregates into, and takes over a dead one's", () => {
    const { tmpDir, file } = setup()
    fs.mkdirSync(path.dirname(file), { recursive: true })
    fs.writeFileSync(`${file}.lock`, `${process.ppid}`)
    expect(() => Aggregator.make({ tmpDir, file, maxFileBytes: 1 << 20, maxFiles: 2 })).toThrow(
      expect.objectContaining({ _tag: "AggregatorBusy", pid: process.ppid })
    )
    fs.writeFileSync(`${file}.lock`, `${deadPid()}`)
    const aggregator = Aggregator.make({ tmpDir, file, maxFileBytes: 1 << 20, maxFiles: 2 })
    expect(fs.readFileSync(`${file}.lock`, "utf8")).toBe(`${process.pid}`)
    aggregator.close()
    expect(fs.existsSync(`${file}.lock`)).toBe(false)
  })
})

describe("an aggregator process killed with SIGKILL while records stream in", () => {
  it("its successor goes on from the saved positions: every record once, in order", async () => {
    const { tmpDir, file } = setup()
    const aggregator = spawnFixture("aggregate.ts", { ...cleanEnv(), TEST_TMP_DIR: tmpDir, TEST_NODE_FILE: file })
    children = [aggregator]
    await aggregator.ready
    const writer = rankOneWriter(tmpDir, 4096, 4)
    const total = 3000
    for (let i = 0; i < total; i++) {
      writer.write(record(`m${i}`))
      if (i % 100 === 99) await new Promise((resolve) => setTimeout(resolve, 2))
      if (i === total / 2) aggregator.process.kill("SIGKILL")
    }
    writer.close()
    expect(await aggregator.exited).toEqual({ code: null, signal: "SIGKILL" })
    expect(fs.existsSync(file)).toBe(true)
    Aggregator.make({ tmpDir, file, maxFileBytes: 1 << 30, maxFiles: 2 }).drain()
    expect(messages(file)).toEqual(Array.from({ length: total }, (_, i) => `m${i}`))
  })
})

describe("message file rotation", () => {
  const write = (tmpDir: string, count: number, aggregator?: Aggregator.Aggregator) => {
    const writer = rankOneWriter(tmpDir, 1024, 3)
    for (let i = 0; i < count; i++) {
      writer.write(record(`m${i}`))
      if (i % 7 === 0) aggregator?.drain()
      expect(fs.readdirSync(tmpDir).filter((name) => name.startsWith("rank_1.")).length).toBeLessThanOrEqual(3)
    }
    writer.close()
  }

  it("keeps at most maxFiles segments per process while the aggregator keeps up, losing nothing", () => {
    const { tmpDir, file } = setup()
    const aggregator = Aggregator.make({ tmpDir, file, maxFileBytes: 1 << 20, maxFiles: 2 })
    write(tmpDir, 300, aggregator)
    aggregator.drain()
    expect(messages(file)).toEqual(Array.from({ length: 300 }, (_, i) => `m${i}`))
  })

  it("keeps the bound with no aggregator running by growing the newest segment instead of deleting unread ones", () => {
    const { tmpDir, file } = setup()
    write(tmpDir, 300)
    expect(fs.readdirSync(tmpDir)).toHaveLength(3)
    Aggregator.make({ tmpDir, file, maxFileBytes: 1 << 20, maxFiles: 2 }).drain()
    expect(messages(file)).toEqual(Array.from({ length: 300 }, (_, i) => `m${i}`))
  })
})
