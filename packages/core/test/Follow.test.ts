import { appendFileSync, mkdtempSync, renameSync, truncateSync, unlinkSync, utimesSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { type Counts, Follow } from "@dla/core"
import { Effect, Stream } from "effect"
import { afterEach, describe, expect, it } from "vitest"

const line = (level: string, i: number) =>
  `[2025-01-01T00:00:${String(i % 60).padStart(2, "0")}] [${level}] message ${i}\n`

/** What the follower must report: every complete line written so far, counted independently by level word. */
class Written {
  readonly levels: Record<string, number> = {}
  lines = 0
  add(level: string, n = 1) {
    this.levels[level] = (this.levels[level] ?? 0) + n
    this.lines += n
  }
}

const expectCounts = (counts: Counts.Counts, written: Written) => {
  expect(counts.levels).toEqual(written.levels)
  expect(counts.lines).toBe(written.lines)
  expect(counts.unmatched).toBe(0)
}

describe("Follow", () => {
  let follower: Follow.Follower | undefined
  afterEach(async () => {
    await follower?.close()
    follower = undefined
  })

  const setup = () => {
    const dir = mkdtempSync(join(tmpdir(), "dla-follow-"))
    follower = Follow.make(dir)
    return { dir, follower }
  }

  /** A follower whose directory holds app.log with one INFO line, already polled once. */
  const followingOneLine = async () => {
    const { dir, follower } = setup()
    const written = new Written()
    const app = join(dir, "app.log")
    writeFileSync(app, line("INFO", 1))
    written.add("INFO")
    await follower.poll()
    return { dir, follower, written, app }
  }

  it("counts existing lines, then appended ones, holding a partial last line until its newline", async () => {
    const { dir, follower } = setup()
    const written = new Written()
    const app = join(dir, "app.log")
    writeFileSync(app, line("INFO", 1) + line("ERROR", 2))
    written.add("INFO")
    written.add("ERROR")
    expectCounts((await follower.poll()).counts, written)

    const partial = line("WARN", 3)
    appendFileSync(app, partial.slice(0, 10))
    expectCounts((await follower.poll()).counts, written)
    appendFileSync(app, partial.slice(10) + line("DEBUG", 4))
    written.add("WARN")
    written.add("DEBUG")
    expectCounts((await follower.poll()).counts, written)
  })

  it("picks up new files and keeps counts across a rename rotation, reading lines written just before it", async () => {
    const { dir, follower, written, app } = await followingOneLine()
    // Written after the last poll, then rotated away: still counted, once.
    appendFileSync(app, line("ERROR", 2))
    written.add("ERROR")
    renameSync(app, join(dir, "app.log.1"))
    writeFileSync(app, line("WARN", 3))
    written.add("WARN")
    writeFileSync(join(dir, "other.log"), line("INFO", 4))
    written.add("INFO")
    const snapshot = await follower.poll()
    expectCounts(snapshot.counts, written)
    expect(snapshot.files).toBe(3)
    expect(snapshot.events).toContainEqual({ _tag: "Renamed", from: app, to: join(dir, "app.log.1") })
    // A rotated file that is then deleted keeps what it counted.
    appendFileSync(join(dir, "app.log.1"), line("FATAL", 5))
    written.add("FATAL")
    const rotated = join(dir, "app.log.1")
    await follower.poll()
    unlinkSync(rotated)
    const after = await follower.poll()
    expectCounts(after.counts, written)
    expect(after.files).toBe(2)
    expect(after.filesSeen).toBe(3)
  })

  it("restarts at the beginning of a truncated file, keeping what was counted before", async () => {
    const { dir, follower } = setup()
    const written = new Written()
    const app = join(dir, "app.log")
    writeFileSync(app, line("INFO", 1) + line("INFO", 2))
    written.add("INFO", 2)
    await follower.poll()
    truncateSync(app, 0)
    appendFileSync(app, line("ERROR", 3))
    written.add("ERROR")
    const snapshot = await follower.poll()
    expectCounts(snapshot.counts, written)
    expect(snapshot.events).toContainEqual({ _tag: "Truncated", path: app })
  })

  it("notices a truncation even when the file is back at its old size before the next poll", async () => {
    const { follower, written, app } = await followingOneLine()
    // Same length as before (`> app.log` then one line): the size alone cannot tell.
    writeFileSync(app, line("WARN", 1))
    written.add("WARN")
    const snapshot = await follower.poll()
    expectCounts(snapshot.counts, written)
    expect(snapshot.events).toContainEqual({ _tag: "Truncated", path: app })
    // Touching a file changes its time, not its content: nothing is counted again.
    const now = new Date()
    utimesSync(app, now, new Date(now.getTime() + 5_000))
    expectCounts((await follower.poll()).counts, written)
  })

  it("counts a held partial last line on close, as the sequential analyser counts a last line", async () => {
    const { dir, follower } = setup()
    writeFileSync(join(dir, "app.log"), line("INFO", 1) + line("ERROR", 2).trimEnd())
    expect((await follower.poll()).counts.lines).toBe(1)
    const last = await follower.close()
    expect(last.counts.levels).toEqual({ INFO: 1, ERROR: 1 })
    expect(last.files).toBe(0)
  })

  it("streams snapshots and closes the files when the stream ends", async () => {
    const dir = mkdtempSync(join(tmpdir(), "dla-follow-"))
    writeFileSync(join(dir, "a.log"), line("INFO", 1))
    let closed: Follow.Snapshot | undefined
    const snapshots = await Effect.runPromise(
      Stream.runCollect(
        Follow.stream(dir, { interval: "10 millis", onClose: (last) => (closed = last) }).pipe(Stream.take(2))
      )
    )
    expect([...snapshots].map((s) => s.counts.lines)).toEqual([1, 1])
    expect(closed?.files).toBe(0)
  })
})
