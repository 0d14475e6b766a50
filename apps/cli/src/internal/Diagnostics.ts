/**
 * What `dla` tells the person running it, besides its results: warnings, errors it recovers from, progress lines,
 * skipped files, `--verbose`'s lines, and every `Effect.log*` of the packages it runs. All of it goes through
 * `@dla/logger`: on stderr (stdout carries only results), in the logger's format (`[12:34:56.789] WARN     ...`), with
 * `[rank]` when launched with ranks (mpirun, srun, torchrun), without colour under `NO_COLOR`, and only at or above
 * the level of `--log-level`, else `DLA_LOG_LEVEL`, else `LOG_LEVEL` (else INFO). A fatal error keeps its one line
 * (`dla: ...`, see Cli.ts).
 */
import * as DistributedContext from "@dla/core/DistributedContext"
import type * as Level from "@dla/core/Level"
import { EffectLogger, LogConfig, Logging } from "@dla/logger"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as References from "effect/References"
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

/** The level `--log-level` asked for in this run of `dla`, once `layer` read the arguments. */
let chosen: Level.Level | "none" | undefined

/** The logger of dla's diagnostics, set up on first use (a command that says nothing sets nothing up). */
export const logger = (): Logging.Logger => {
  root ??= Logging.initLogging(options(chosen))
  return root
}
let root: Logging.Logger | undefined

/** Effect's logger for `Effect.log*`: `@dla/logger`'s, set up as {@link logger} is. */
export const effectLogger: Logger.Logger<unknown, void> = Logger.make((entry) => {
  logger()
  EffectLogger.logger.log(entry)
})

/**
 * Reads `--log-level` from this run's arguments and makes {@link effectLogger} Effect's logger, with Effect's
 * minimum level the one the logger will use (worked out without setting anything up).
 */
export const layer = (args: ReadonlyArray<string>): Layer.Layer<never> =>
  Layer.unwrap(
    Effect.sync(() => {
      chosen = levelFromArgs(args)
      const settings = options(chosen)
      const level = LogConfig.resolve(settings, settings.env, () => false).config.level
      return Layer.mergeAll(
        Logger.layer([effectLogger]),
        Layer.succeed(References.MinimumLogLevel, chosen === "none" ? "None" : EffectLogger.toEffectLevel(level)),
        Layer.effectDiscard(Effect.addFinalizer(() => Effect.sync(flush)))
      )
    })
  )

/** On a terminal each line is written at once: a progress bar redrawn in between must not split it. */
const said = () => {
  if (process.stderr.isTTY) flush()
}
export const info = (message: string): void => {
  logger().info(message)
  said()
}
export const warn = (message: string): void => {
  logger().warn(message)
  said()
}

/** Writes the buffered lines now: before a fatal error's line, so that it comes last. */
export const flush = (): void => Logging.flush()
