/**
 * Every diagnostic of `dla` goes through @dla/logger: stderr, the logger's line format, `[rank]` inside a launch, no
 * colour under NO_COLOR, `--log-level` (which wins over DLA_LOG_LEVEL and LOG_LEVEL); stdout carries only results,
 * and a fatal error keeps its one `dla:` line.
 */
import { spawnSync } from "node:child_process"
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { availableParallelism, tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { diagnostics, dla, dlaWith, logLine } from "./cli.ts"

const work = mkdtempSync(join(tmpdir(), "dla-diagnostics-"))
const logs = join(work, "logs")
const tooMany = String(availableParallelism() + 1)
const warning = /^WARN --workers \d+ is more than the \d+ core\(s\) of this machine: expect it slower, not faster$/

beforeAll(() => {
  expect(dla("generate", logs, "--files", "2", "--lines", "50", "--seed", "2").status).toBe(0)
})
afterAll(() => rmSync(work, { recursive: true, force: true }))

describe("dla's diagnostics", () => {
  it("a warning is a line of the logger on stderr; stdout holds only the results", () => {
    const run = dla("analyse", logs, "--workers", tooMany)
    expect(run.status, run.stderr).toBe(0)
    expect(run.stderr).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] WARN {5}--workers \d+ is more than/m)
    expect(diagnostics(run.stderr)).toEqual([expect.stringMatching(warning)])
    expect(run.stdout.split("\n").filter((line) => logLine.test(line))).toEqual([])
    expect(run.stdout).toMatch(/^ANALYSIS RESULTS$/m)
  })

  it("--log-level error hides warnings, wherever it stands and however it is spelled; results stay", () => {
    for (const args of [
      ["analyse", logs, "--workers", tooMany, "--log-level", "error"],
      ["analyse", logs, "--workers", tooMany, "--log-level=error"],
      ["--log-level", "error", "analyse", logs, "--workers", tooMany]
    ]) {
      const run = dla(...args)
      expect(run.status, run.stderr).toBe(0)
      expect(run.stderr, args.join(" ")).toBe("")
      expect(run.stdout).toMatch(/^ANALYSIS RESULTS$/m)
    }
  })

  it("DLA_LOG_LEVEL and LOG_LEVEL set the level; --log-level wins over both", () => {
    const quiet = (env: Record<string, string>, ...more: Array<string>) =>
      diagnostics(dlaWith(env, "analyse", logs, "--workers", tooMany, ...more).stderr)
    expect(quiet({ LOG_LEVEL: "error" })).toEqual([])
    expect(quiet({ DLA_LOG_LEVEL: "error", LOG_LEVEL: "debug" })).toEqual([])
    expect(quiet({ DLA_LOG_LEVEL: "debug", LOG_LEVEL: "error" })).toEqual([expect.stringMatching(warning)])
    expect(quiet({ DLA_LOG_LEVEL: "error", NVRX_LOG_DEBUG: "1" }, "--log-level", "warn")).toEqual([
      expect.stringMatching(warning)
    ])
  })

  it("inside a launch each line carries the rank", () => {
    const run = dlaWith({ RANK: "0", WORLD_SIZE: "2" }, "analyse", logs, "--workers", tooMany)
    expect(run.status, run.stderr).toBe(0)
    expect(run.stderr).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] \[0\] WARN {5}--workers/m)
  })

  it("on a terminal the level is coloured, never with NO_COLOR", () => {
    const bin = fileURLToPath(new URL("../src/bin.ts", import.meta.url))
    // `script` gives the command a terminal; its stdout goes nowhere, its stderr comes out of script's output.
    const onTerminal = (env: Record<string, string>) =>
      spawnSync(
        "script",
        [
          "-qec",
          `${process.execPath} --conditions=source ${bin} analyse ${logs} --workers ${tooMany} >/dev/null`,
          "/dev/null"
        ],
        { encoding: "utf8", timeout: 30_000, env: { ...process.env, ...env } }
      ).stdout
    expect(onTerminal({})).toContain("\x1b[33mWARN\x1b[0m")
    const plain = onTerminal({ NO_COLOR: "1" })
    expect(plain).toMatch(/WARN {5}--workers/)
    expect(plain).not.toContain("\x1b[33m")
  })

  it("dla copy: the copier's lines on stderr at the level asked, only the summary on stdout", () => {
    const src = join(work, "copy-src")
    mkdirSync(src)
    writeFileSync(join(src, "a.log"), "one\n")
    const args = ["copy", "*.log", "--root-dir", src, "--dest", `file://${join(work, "copy-dest")}`, "--once"]
    const env = { DLA_HDFS_STATE_DIR: join(work, "state") }
    const run = dlaWith(env, ...args)
    expect(run.status, run.stderr).toBe(0)
    expect(run.stdout).toBe(`Copied 1 file, 4 bytes to file://${join(work, "copy-dest")}\n`)
    expect(diagnostics(run.stderr)).toContain("INFO Copy enabled (default behavior)")
    const quiet = dlaWith(env, ...args, "--log-level", "warn")
    expect(quiet.status, quiet.stderr).toBe(0)
    expect(quiet.stderr).toBe("")
  })

  it("a fatal error stays one line, after the run's diagnostics", () => {
    const run = dla("analyse", join(work, "missing"), "--workers", tooMany)
    expect(run.status).toBe(1)
    expect(diagnostics(run.stderr)).toEqual([
      expect.stringMatching(warning),
      `dla: ${join(work, "missing")}: no such file or directory (ENOENT)`
    ])
  })
})
