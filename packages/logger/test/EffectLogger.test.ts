import * as fs from "node:fs"
import * as path from "node:path"
import { EffectLogger, Logging } from "@dla/logger"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Logger, References } from "effect"
import { tempDir } from "./helpers.ts"

const context = {
  launcher: "slurm",
  role: "worker",
  rank: 5,
  localRank: 1,
  worldSize: 8,
  localWorldSize: 4,
  nodeRank: 1,
  nodeId: "n2",
  isMaster: false,
  isDistributed: true
} as const

/** Runs `program` with the dla layer writing to a temp run dir; returns the rank's file lines. */
const runLogged = (program: Effect.Effect<void>, env: Record<string, string> = {}) => {
  const temp = tempDir()
  try {
    Effect.runSync(
      program.pipe(
        Effect.provide(
          EffectLogger.layer({ runDir: temp.dir, name: "dla", showRank: true, console: false, context, env })
        )
      )
    )
    Logging.shutdown()
    return fs
      .readFileSync(path.join(temp.dir, "logs", "dla_5.log"), "utf8")
      .trimEnd()
      .split("\n")
  } finally {
    Logging.shutdown()
    temp.cleanup()
  }
}

describe("EffectLogger", () => {
  it("writes Effect.log through the dla sinks with annotations and spans", () => {
    const lines = runLogged(
      Effect.gen(function* () {
        yield* Effect.log("step done", 3)
        yield* Effect.logWarning("slow")
      }).pipe(Effect.annotateLogs("epoch", 2), Effect.withLogSpan("train"))
    )
    assert.strictEqual(lines.length, 2)
    assert.match(lines[0]!, /^\[[^\]]+\] \[5\] INFO {5}step done 3 epoch=2 train=\d+ms$/)
    assert.match(lines[1]!, /^\[[^\]]+\] \[5\] WARN {5}slow epoch=2 train=\d+ms$/)
  })

  it("follows the dla level: DLA_LOG_DEBUG lets Effect.logDebug through, INFO drops it", () => {
    const program = Effect.logDebug("detail").pipe(Effect.andThen(Effect.logInfo("info")))
    assert.deepStrictEqual(
      runLogged(program, { DLA_LOG_DEBUG: "1" }).map((line) => line.replace(/^\[[^\]]+\] \[5\] /, "")),
      ["DEBUG    detail", "INFO     info"]
    )
    assert.strictEqual(runLogged(program).length, 1)
  })

  it("adds a failure's cause to the message", () => {
    const lines = runLogged(Effect.logError("failed", new Error("disk gone")).pipe(Effect.asVoid))
    assert.match(lines[0]!, /ERROR {4}failed Error: disk gone/)
    const cause = runLogged(
      Effect.fail(new Error("boom")).pipe(Effect.catchCause((cause) => Effect.logError("caught", cause)))
    )
    assert.match(cause.join("\n"), /ERROR {4}caught\nError: boom/)
  })

  it("toEffectLevel maps dla levels onto Effect's", () => {
    assert.deepStrictEqual(
      (["TRACE", "DEBUG", "INFO", "NOTICE", "WARN", "ERROR", "FATAL"] as const).map(EffectLogger.toEffectLevel),
      ["Trace", "Debug", "Info", "Warn", "Warn", "Error", "Fatal"]
    )
  })

  it.effect("the layer replaces Effect's loggers and sets the minimum level", () =>
    Effect.gen(function* () {
      const loggers = yield* References.CurrentLoggers
      assert.deepStrictEqual([...loggers], [EffectLogger.logger])
      assert.strictEqual(yield* References.MinimumLogLevel, "Error")
    }).pipe(
      Effect.provide(EffectLogger.layer({ console: false, context, env: { LOG_LEVEL: "error" } })),
      Effect.ensuring(Effect.sync(Logging.shutdown))
    )
  )

  it("is a plain Effect Logger usable with Logger.layer", () => {
    assert.isTrue(Logger.isLogger(EffectLogger.logger))
  })
})
