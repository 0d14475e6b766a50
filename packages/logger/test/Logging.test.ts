import * as fs from "node:fs"
import * as path from "node:path"
import * as DistributedContext from "@dla/core/DistributedContext"
import { Logging } from "@dla/logger"
import { afterEach, describe, expect, it } from "vitest"
import { cleanEnv, spawnFixture, tempDir } from "./helpers.ts"

const context = (rank: number, distributed = true): DistributedContext.DistributedContext => ({
  ...DistributedContext.standalone("n1"),
  launcher: distributed ? "torchrun" : "none",
  role: rank === 0 ? "coordinator" : "worker",
  rank,
  localRank: rank % 2,
  worldSize: distributed ? 4 : 1,
  localWorldSize: 2,
  nodeRank: Math.floor(rank / 2),
  isMaster: rank === 0,
  isDistributed: distributed
})

let cleanups: Array<() => void> = []
afterEach(() => {
  Logging.shutdown()
  for (const cleanup of cleanups) cleanup()
  cleanups = []
})

/** Console lines go to a temp file: `lines()` reads them back. */
const capture = () => {
  const temp = tempDir()
  cleanups.push(temp.cleanup)
  const file = path.join(temp.dir, "console.txt")
  const fd = fs.openSync(file, "a")
  cleanups.unshift(() => fs.closeSync(fd))
  return {
    dir: temp.dir,
    consoleFd: fd,
    lines: () => {
      Logging.flush()
      const text = fs.readFileSync(file, "utf8")
      return text === "" ? [] : text.trimEnd().split("\n")
    }
  }
}

const TIME = String.raw`\[\d\d:\d\d:\d\d\.\d{3}\]`

describe("initLogging", () => {
  it("prints `[time] [rank] LEVEL    message` with the level padded, only at or above the level", () => {
    const out = capture()
    const log = Logging.initLogging({
      consoleFd: out.consoleFd,
      context: context(3),
      env: {},
      level: "warning",
      showRank: true
    })
    log.info("hidden")
    log.warn("shown")
    log.error("also shown", { step: 7, tags: ["a"] })
    expect(out.lines()).toHaveLength(2)
    expect(out.lines()[0]).toMatch(new RegExp(`^${TIME} \\[3\\] WARN     shown$`))
    expect(out.lines()[1]).toMatch(new RegExp(`^${TIME} \\[3\\] ERROR    also shown step=7 tags=\\["a"\\]$`))
  })

  it("shows the rank only with showRank (default false, as show_rank in the logging-helpers guide)", () => {
    const out = capture()
    Logging.initLogging({ consoleFd: out.consoleFd, context: context(0, false), env: {} }).info("plain")
    Logging.forceReset({ consoleFd: out.consoleFd, context: context(2), env: {} }).info("hidden rank")
    Logging.forceReset({ consoleFd: out.consoleFd, context: context(0, false), env: {}, showRank: true }).info("shown")
    expect(out.lines()).toEqual([
      expect.stringMatching(new RegExp(`^${TIME} INFO     plain$`)),
      expect.stringMatching(new RegExp(`^${TIME} INFO     hidden rank$`)),
      expect.stringMatching(new RegExp(`^${TIME} \\[0\\] INFO     shown$`))
    ])
  })

  it("takes the level from DLA_LOG_DEBUG/NVRX_LOG_DEBUG, else LOG_LEVEL, else the option, else INFO", () => {
    const out = capture()
    const levelWith = (options: Parameters<typeof Logging.forceReset>[0]) => {
      Logging.forceReset({ consoleFd: out.consoleFd, context: context(0), ...options })
      return Logging.currentLevel()
    }
    expect(levelWith({ env: {} })).toBe("INFO")
    expect(levelWith({ env: { LOG_LEVEL: "error" } })).toBe("ERROR")
    expect(levelWith({ env: { LOG_LEVEL: "error", DLA_LOG_DEBUG: "yes" } })).toBe("DEBUG")
    expect(levelWith({ env: { NVRX_LOG_DEBUG: "on" } })).toBe("DEBUG")
    // The logging-helpers guide: `export LOG_LEVEL=DEBUG` overrides the level given in code.
    expect(levelWith({ env: { LOG_LEVEL: "DEBUG" }, level: "WARNING" })).toBe("DEBUG")
    expect(levelWith({ env: { DLA_LOG_DEBUG: "yes" }, level: "error" })).toBe("DEBUG")
    expect(levelWith({ env: {}, level: "trace" })).toBe("TRACE")
    Logging.getLogger().trace("now visible")
    expect(out.lines()).toEqual([expect.stringMatching(/TRACE {4}now visible$/)])
  })

  it("keeps the first setup on a second call; forceReset replaces it", () => {
    const out = capture()
    Logging.initLogging({ consoleFd: out.consoleFd, context: context(0), env: {}, level: "ERROR" })
    Logging.initLogging({ consoleFd: out.consoleFd, context: context(0), env: {}, level: "DEBUG" })
    expect(Logging.currentLevel()).toBe("ERROR")
    Logging.forceReset({ consoleFd: out.consoleFd, context: context(0), env: {}, level: "DEBUG" })
    expect(Logging.currentLevel()).toBe("DEBUG")
  })

  it("writes `<name>.log` on rank 0 and `<name>_<rank>.log` on rank N under <runDir>/logs", () => {
    const out = capture()
    for (const rank of [0, 2]) {
      Logging.forceReset({
        runDir: out.dir,
        name: "job",
        showRank: true,
        console: false,
        context: context(rank),
        env: {}
      }).info(`from ${rank}`)
    }
    Logging.shutdown()
    const read = (file: string) => fs.readFileSync(path.join(out.dir, "logs", file), "utf8")
    expect(read("job.log")).toMatch(/^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}\] \[0\] INFO {5}from 0\n$/)
    expect(read("job_2.log")).toMatch(/^\[[^\]]+\] \[2\] INFO {5}from 2\n$/)
  })

  it("writes JSON lines in JSON mode, with fields and, when asked, the caller's file:line", () => {
    const out = capture()
    const log = Logging.initLogging({
      consoleFd: out.consoleFd,
      context: context(1),
      env: { DLA_LOG_JSON: "1" },
      source: true
    })
    Logging.getLogger("io").info("read", { bytes: 42 })
    log.warn("root")
    const [first, second] = out.lines().map((line) => JSON.parse(line))
    expect(first).toEqual({
      time: expect.stringMatching(/Z$/),
      level: "INFO",
      rank: 1,
      localRank: 1,
      node: "n1",
      logger: "io",
      msg: "read",
      source: expect.stringMatching(/^Logging\.test\.ts:\d+$/),
      bytes: 42
    })
    expect(second).toMatchObject({ level: "WARN", msg: "root" })
    expect(second.logger).toBeUndefined()
  })
})

describe("emit and flush", () => {
  it("emit writes one record with its own time, fields and spans (the Effect logger's way in)", () => {
    const out = capture()
    Logging.initLogging({ consoleFd: out.consoleFd, context: context(2), env: { DLA_LOG_JSON: "1" } })
    Logging.emit("NOTICE", "sched", "queued", { time: Date.UTC(2026, 0, 1), fields: { n: 3 }, spans: [["wait", 12]] })
    Logging.emit("DEBUG", "sched", "below the level")
    expect(out.lines().map((line) => JSON.parse(line))).toEqual([
      {
        time: "2026-01-01T00:00:00.000Z",
        level: "NOTICE",
        rank: 2,
        localRank: 0,
        node: "n1",
        logger: "sched",
        msg: "queued",
        n: 3,
        spans: { wait: 12 }
      }
    ])
  })

  it("per-rank file lines wait in a buffer until flush (or an ERROR, or 100 ms, or exit)", () => {
    const out = capture()
    const log = Logging.initLogging({ runDir: out.dir, name: "dla", console: false, context: context(1), env: {} })
    const file = path.join(out.dir, "logs", "dla_1.log")
    log.info("buffered")
    expect(fs.readFileSync(file, "utf8")).toBe("")
    Logging.flush()
    expect(fs.readFileSync(file, "utf8")).toMatch(/INFO {5}buffered\n$/)
    log.error("at once")
    expect(fs.readFileSync(file, "utf8")).toMatch(/ERROR {4}at once\n$/)
  })
})

describe("helpers", () => {
  it("logMaster logs on global rank 0 only, at the level asked", () => {
    const out = capture()
    Logging.initLogging({ consoleFd: out.consoleFd, context: context(1), env: {}, showRank: true })
    Logging.logMaster("from rank 1")
    Logging.forceReset({ consoleFd: out.consoleFd, context: context(0), env: {}, showRank: true })
    Logging.logMaster("from rank 0", { level: "warning", logger: "setup" })
    expect(out.lines()).toEqual([expect.stringMatching(/\[0\] WARN {5}setup: from rank 0$/)])
  })

  it("logAll logs on every rank; logError adds the stack and causes", () => {
    const out = capture()
    Logging.initLogging({ consoleFd: out.consoleFd, context: context(1), env: {}, showRank: true })
    Logging.logAll("everyone", { logger: Logging.getLogger("x") })
    Logging.logError("failed", new Error("outer", { cause: new Error("inner") }))
    const lines = out.lines()
    expect(lines[0]).toMatch(/\[1\] INFO {5}x: everyone$/)
    expect(lines[1]).toMatch(/\[1\] ERROR {4}failed: Error: outer$/)
    expect(lines.join("\n")).toContain("Caused by: Error: inner")
  })

  it("getNodeRank is the process's rank (the guide's get_node_rank), getNodeIndex the node's; undefined outside a job", () => {
    Logging.initLogging({ console: false, context: context(3), env: {} })
    expect(Logging.getNodeRank()).toBe(3)
    expect(Logging.getNodeIndex()).toBe(1)
    Logging.forceReset({ console: false, context: context(0, false), env: {} })
    expect(Logging.getNodeRank()).toBeUndefined()
    expect(Logging.getNodeIndex()).toBeUndefined()
  })

  it("getLogger returns one logger per name, following later resets", () => {
    const out = capture()
    const named = Logging.getLogger("model")
    expect(Logging.getLogger("model")).toBe(named)
    Logging.initLogging({ consoleFd: out.consoleFd, context: context(0), env: {}, level: "WARN" })
    expect(named.isEnabled("INFO")).toBe(false)
    named.log("NOTICE", "dropped")
    named.fatal("kept")
    expect(out.lines()).toEqual([expect.stringMatching(/FATAL {4}model: kept$/)])
  })
})

describe("logging never throws", () => {
  /** What fixtures/degrade.ts logs (to `degrade.log`: the script name is the default), all of which must reach the console. */
  const everyLine = [
    "INFO     line 0",
    "INFO     line 1",
    "INFO     line 2",
    "ERROR    an error flushes at once",
    "INFO     after the error"
  ]
  const withoutTime = (lines: ReadonlyArray<string>) => lines.map((line) => line.replace(/^\[[^\]]+\] /, ""))
  const run = async (runDir: string, env: NodeJS.ProcessEnv = {}) => {
    const child = spawnFixture("degrade.ts", { ...cleanEnv(), TEST_RUN_DIR: runDir, ...env })
    expect(await child.exited).toEqual({ code: 0, signal: null })
    expect(child.stdout).toBe("done\n")
    return child.stderr.trimEnd().split("\n")
  }

  it("an unwritable run dir: one warning, then the console", async () => {
    const temp = tempDir()
    cleanups.push(temp.cleanup)
    const notADir = path.join(temp.dir, "file")
    fs.writeFileSync(notADir, "")
    const lines = await run(notADir)
    expect(lines[0]).toMatch(/^dla logger: cannot write .*degrade\.log \(ENOTDIR\); logging to the console only$/)
    expect(withoutTime(lines.slice(1))).toEqual(everyLine)
  })

  it("a full disk (the log file is /dev/full): one warning, the buffered lines shown on the console, no exception", async () => {
    const temp = tempDir()
    cleanups.push(temp.cleanup)
    fs.mkdirSync(path.join(temp.dir, "logs"))
    fs.symlinkSync("/dev/full", path.join(temp.dir, "logs", "degrade.log"))
    const lines = await run(temp.dir)
    expect(lines.filter((line) => line.startsWith("dla logger:"))).toEqual([
      expect.stringMatching(/cannot write .*degrade\.log \(ENOSPC\); logging to the console only$/)
    ])
    expect(withoutTime(lines.filter((line) => !line.startsWith("dla logger:")))).toEqual(everyLine)
  })

  it("a field that throws when read costs its record only", () => {
    const out = capture()
    const log = Logging.initLogging({ consoleFd: out.consoleFd, context: context(0), env: {} })
    const hostile = Object.defineProperty({}, "x", {
      enumerable: true,
      get: () => {
        throw new Error("no")
      }
    })
    expect(() => log.info("hostile", hostile)).not.toThrow()
    log.info("after")
    expect(out.lines()).toEqual([expect.stringMatching(/INFO {5}after$/)])
  })

  it("a malformed launcher variable: one warning, then logging as a standalone process", async () => {
    const temp = tempDir()
    cleanups.push(temp.cleanup)
    const lines = await run(temp.dir, { RANK: "abc", WORLD_SIZE: "4" })
    expect(lines).toHaveLength(1)
    expect(lines[0]).toMatch(/^dla logger: .*RANK.*abc.*; logging as a standalone process$/)
    expect(fs.readFileSync(path.join(temp.dir, "logs", "degrade.log"), "utf8")).toMatch(/INFO {5}line 0\n/)
  })
})
