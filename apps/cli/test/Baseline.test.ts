/** A recorded sequential run gives later runs of the same input the assignment's `Speedup`, without --baseline. */
import { spawnSync } from "node:child_process"
import { appendFileSync, mkdtempSync, rmSync } from "node:fs"
import { homedir, tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { Counts } from "@dla/core"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as Baseline from "../src/internal/Baseline.ts"
import { dla } from "./cli.ts"

const bin = fileURLToPath(new URL("../src/bin.ts", import.meta.url))
let work = ""
let env: NodeJS.ProcessEnv = {}
beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), "dla-baseline-"))
  env = { ...process.env, DLA_BASELINE_DIR: join(work, "baselines") }
})
afterAll(() => rmSync(work, { recursive: true, force: true }))

const analyse = (...args: Array<string>) =>
  spawnSync(process.execPath, ["--conditions=source", bin, "analyse", ...args], { env, encoding: "utf8" })

describe("Baseline", () => {
  it("gives back a recorded time only for the same input", () => {
    const input = { files: 2, counts: { ...Counts.empty, lines: 10, bytes: 100 } }
    // DLA_BASELINE_DIR from this environment.
    const at = { DLA_BASELINE_DIR: join(work, "baselines") }
    const run = <A>(effect: Effect.Effect<A>) => Effect.runSync(effect)
    expect(run(Baseline.recorded("run-a", input, at))).toEqual(Option.none())
    run(Baseline.record("run-a", input, 1.5, at))
    expect(run(Baseline.recorded("run-a", input, at))).toEqual(Option.some(1.5))
    expect(run(Baseline.recorded("run-a", { ...input, files: 3 }, at))).toEqual(Option.none())
    expect(run(Baseline.recorded("run-b", input, at))).toEqual(Option.none())
  })

  it("lives in DLA_BASELINE_DIR, else under XDG_CACHE_HOME, else under ~/.cache", () => {
    expect(Baseline.directory({ DLA_BASELINE_DIR: "/b", XDG_CACHE_HOME: "/c" })).toBe("/b")
    expect(Baseline.directory({ XDG_CACHE_HOME: "/c" })).toBe(join("/c", "dla", "baselines"))
    expect(Baseline.directory({})).toBe(join(homedir(), ".cache", "dla", "baselines"))
  })

  it("dla analyse --sequential records it; a parallel run of the same input prints Speedup, a changed input not", () => {
    const logs = join(work, "sample_logs")
    expect(dla("generate", logs, "--style", "assignment", "--files", "3", "--lines", "200").status).toBe(0)
    expect(analyse(logs, "--sequential").status).toBe(0)
    const parallel = analyse(logs, "--workers", "2", "--json")
    expect(parallel.status).toBe(0)
    expect(JSON.parse(parallel.stdout).speedup).toBeGreaterThan(0)
    expect(analyse(logs, "--workers", "2")).toMatchObject({ stdout: expect.stringContaining("Speedup: ") })
    appendFileSync(join(logs, "node1.log"), "[2025-01-01T00:00:00] [INFO] Cache miss\n")
    expect(JSON.parse(analyse(logs, "--workers", "2", "--json").stdout).speedup).toBeNull()
  })
})
