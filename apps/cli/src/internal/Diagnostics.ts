/**
 * What `dla` tells the person running it, besides its results: warnings, errors it recovers from, progress lines,
 * skipped files, `--verbose`'s lines, and every `Effect.log*` of the packages it runs. All of it goes through
 * `@dla/logger`: on stderr (stdout carries only results), in the logger's format (`[12:34:56.789] WARN     ...`), with
 * `[rank]` when launched with ranks (mpirun, srun, torchrun), without colour under `NO_COLOR`, and only at or above
 * the level of `--log-level`, else `DLA_LOG_LEVEL`, else `LOG_LEVEL` (else INFO). A fatal error keeps its one line
 * (`dla: ...`, see Cli.ts).
 *
 * The logger is loaded by the first line said, not at start: a plain `dla analyse` (the launcher's quick path) says
 * nothing and so never evaluates it (2-4 ms of its start, docs/benchmarks.md). Lines said before it is loaded wait,
 * with their time, and are written as soon as it is; {@link written} waits for them. The program's Effect logger
 * (EffectLogs.ts) imports it statically and hands it over with {@link use}.
 */
import * as DistributedContext from "@dla/core/DistributedContext"
import type * as Level from "@dla/core/Level"
import type * as Logging from "@dla/logger/Logging"
import * as Effect from "effect/Effect"
import * as Result from "effect/Result"

/**
 * The level `--log-level` asks for (effect's built-in global flag, which parses and checks the value), read from
 * the arguments before any command runs; undefined without the flag. `none` says nothing at all.
 */
export const levelFromArgs = (args: ReadonlyArray<string>): Level.Level | "none" | undefined => {
  let value: string | undefined
  args.forEach((arg, i) => {
    if (arg === "--log-level") value = args[i + 1]
    else if (arg.startsWith("--log-level=")) value = arg.slice("--log-level=".length)
  })
  return value === undefined ? undefined : words[value.toLowerCase()]
}

const words: Record<string, Level.Level | "none"> = {
  all: "TRACE",
  trace: "TRACE",
  debug: "DEBUG",
  info: "INFO",
  warn: "WARN",
  warning: "WARN",
  error: "ERROR",
  fatal: "FATAL",
  none: "none"
}

/** The logger's options for `level` from the command line, which wins over the environment's level. */
export const options = (level: Level.Level | "none" | undefined, env: NodeJS.ProcessEnv = process.env) => {
  // `[rank]` inside a launch (a malformed rank variable: the logger says so once, and logs as a lone process).
  const decoded = DistributedContext.decode(env)
  const common = { name: "dla", showRank: Result.isSuccess(decoded) && decoded.success.isDistributed, env }
  if (level === undefined) return common
  if (level === "none") return { ...common, console: false }
  // The logger lets the environment win over the code (the logging-helpers guide's rule); a flag typed on this
  // command line is more specific than either, so the environment it reads is told the flag's level.
  return { ...common, level, env: { ...env, DLA_LOG_LEVEL: level, DLA_LOG_DEBUG: "", NVRX_LOG_DEBUG: "" } }
}

/** The level `--log-level` asked for in this run of `dla`, once the program's layer read the arguments. */
let chosen: Level.Level | "none" | undefined

/** Sets the level `--log-level` asked for; before the first line said, which sets the logger up with it. */
export const choose = (level: Level.Level | "none" | undefined): void => {
  chosen = level
}

let logging: typeof Logging | undefined
let loading: Promise<void> | undefined
let root: Logging.Logger | undefined
/** Lines said before the logger was loaded: level, message and the time they were said. */
const waiting: Array<readonly [Level.Level, string, number]> = []

/** Hands over the logger module (imported by the caller) and writes the lines waiting for it. */
export const use = (module: typeof Logging): void => {
  if (logging !== undefined) return
  logging = module
  for (const [level, message, time] of waiting.splice(0)) {
    logger()
    module.emit(level, "", message, { time })
  }
  said()
}

/** The logger of dla's diagnostics, set up on first use (a command that says nothing sets nothing up). */
export const logger = (): Logging.Logger => {
  if (logging === undefined) throw new Error("Diagnostics.logger: the logger is not loaded yet (Diagnostics.use)")
  root ??= logging.initLogging(options(chosen))
  return root
}

const say = (level: Level.Level, message: string): void => {
  if (logging === undefined) {
    waiting.push([level, message, Date.now()])
    loading ??= import("@dla/logger/Logging").then(use)
    return
  }
  logger().log(level, message)
  said()
}

/** On a terminal each line is written at once: a progress bar redrawn in between must not split it. */
const said = () => {
  if (process.stderr.isTTY) flush()
}
export const info = (message: string): void => say("INFO", message)
export const warn = (message: string): void => say("WARN", message)

/** Writes the buffered lines now (those of a logger still loading are written by {@link written}). */
export const flush = (): void => logging?.flush()

/** Every line said so far written: the logger loaded if a line waits for it, and flushed. */
export const written: Effect.Effect<void> = Effect.suspend(() => {
  const pending = loading
  return pending === undefined
    ? Effect.sync(flush)
    : Effect.promise(() => pending).pipe(Effect.andThen(Effect.sync(flush)))
})
