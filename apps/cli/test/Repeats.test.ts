import { closeSync, mkdtempSync, openSync, readFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Logging } from "@dla/logger"
import * as Effect from "effect/Effect"
import { afterEach, describe, expect, it } from "vitest"
import * as Diagnostics from "../src/internal/Diagnostics.ts"
import * as Repeats from "../src/internal/Repeats.ts"
import * as Run from "../src/internal/Run.ts"

const collect = (windowMs?: number) => {
  const written: Array<string> = []
  let clock = 0
  const repeats = Repeats.make((line) => written.push(line), { now: () => clock, ...(windowMs ? { windowMs } : {}) })
  return {
    written,
    repeats,
    at: (ms: number) => {
      clock = ms
    }
  }
}

describe("Repeats", () => {
  it("writes a repeated line once, then its count when something else is said", () => {
    const { written, repeats } = collect()
    for (let i = 0; i < 377; i++) repeats.line("checkpoint failed, retrying: timeout")
    repeats.line("worker w1 joined")
    repeats.flush()
    expect(written).toEqual([
      "checkpoint failed, retrying: timeout",
      "checkpoint failed, retrying: timeout (repeated 376 more times)",
      "worker w1 joined"
    ])
  })

  it("collapses interleaved repeats too, and flush gives the counts still open", () => {
    const { written, repeats } = collect()
    for (let i = 0; i < 3; i++) {
      repeats.line("a")
      repeats.line("b")
    }
    repeats.flush()
    repeats.flush()
    expect(written).toEqual(["a", "b", "a (repeated 2 more times)", "b (repeated 2 more times)"])
  })

  it("says a line again after the window, with the count of the window before", () => {
    const { written, repeats, at } = collect(1_000)
    repeats.line("slow")
    at(500)
    repeats.line("slow")
    at(1_200)
    repeats.line("slow")
    repeats.line("other")
    expect(written).toEqual(["slow", "slow (repeated 1 more time)", "slow", "other"])
  })
})

describe("Run.progress", () => {
  afterEach(() => Logging.shutdown())

  it("prints the master's repeated retry warning once with its count, through @dla/logger", () => {
    const file = join(mkdtempSync(join(tmpdir(), "dla-repeats-")), "stderr")
    const fd = openSync(file, "w")
    Logging.forceReset({ consoleFd: fd })
    // The program's layer (EffectLogs) hands the logger over before any command runs: lines are written at once.
    Diagnostics.use(Logging)
    const progress = Run.progress()
    for (let i = 0; i < 377; i++)
      Effect.runSync(progress.read({ _tag: "Retrying", what: "checkpoint", reason: "timeout" }))
    progress.finish()
    Logging.flush()
    closeSync(fd)
    expect(readFileSync(file, "utf8").replace(/^\[\d\d:\d\d:\d\d\.\d{3}\] /gm, "")).toBe(
      [
        "WARN     checkpoint failed, retrying: timeout\n",
        "WARN     checkpoint failed, retrying: timeout (repeated 376 more times)\n"
      ].join("")
    )
  })
})
