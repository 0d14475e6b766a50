/**
 * Canonical log levels and their aliases.
 *
 * @since 0.1.0
 */

/** Canonical levels, least to most severe. The index of a level is its id in count arrays. */
export const all = ["TRACE", "DEBUG", "INFO", "NOTICE", "WARN", "ERROR", "FATAL"] as const

export type Level = (typeof all)[number]

const aliases: Record<string, Level> = {
  TRACE: "TRACE",
  VERBOSE: "TRACE",
  V: "TRACE",
  FINEST: "TRACE",
  FINER: "TRACE",
  DEBUG: "DEBUG",
  D: "DEBUG",
  FINE: "DEBUG",
  INFO: "INFO",
  I: "INFO",
  NOTICE: "NOTICE",
  WARN: "WARN",
  WARNING: "WARN",
  W: "WARN",
  ERROR: "ERROR",
  ERR: "ERROR",
  E: "ERROR",
  SEVERE: "ERROR",
  FATAL: "FATAL",
  F: "FATAL",
  CRITICAL: "FATAL",
  CRIT: "FATAL",
  EMERG: "FATAL",
  ALERT: "FATAL",
  PANIC: "FATAL"
}

/** The canonical level for a level word in any case (`warning` -> `WARN`), or undefined when it is not one. */
export const fromWord = (word: string): Level | undefined => aliases[word.toUpperCase()]

/** The id of a level: its index in {@link all}. */
export const id = (level: Level): number => all.indexOf(level)
