/**
 * Every `Effect.log*` of the program and of the packages it runs, through `@dla/logger` as dla's other diagnostics
 * (Diagnostics.ts), at the level of `--log-level`. Apart from Diagnostics because it imports the logger statically:
 * the launcher's quick path, which has no Effect logs of its own, leaves it out.
 */
import type * as Level from "@dla/core/Level"
import { EffectLogger, LogConfig, Logging } from "@dla/logger"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as References from "effect/References"
import * as Diagnostics from "./Diagnostics.ts"

/** Effect's logger for `Effect.log*`: `@dla/logger`'s, set up as {@link Diagnostics.logger} is. */
export const effectLogger: Logger.Logger<unknown, void> = Logger.make((entry) => {
  Diagnostics.use(Logging)
  Diagnostics.logger()
  EffectLogger.logger.log(entry)
})

/** The minimum level of Effect's logs for `--log-level`'s `level`: the one the logger will use. */
const minimum = (level: Level.Level | "none" | undefined) => {
  if (level === "none") return "None"
  const settings = Diagnostics.options(level)
  return EffectLogger.toEffectLevel(LogConfig.resolve(settings, settings.env, () => false).config.level)
}

/**
 * Reads `--log-level` from this run's arguments and makes {@link effectLogger} Effect's logger, with Effect's
 * minimum level the one the logger will use (worked out without setting anything up).
 */
export const layer = (args: ReadonlyArray<string>): Layer.Layer<never> =>
  Layer.unwrap(
    Effect.sync(() => {
      const chosen = Diagnostics.levelFromArgs(args)
      Diagnostics.choose(chosen)
      Diagnostics.use(Logging)
      return Layer.mergeAll(
        Logger.layer([effectLogger]),
        Layer.succeed(References.MinimumLogLevel, minimum(chosen)),
        Layer.effectDiscard(Effect.addFinalizer(() => Diagnostics.written))
      )
    })
  )
