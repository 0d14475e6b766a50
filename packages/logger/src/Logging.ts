/**
 * The plain synchronous facade, for code with or without Effect: `initLogging`, `getLogger`, `logMaster`,
 * `logAll`, `logError`, `getNodeRank`, `getNodeIndex`, `forceReset`.
 *
 * @since 0.1.0
 */
import type * as DistributedContext from "@dla/core/DistributedContext"
import * as Level from "@dla/core/Level"
import type { LogRecord } from "./Format.ts"
import * as Runtime from "./internal/Runtime.ts"
import { callerSource } from "./internal/source.ts"
import type * as LogConfig from "./LogConfig.ts"

/**
 * Structured fields attached to a record (JSON lines keep them as keys).
 *
 * @since 0.1.0
 * @category models
 */
export type Fields = Readonly<Record<string, unknown>>

/**
 * A named component logger. Calls below the configured level cost one comparison.
 *
 * @since 0.1.0
 * @category models
 */
export interface Logger {
  /** Empty for the root logger. */
  readonly name: string
  readonly trace: (message: string, fields?: Fields) => void
  readonly debug: (message: string, fields?: Fields) => void
  readonly info: (message: string, fields?: Fields) => void
  readonly notice: (message: string, fields?: Fields) => void
  readonly warn: (message: string, fields?: Fields) => void
  readonly error: (message: string, fields?: Fields) => void
  readonly fatal: (message: string, fields?: Fields) => void
  readonly log: (level: Level.Level, message: string, fields?: Fields) => void
  readonly isEnabled: (level: Level.Level) => boolean
}

let current: Runtime.Runtime | undefined
/** True once `initLogging` or `forceReset` configured logging (not just a first log call with defaults). */
let explicit = false

/** The runtime, set up from the environment with defaults when nobody called `initLogging` yet. */
const runtime = (): Runtime.Runtime => {
  current ??= Runtime.make()
  return current
}

const ids = Object.fromEntries(Level.all.map((level, id) => [level, id])) as Record<Level.Level, number>

/**
 * What a record carries besides its level and message: fields, spans, its time.
 *
 * @since 0.1.0
 * @category models
 */
export interface Extras {
  readonly fields?: Fields | undefined
  /** Label and elapsed milliseconds. */
  readonly spans?: ReadonlyArray<readonly [string, number]> | undefined
  /** Milliseconds since the epoch; now by default. */
  readonly time?: number | undefined
}

/**
 * Writes one record when its level is enabled: the one path of the facade and the Effect logger into the sinks.
 *
 * @since 0.1.0
 * @category logging
 */
export const emit = (level: Level.Level, logger: string, message: string, extras?: Extras): void => {
  const rt = runtime()
  if (ids[level] < rt.minLevel) return
  const record: LogRecord = {
    time: extras?.time ?? Date.now(),
    level,
    logger,
    message,
    fields: extras?.fields,
    spans: extras?.spans,
    source: rt.config.source ? callerSource() : undefined
  }
  rt.emit(record)
}

/**
 * The least severe level written.
 *
 * @since 0.1.0
 * @category getters
 */
export const currentLevel = (): Level.Level => runtime().config.level

const loggers = new Map<string, Logger>()

/**
 * The logger called `name` (the root logger for `""`), created once.
 *
 * @since 0.1.0
 * @category constructors
 */
export const getLogger = (name = ""): Logger => {
  const existing = loggers.get(name)
  if (existing !== undefined) return existing
  const at = (level: Level.Level) => (message: string, fields?: Fields) =>
    emit(level, name, message, fields === undefined ? undefined : { fields })
  const logger: Logger = {
    name,
    trace: at("TRACE"),
    debug: at("DEBUG"),
    info: at("INFO"),
    notice: at("NOTICE"),
    warn: at("WARN"),
    error: at("ERROR"),
    fatal: at("FATAL"),
    log: (level, message, fields) => emit(level, name, message, fields === undefined ? undefined : { fields }),
    isEnabled: (level) => ids[level] >= runtime().minLevel
  }
  loggers.set(name, logger)
  return logger
}

/**
 * Sets up logging once per process: level (`DLA_LOG_DEBUG`/`NVRX_LOG_DEBUG`, else `DLA_LOG_LEVEL`, else `LOG_LEVEL`, else the option, else
 * INFO), console, per-rank files under `<runDir>/logs/`, and node-local aggregation when `nodeLocalTmpDir`,
 * `DLA_NODE_LOCAL_TMPDIR` or `NVRX_NODE_LOCAL_TMPDIR` is set. Later calls keep the first setup (use
 * {@link forceReset} to change it). Returns the root logger.
 *
 * @since 0.1.0
 * @category lifecycle
 */
export const initLogging = (options: LogConfig.Options = {}): Logger => {
  if (!explicit) forceReset(options)
  return getLogger()
}

/**
 * Closes the current setup (flushing files, draining the aggregator) and sets up logging again from `options`.
 *
 * @since 0.1.0
 * @category lifecycle
 */
export const forceReset = (options: LogConfig.Options = {}): Logger => {
  current?.close()
  current = Runtime.make(options)
  explicit = true
  return getLogger()
}

/**
 * Writes buffered lines now (they are also written every 100 ms, on every ERROR, and at exit).
 *
 * @since 0.1.0
 * @category lifecycle
 */
export const flush = (): void => current?.flush()

/**
 * Flushes and closes the log files and stops the aggregator; the next log call starts again from the environment.
 *
 * @since 0.1.0
 * @category lifecycle
 */
export const shutdown = (): void => {
  current?.close()
  current = undefined
  explicit = false
}

/**
 * Options of `logMaster`, `logAll` and `logError`: which logger, at which level, with which fields.
 *
 * @since 0.1.0
 * @category models
 */
export interface LogOptions {
  /** A logger or a logger name; the root logger by default. */
  readonly logger?: Logger | string | undefined
  /** Any level word (`warning`, `err`...); INFO by default. */
  readonly level?: Level.Level | string | undefined
}

const loggerOf = (logger: Logger | string | undefined): string =>
  logger === undefined ? "" : typeof logger === "string" ? logger : logger.name
const levelOf = (level: string | undefined): Level.Level =>
  level === undefined ? "INFO" : (Level.fromWord(level) ?? "INFO")

/**
 * Logs on the job's master only — global rank 0 of the coordinator (`DistributedContext.isMaster`), not every node's
 * local rank 0: one line per job, not one per process.
 *
 * @since 0.1.0
 * @category logging
 */
export const logMaster = (message: string, options: LogOptions = {}): void => {
  if (!runtime().context.isMaster) return
  emit(levelOf(options.level), loggerOf(options.logger), message)
}

/**
 * Logs on every rank.
 *
 * @since 0.1.0
 * @category logging
 */
export const logAll = (message: string, options: LogOptions = {}): void =>
  emit(levelOf(options.level), loggerOf(options.logger), message)

/**
 * Logs at ERROR on every rank, with the error's stack (and causes) when one is given.
 *
 * @since 0.1.0
 * @category logging
 */
export const logError = (
  message: string,
  error?: unknown,
  options: { readonly logger?: Logger | string | undefined } = {}
): void =>
  emit("ERROR", loggerOf(options.logger), error === undefined ? message : `${message}: ${describeError(error)}`)

const describeError = (error: unknown): string => {
  if (!(error instanceof Error)) return String(error)
  let out = error.stack ?? `${error.name}: ${error.message}`
  if (error.cause !== undefined) out += `\nCaused by: ${describeError(error.cause)}`
  return out
}

/**
 * The logging-helpers guide's `get_node_rank()`: this process's rank in the job (`RANK`, `OMPI_COMM_WORLD_RANK`,
 * `SKYPILOT_NODE_RANK`...), or undefined outside a distributed job. `getNodeRank() ?? 0` shards by process.
 *
 * @since 0.1.0
 * @category getters
 */
export const getNodeRank = (): number | undefined => {
  const context = runtime().context
  return context.isDistributed ? context.rank : undefined
}

/**
 * The index of this process's node (machine) in the job, or undefined outside a distributed job.
 *
 * @since 0.1.0
 * @category getters
 */
export const getNodeIndex = (): number | undefined => {
  const context = runtime().context
  return context.isDistributed ? context.nodeRank : undefined
}

/**
 * Who this process is, as the logger sees it.
 *
 * @since 0.1.0
 * @category getters
 */
export const getContext = (): DistributedContext.DistributedContext => runtime().context
