/**
 * Effect integration: `Effect.log*` inside an Effect program goes through the same sinks as the plain facade, with
 * the same rank-aware format and files; annotations become `key=value` fields and spans `label=12ms`.
 *
 * @since 0.1.0
 */
import type * as Level from "@dla/core/Level"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Formatter from "effect/Formatter"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import type * as LogLevel from "effect/LogLevel"
import * as References from "effect/References"
import type * as LogConfig from "./LogConfig.ts"
import * as Logging from "./Logging.ts"

const fromEffect: Record<LogLevel.LogLevel, Level.Level | undefined> = {
  All: "TRACE",
  Trace: "TRACE",
  Debug: "DEBUG",
  Info: "INFO",
  Warn: "WARN",
  Error: "ERROR",
  Fatal: "FATAL",
  None: undefined
}

/**
 * Effect's level for a dla level: NOTICE has no Effect twin, and lets Warn and above through.
 *
 * @since 0.1.0
 * @category utils
 */
export const toEffectLevel = (level: Level.Level): LogLevel.LogLevel =>
  (
    ({
      TRACE: "Trace",
      DEBUG: "Debug",
      INFO: "Info",
      NOTICE: "Warn",
      WARN: "Warn",
      ERROR: "Error",
      FATAL: "Fatal"
    }) as const
  )[level]

const text = (part: unknown): string => (typeof part === "string" ? part : Formatter.format(part))

/**
 * The Effect `Logger` writing through the dla sinks (initialised from the environment if nobody did yet).
 *
 * @since 0.1.0
 * @category loggers
 */
export const logger: Logger.Logger<unknown, void> = Logger.make(({ message, logLevel, cause, fiber, date }) => {
  const level = fromEffect[logLevel]
  if (level === undefined) return
  let body = Array.isArray(message) ? message.map(text).join(" ") : text(message)
  if (cause.reasons.length > 0) body += `\n${Cause.pretty(cause)}`
  const annotations = fiber.getRef(References.CurrentLogAnnotations)
  const spans = fiber.getRef(References.CurrentLogSpans)
  const now = date.getTime()
  Logging.emit(level, "", body, {
    time: now,
    fields: Object.keys(annotations).length > 0 ? annotations : undefined,
    spans: spans.length > 0 ? spans.map(([label, start]) => [label, now - start] as const) : undefined
  })
})

/**
 * Replaces Effect's loggers with {@link logger} and sets Effect's minimum log level to the dla level. With
 * `options`, sets logging up first (as `initLogging` does); the buffered lines are flushed when the layer is released.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (options?: LogConfig.Options): Layer.Layer<never> =>
  Layer.unwrap(
    Effect.sync(() => {
      if (options !== undefined) Logging.initLogging(options)
      return Layer.mergeAll(
        Logger.layer([logger]),
        Layer.succeed(References.MinimumLogLevel, toEffectLevel(Logging.currentLevel())),
        Layer.effectDiscard(Effect.addFinalizer(() => Effect.sync(Logging.flush)))
      )
    })
  )
