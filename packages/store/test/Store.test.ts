import {
  appendFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  truncateSync,
  writeFileSync
} from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Counts, DirectoryAnalysis } from "@dla/core"
import { Shipper, Store } from "@dla/store"
import { natsPerFile } from "@dla/testing"
import { afterAll, describe, expect, it } from "@effect/vitest"
import { jetstream, jetstreamManager } from "@nats-io/jetstream"
import { Kvm } from "@nats-io/kv"
import { headers } from "@nats-io/nats-core"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Stream from "effect/Stream"
import * as Naming from "../src/internal/naming.ts"

const nats = natsPerFile()
const dirs: Array<string> = []
let streams = 0

afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
})

const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), "dla-store-"))
  dirs.push(dir)
  return dir
}
/** A fresh stream per test, so tests never see each other's data. */
const freshStream = () => `T${++streams}_${process.pid}`

const line = (i: number, level = ["INFO", "WARN", "ERROR", "DEBUG"][i % 4]) =>
  `[2025-01-01T00:00:${String(i % 60).padStart(2, "0")}] [${level}] message ${i}\n`
const lines = (from: number, n: number) => Array.from({ length: n }, (_, i) => line(from + i)).join("")

const cat = async (stream: string, node: string, file: string, generation?: number) => {
  const chunks: Array<Uint8Array> = []
  const r = await Store.reader(nats.nc(), { stream })
  await r.read({ node, file, ...(generation !== undefined ? { generation } : {}) }, (bytes) => {
    chunks.push(new Uint8Array(bytes))
  })
  return Buffer.concat(chunks).toString()
}

describe("Shipper and Store", () => {
  it("ships every complete line once, and reads it back byte-identical", async () => {
    const stream = freshStream()
    const dir = tempDir()
    mkdirSync(join(dir, "sub"))
    writeFileSync(join(dir, "a.log"), lines(0, 5000))
    writeFileSync(join(dir, "sub", "b.log"), `${lines(0, 10)}partial`)
    writeFileSync(join(dir, "skip.txt"), lines(0, 3))
    const options = { node: "node-1", stream, include: ["*.log"], messageBytes: 16 * 1024 }
    const first = await Shipper.shipOnce(nats.nc(), dir, options)
    expect(first.lines).toBe(5010)
    expect(await cat(stream, "node-1", "a.log")).toBe(lines(0, 5000))
    // The partial last line waits for its newline.
    expect(await cat(stream, "node-1", "sub/b.log")).toBe(lines(0, 10))
    appendFileSync(join(dir, "sub", "b.log"), " now whole\n")
    const second = await Shipper.shipOnce(nats.nc(), dir, options)
    expect(second.lines).toBe(1)
    expect(await cat(stream, "node-1", "sub/b.log")).toBe(`${lines(0, 10)}partial now whole\n`)
    // Nothing new: nothing shipped.
    expect((await Shipper.shipOnce(nats.nc(), dir, options)).bytes).toBe(0)
    const listed = await Effect.runPromise(Store.list(nats.nc(), {}, { stream }))
    expect(listed.map((f) => [f.node, f.file, f.generation, f.lines])).toEqual([
      ["node-1", "a.log", 0, 5000],
      ["node-1", "sub/b.log", 0, 11]
    ])
  })

  it("neither loses nor duplicates when the KV position lags the stream (a crash between publish and KV write)", async () => {
    const stream = freshStream()
    const dir = tempDir()
    writeFileSync(join(dir, "a.log"), lines(0, 1000))
    const options = { node: "n", stream, messageBytes: 4096 }
    await Shipper.shipOnce(nats.nc(), dir, options)
    // Roll every KV position back to the start, as if the shipper died before writing any of them.
    const kv = await new Kvm(nats.nc()).open(Naming.bucketOf(stream))
    for await (const key of await kv.keys()) {
      const entry = await kv.get(key)
      if (entry?.string().startsWith("{"))
        await kv.put(key, JSON.stringify({ ...entry.json<object>(), offset: 0, lines: 0 }))
    }
    appendFileSync(join(dir, "a.log"), lines(1000, 10))
    expect((await Shipper.shipOnce(nats.nc(), dir, options)).lines).toBe(10)
    expect(await cat(stream, "n", "a.log")).toBe(lines(0, 1010))
  })

  it("reads, counts and mirrors each byte once when the stream holds a message twice (a publish retried through a fail-over)", async () => {
    const stream = freshStream()
    const dir = tempDir()
    writeFileSync(join(dir, "a.log"), lines(0, 300))
    await Shipper.shipOnce(nats.nc(), dir, { node: "n", stream, messageBytes: 4096 })
    // What nats-server 2.9 stored in the R3 acceptance test: the file's last message again, right after it.
    const jsm = await jetstreamManager(nats.nc())
    const subject = Naming.subject(stream, { node: "n", file: "a.log", generation: 0 })
    const last = await jsm.streams.getMessage(stream, { last_by_subj: subject })
    const again = headers()
    for (const key of Object.values(Naming.Header)) again.set(key, last!.header.get(key))
    const ack = await jetstream(nats.nc()).publish(subject, last!.data, { headers: again })
    expect(ack.seq).toBe(last!.seq + 1)
    expect(await cat(stream, "n", "a.log")).toBe(lines(0, 300))
    const [stored] = await Effect.runPromise(Store.list(nats.nc(), {}, { stream }))
    expect([stored!.bytes, stored!.lines]).toEqual([lines(0, 300).length, 300])
    expect((await Effect.runPromise(Store.count(nats.nc(), {}, { stream }))).lines).toBe(300)
    const mirror = tempDir()
    await Effect.runPromise(Store.mirror(nats.nc(), mirror, {}, { stream }))
    expect(readFileSync(join(mirror, "n", "a.log"), "utf8")).toBe(lines(0, 300))
    // The shipper goes on from the end of what is stored.
    appendFileSync(join(dir, "a.log"), lines(300, 10))
    expect((await Shipper.shipOnce(nats.nc(), dir, { node: "n", stream })).lines).toBe(10)
    expect(await cat(stream, "n", "a.log")).toBe(lines(0, 310))
  })

  it("lays a stored file out at messages that start a line, and counts its ranges each byte once, around a duplicate", async () => {
    const stream = freshStream()
    const dir = tempDir()
    const long = `[2025-01-01T00:00:00] [ERROR] ${"x".repeat(5_000)}\n`
    writeFileSync(join(dir, "a.log"), `${lines(0, 100)}${long}${lines(100, 100)}`)
    const options = { node: "n", stream, messageBytes: 1024, compress: false }
    await Shipper.shipOnce(nats.nc(), dir, options)
    // The last message again, right after it (a publish retried through a fail-over), then more lines after it.
    const jsm = await jetstreamManager(nats.nc())
    const subject = Naming.subject(stream, { node: "n", file: "a.log", generation: 0 })
    const last = await jsm.streams.getMessage(stream, { last_by_subj: subject })
    const again = headers()
    for (const key of Object.values(Naming.Header)) again.set(key, last!.header.get(key))
    await jetstream(nats.nc()).publish(subject, last!.data, { headers: again })
    appendFileSync(join(dir, "a.log"), lines(200, 100))
    await Shipper.shipOnce(nats.nc(), dir, options)
    const content = readFileSync(join(dir, "a.log"))

    const reader = await Store.reader(nats.nc(), { stream })
    const [file] = await reader.layout()
    expect(file).toMatchObject({ node: "n", file: "a.log", subject, firstSeq: 1, bytes: content.length })
    const { cuts } = file!
    expect(cuts.length).toBeGreaterThan(10)
    // Every cut starts a line, at the first copy of its message; none falls inside the long line.
    const longAt = content.indexOf("xxx")
    for (const cut of cuts) {
      expect(content[cut.offset - 1]).toBe(0x0a)
      expect(cut.offset <= longAt || cut.offset > longAt + 5_000).toBe(true)
    }
    expect(cuts.map((c) => c.seq)).toEqual([...cuts.map((c) => c.seq)].sort((a, b) => a - b))
    expect(new Set(cuts.map((c) => c.offset)).size).toBe(cuts.length)

    // Cut everywhere it may be: the ranges add up to the whole file, the duplicate counted once.
    const bounds = [{ seq: file!.firstSeq, offset: 0 }, ...cuts, { seq: file!.lastSeq + 1, offset: file!.bytes }]
    const ranges = bounds.slice(1).map((next, i) => ({
      subject,
      head: file!.firstSeq,
      first: bounds[i]!.seq,
      last: next.seq - 1,
      start: bounds[i]!.offset,
      end: next.offset
    }))
    const counted = await Promise.all(ranges.map((range) => reader.countRange(range)))
    const whole = await Effect.runPromise(Store.count(nats.nc(), {}, { stream }))
    const { files: _, ...wholeCounts } = whole
    expect(Counts.mergeAll(counted.map((c) => c.counts))).toEqual(wholeCounts)
    expect(whole.lines).toBe(301)
    expect(whole.bytes).toBe(content.length)
    // A range not starting the file still reads its lines in the file's format (detected from its first message).
    expect(new Set(counted.map((c) => c.format))).toEqual(new Set([counted[0]!.format]))

    // A range whose messages the stream does not hold (up to `last`) fails rather than count part of it.
    const short = { ...ranges[1]!, last: ranges[1]!.first - 1 }
    await expect(reader.countRange(short)).rejects.toMatchObject({ _tag: "StoreError", reason: "Unavailable" })
  })

  it("lays out files too small to split from their last messages alone, and counts them whole each byte once", async () => {
    const stream = freshStream()
    const dir = tempDir()
    const options = { node: "n", stream, messageBytes: 1024, compress: false }
    writeFileSync(join(dir, "a.log"), lines(0, 5))
    await Shipper.shipOnce(nats.nc(), dir, options)
    writeFileSync(join(dir, "b.log"), lines(0, 200))
    await Shipper.shipOnce(nats.nc(), dir, options)
    // Each file's last message again (publishes retried through a fail-over): a's holds all of a.
    const jsm = await jetstreamManager(nats.nc())
    for (const file of ["a.log", "b.log"]) {
      const subject = Naming.subject(stream, { node: "n", file, generation: 0 })
      const last = await jsm.streams.getMessage(stream, { last_by_subj: subject })
      const again = headers()
      for (const key of Object.values(Naming.Header)) again.set(key, last!.header.get(key))
      await jetstream(nats.nc()).publish(subject, last!.data, { headers: again })
    }

    const reader = await Store.reader(nats.nc(), { stream })
    const [read, b] = await reader.layout()
    expect(read!.cuts).toEqual([])
    expect(b!.firstSeq).toBe(2)
    expect(b!.cuts.length).toBeGreaterThan(5)
    expect(await reader.layout({}, { splitBytes: b!.bytes - 1 })).toEqual([read, b])

    const whole = await reader.layout({}, { splitBytes: b!.bytes })
    expect(whole.map((f) => f.cuts)).toEqual([[], []])
    // a: its last message (the copy) holds it all; b: read from the stream's start, by its subject.
    expect(whole.map((f) => f.firstSeq)).toEqual([read!.lastSeq, 1])
    const counted = await Promise.all(
      whole.map((f) =>
        reader.countRange({
          subject: f.subject,
          head: f.firstSeq,
          first: f.firstSeq,
          last: f.lastSeq,
          start: 0,
          end: f.bytes
        })
      )
    )
    expect(counted.map((c) => c.counts.lines)).toEqual([5, 200])
    const { files: _, ...all } = await reader.count()
    expect(Counts.mergeAll(counted.map((c) => c.counts))).toEqual(all)
  })

  it("fails on bytes missing from the store rather than return a file with a hole", async () => {
    const stream = freshStream()
    const dir = tempDir()
    writeFileSync(join(dir, "a.log"), lines(0, 10))
    await Shipper.shipOnce(nats.nc(), dir, { node: "n", stream })
    const subject = Naming.subject(stream, { node: "n", file: "a.log", generation: 0 })
    const end = lines(0, 10).length
    const after = headers()
    after.set(Naming.Header.offset, String(end + 5))
    after.set(Naming.Header.end, String(end + 5 + line(10).length))
    after.set(Naming.Header.lines, "11")
    await jetstream(nats.nc()).publish(subject, line(10), { headers: after })
    const error = await cat(stream, "n", "a.log").then(
      () => undefined,
      (e: unknown) => e
    )
    expect(error).toMatchObject({
      _tag: "StoreError",
      message: expect.stringContaining(`lacks bytes ${end} to ${end + 5}`)
    })
  })

  it("compresses messages by default (many messages' worth of lines in one), ships them as they are with compress: false", async () => {
    const stream = freshStream()
    const dir = tempDir()
    writeFileSync(join(dir, "a.log"), lines(0, 2000))
    const packed = await Shipper.shipOnce(nats.nc(), dir, { node: "z", stream, messageBytes: 16 * 1024 })
    const plain = await Shipper.shipOnce(nats.nc(), dir, {
      node: "p",
      stream,
      messageBytes: 16 * 1024,
      compress: false
    })
    expect(packed.messages).toBeLessThan(plain.messages / 4)
    const jsm = await jetstreamManager(nats.nc())
    const encodingOf = async (node: string) =>
      (
        await jsm.streams.getMessage(stream, {
          last_by_subj: Naming.subject(stream, { node, file: "a.log", generation: 0 })
        })
      )?.header.get(Naming.Header.encoding)
    expect([await encodingOf("z"), await encodingOf("p")]).toEqual(["zstd", ""])
    for (const node of ["z", "p"]) expect(await cat(stream, node, "a.log")).toBe(lines(0, 2000))
    const counts = await Effect.runPromise(Store.count(nats.nc(), {}, { stream }))
    expect(counts.lines).toBe(4000)
  })

  it("ships a line longer than a message in pieces, only once it is complete", async () => {
    const stream = freshStream()
    const dir = tempDir()
    const long = `[2025-01-01T00:00:00] [ERROR] ${"x".repeat(10_000)}`
    writeFileSync(join(dir, "a.log"), `${line(1)}${long}`)
    const options = { node: "n", stream, messageBytes: 1024 }
    await Shipper.shipOnce(nats.nc(), dir, options)
    expect(await cat(stream, "n", "a.log")).toBe(line(1))
    appendFileSync(join(dir, "a.log"), `\n${line(2)}`)
    await Shipper.shipOnce(nats.nc(), dir, options)
    expect(await cat(stream, "n", "a.log")).toBe(`${line(1)}${long}\n${line(2)}`)
    const counts = await Effect.runPromise(Store.count(nats.nc(), { node: "n" }, { stream }))
    expect(counts.lines).toBe(3)
    expect(counts.levels.ERROR).toBe(2) // the long line and line 2
  })

  it("follows rotation and truncation: every line stored exactly once, in generations", async () => {
    const stream = freshStream()
    const dir = tempDir()
    const path = join(dir, "app.log")
    writeFileSync(path, lines(0, 100))
    const shipper = await Shipper.make(nats.nc(), dir, { node: "n", stream, include: ["*.log"] })
    await shipper.pass()
    appendFileSync(path, lines(100, 50))
    renameSync(path, join(dir, "app.log.1")) // rotated out of the include globs, its last lines unshipped
    writeFileSync(path, lines(150, 20))
    await shipper.pass()
    truncateSync(path, 0)
    writeFileSync(path, lines(170, 5))
    await shipper.pass()
    await shipper.close()
    const stored = await Effect.runPromise(Store.list(nats.nc(), {}, { stream }))
    expect(stored.map((f) => [f.file, f.generation, f.lines])).toEqual([
      ["app.log", 0, 150],
      ["app.log", 1, 20],
      ["app.log", 2, 5]
    ])
    expect(await cat(stream, "n", "app.log")).toBe(lines(0, 175))
    expect(await cat(stream, "n", "app.log", 1)).toBe(lines(150, 20))
    // Mirrored, each generation is a file of its own: the first under the name, later ones as <name>@<generation>.
    const mirror = tempDir()
    await Effect.runPromise(Store.mirror(nats.nc(), mirror, {}, { stream }))
    expect(readFileSync(join(mirror, "n", "app.log"), "utf8")).toBe(lines(0, 150))
    expect(readFileSync(join(mirror, "n", "app.log@1"), "utf8")).toBe(lines(150, 20))
    expect(readFileSync(join(mirror, "n", "app.log@2"), "utf8")).toBe(lines(170, 5))
    expect(Store.mirrorPath({ node: "n", file: "a/b.log", generation: 3 })).toBe(join("n", "a/b.log@3"))
  })

  it("follow ships as files grow until interrupted", async () => {
    const stream = freshStream()
    const dir = tempDir()
    writeFileSync(join(dir, "a.log"), lines(0, 10))
    const passes: Array<Shipper.PassResult> = []
    const fiber = Effect.runFork(
      Shipper.follow(nats.nc(), dir, { node: "n", stream, interval: "50 millis" }).pipe(
        Stream.runForEach((pass) => Effect.sync(() => passes.push(pass)))
      )
    )
    for (let i = 1; i <= 5; i++) {
      await new Promise((resolve) => setTimeout(resolve, 60))
      appendFileSync(join(dir, "a.log"), lines(i * 10, 10))
    }
    const deadline = Date.now() + 10_000
    while ((passes.at(-1)?.lines ?? 0) < 60 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50))
    await Effect.runPromise(Fiber.interrupt(fiber))
    expect(await cat(stream, "n", "a.log")).toBe(lines(0, 60))
  })

  it("counts like core's analysis of the same files, mirrors to a directory, and removes", async () => {
    const stream = freshStream()
    const dir = tempDir()
    writeFileSync(join(dir, "a.log"), lines(0, 3000))
    writeFileSync(join(dir, "b.log"), `${lines(7, 100)}no level here\n`)
    await Shipper.shipOnce(nats.nc(), dir, { node: "x", stream, messageBytes: 8192 })
    await Shipper.shipOnce(nats.nc(), dir, { node: "y", stream })
    const onDisk = await Effect.runPromise(DirectoryAnalysis.analyse(dir))
    const counted = await Effect.runPromise(Store.count(nats.nc(), { node: "x" }, { stream }))
    expect(Counts.equals(counted, onDisk.counts)).toBe(true)
    expect(counted.files).toBe(2)
    const both = await Effect.runPromise(Store.count(nats.nc(), {}, { stream }))
    expect(both.lines).toBe(2 * onDisk.counts.lines)

    const mirror = tempDir()
    const first = await Effect.runPromise(Store.mirror(nats.nc(), mirror, {}, { stream }))
    expect(first.files).toBe(4)
    expect(readFileSync(join(mirror, "y", "b.log"), "utf8")).toBe(readFileSync(join(dir, "b.log"), "utf8"))
    appendFileSync(join(dir, "a.log"), lines(3000, 3))
    await Shipper.shipOnce(nats.nc(), dir, { node: "x", stream, messageBytes: 8192 })
    const second = await Effect.runPromise(Store.mirror(nats.nc(), mirror, {}, { stream }))
    expect(second).toEqual({ files: 1, bytes: lines(3000, 3).length })
    expect(readFileSync(join(mirror, "x", "a.log"), "utf8")).toBe(lines(0, 3003))

    expect(await Effect.runPromise(Store.remove(nats.nc(), { node: "x", file: "a.log" }, { stream }))).toBeGreaterThan(
      0
    )
    expect((await Effect.runPromise(Store.list(nats.nc(), {}, { stream }))).map((f) => `${f.node}/${f.file}`)).toEqual([
      "x/b.log",
      "y/a.log",
      "y/b.log"
    ])
    await Effect.runPromise(Store.remove(nats.nc(), { node: "y" }, { stream }))
    expect(await Effect.runPromise(Store.list(nats.nc(), { node: "y" }, { stream }))).toEqual([])
    // Removed means forgotten: shipping again sends the file from its start.
    const again = await Shipper.shipOnce(nats.nc(), dir, { node: "x", stream })
    expect(again.events).toContainEqual(expect.objectContaining({ _tag: "Added", file: "a.log", generation: 1 }))
    expect(await cat(stream, "x", "a.log")).toBe(lines(0, 3003))
  })

  it("stops with Conflict rather than interleave when two shippers ship the same files under one node name", async () => {
    const stream = freshStream()
    const dir = tempDir()
    writeFileSync(join(dir, "a.log"), lines(0, 10))
    const options = { node: "twin", stream }
    const first = await Shipper.make(nats.nc(), dir, options)
    const second = await Shipper.make(nats.nc(), dir, options)
    await first.pass()
    appendFileSync(join(dir, "a.log"), lines(10, 5))
    expect((await second.pass()).lines).toBe(5) // resumed where the stream ends: nothing twice
    appendFileSync(join(dir, "a.log"), lines(15, 5))
    const error = await first.pass().then(
      () => undefined,
      (e: unknown) => e
    )
    expect(error).toMatchObject({ _tag: "StoreError", reason: "Conflict" })
    expect(String((error as Error).message)).toContain("another shipper running with --node twin")
    await first.close()
    await second.close()
    expect(await cat(stream, "twin", "a.log")).toBe(lines(0, 15))
  })

  it("fails with one clear line on a missing store, an empty node name or a missing path", async () => {
    const missing = await Effect.runPromise(Effect.flip(Store.list(nats.nc(), {}, { stream: "NOPE" })))
    expect(missing.reason).toBe("NotFound")
    const empty = await Effect.runPromise(Effect.flip(Shipper.ship(nats.nc(), tempDir(), { node: "" })))
    expect(empty.reason).toBe("BadInput")
    const noPath = await Effect.runPromise(
      Effect.flip(Shipper.ship(nats.nc(), "/nonexistent/dla", { node: "n", stream: freshStream() }))
    )
    expect(noPath.reason).toBe("BadInput")
    expect(noPath.message).toContain("/nonexistent/dla")
  })

  it("names subjects and message ids so any node or file name fits", () => {
    const id = { node: "host.example.com", file: "a dir/x*.log", generation: 2 }
    const subject = Naming.subject("S", id)
    expect(subject.split(".")).toHaveLength(4)
    expect(Naming.parseSubject("S", subject)).toEqual(id)
    expect(Naming.messageId(id, 42)).not.toBe(Naming.messageId(id, 43))
  })
})
