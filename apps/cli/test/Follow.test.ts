import { appendFileSync, mkdtempSync, renameSync, truncateSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { gather, startNatsServer } from "@dla/testing"
import { afterEach, describe, expect, it } from "vitest"
import { dla, start } from "./cli.ts"

const line = (level: string) => `[2025-01-01T00:00:00] [${level}] message\n`

/** A running `dla analyse --follow` whose stderr lines can be awaited, so each step waits for the previous poll. */
const follow = (dir: string, ...more: Array<string>) => {
  const child = start("analyse", dir, "--follow", "--interval", "0.05", "--json", ...more)
  const waiters: Array<{ pattern: RegExp; resolve: () => void }> = []
  const output = gather(child, (stderr) => {
    for (const w of [...waiters]) {
      if (w.pattern.test(stderr)) {
        waiters.splice(waiters.indexOf(w), 1)
        w.resolve()
      }
    }
  })
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)))
  return {
    child,
    /** Resolves once stderr (all of it so far) matches `pattern`. */
    seen: (pattern: RegExp) =>
      new Promise<void>((resolve, reject) => {
        if (pattern.test(output.stderr)) return resolve()
        const timer = setTimeout(() => reject(new Error(`not seen: ${pattern}\nstderr:\n${output.stderr}`)), 20_000)
        waiters.push({
          pattern,
          resolve: () => {
            clearTimeout(timer)
            resolve()
          }
        })
      }),
    stop: async () => {
      child.kill("SIGTERM")
      const code = await exited
      return { code, ...output }
    }
  }
}

describe("dla analyse --follow", () => {
  let running: ReturnType<typeof follow> | undefined
  afterEach(() => {
    running?.child.kill("SIGKILL")
    running = undefined
  })

  it("counts appended, rotated, new and truncated files exactly, and prints the results when stopped", async () => {
    const dir = mkdtempSync(join(tmpdir(), "dla-follow-cli-"))
    const app = join(dir, "app.log")
    writeFileSync(app, line("INFO") + line("ERROR"))
    running = follow(dir)
    await running.seen(/2 lines so far/)

    appendFileSync(app, line("WARN"))
    await running.seen(/3 lines so far/)

    // Rotation: rename, then a new file under the old name; one line lands in the old file just before.
    appendFileSync(app, line("DEBUG"))
    renameSync(app, join(dir, "app.log.1"))
    writeFileSync(app, line("INFO"))
    await running.seen(/renamed to .*app\.log\.1/)
    await running.seen(/5 lines so far/)

    // Truncation: what was counted stays counted; the file is read again from its start.
    truncateSync(app, 0)
    writeFileSync(app, line("FATAL"))
    await running.seen(/was truncated/)
    await running.seen(/6 lines so far/)

    // A partial last line is held, and counted when the run stops.
    appendFileSync(join(dir, "app.log.1"), "[2025-01-01T00:00:00] [ERROR] no newline yet")
    const { code, stdout } = await running.stop()
    expect(code).toBe(143) // stopped by SIGTERM: 128 + 15, as shells report it
    const results = JSON.parse(stdout)
    expect(results.lines).toBe(7)
    expect(results.unmatched).toBe(0)
    expect(results.filesProcessed).toBe(2)
    expect(results.levels).toMatchObject({ INFO: 2, ERROR: 2, WARN: 1, DEBUG: 1, FATAL: 1 })
  })

  it("refuses --for without --follow, a bad --run, and --interval 0 as usage errors", () => {
    const dir = mkdtempSync(join(tmpdir(), "dla-follow-cli-"))
    for (const args of [
      ["--for", "1"],
      ["--follow", "--nats", "nats://127.0.0.1:1", "--run", "not a run id"],
      ["--follow", "--interval", "0"]
    ]) {
      const run = dla("analyse", dir, ...args)
      expect(run.status).toBe(2)
      expect(run.stderr.trim().split("\n")).toHaveLength(1)
    }
  })

  it("stops by itself after --for seconds with exit 0", () => {
    const dir = mkdtempSync(join(tmpdir(), "dla-follow-cli-"))
    writeFileSync(join(dir, "a.log"), line("WARN"))
    const run = dla("analyse", dir, "--follow", "--interval", "0.05", "--for", "0.3", "--json")
    expect(run.status).toBe(0)
    expect(JSON.parse(run.stdout)).toMatchObject({ lines: 1, filesProcessed: 1 })
  })

  it("with --nats, publishes the live counts for dla status, and the run's end", async () => {
    const server = await startNatsServer()
    try {
      const dir = mkdtempSync(join(tmpdir(), "dla-follow-cli-"))
      const app = join(dir, "app.log")
      writeFileSync(app, line("INFO"))
      running = follow(dir, "--nats", server.url, "--run", "tail")
      await running.seen(/following .* as run tail \(dla status --run tail\)/)
      await running.seen(/1 lines so far/)
      appendFileSync(app, line("ERROR") + line("ERROR"))
      await running.seen(/3 lines so far/)
      // The snapshot is written every half second: poll dla status (bounded) until it has caught up.
      const status = async (ready: (state: { status: string; counts: { lines: number } }) => boolean) => {
        for (let i = 0; i < 40; i++) {
          const run = dla("status", "--nats", server.url, "--run", "tail", "--json")
          if (run.status === 0 && ready(JSON.parse(run.stdout))) return JSON.parse(run.stdout)
          await new Promise((resolve) => setTimeout(resolve, 250))
        }
        throw new Error("dla status never showed the expected state")
      }
      const live = await status((s) => s.counts.lines === 3)
      expect(live).toMatchObject({ status: "running", counts: { lines: 3, levels: { INFO: 1, ERROR: 2 } } })
      const { stdout } = await running.stop()
      expect(JSON.parse(stdout)).toMatchObject({ lines: 3 })
      expect(await status((s) => s.status === "done")).toMatchObject({ counts: { lines: 3 } })
    } finally {
      await server.stop()
    }
  })
})
