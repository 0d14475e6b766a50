/**
 * What the logger does, decided once from `initLogging` options and the environment (pure: no I/O).
 *
 * @since 0.1.0
 */
import * as path from "node:path"
import type * as DistributedContext from "@dla/core/DistributedContext"
import * as Level from "@dla/core/Level"

export interface Options {
  /** Minimum level; otherwise `DLA_LOG_DEBUG`, then `LOG_LEVEL`, then INFO. Any alias works (`warning`, `err`). */
  readonly level?: Level.Level | string | undefined
  /** Per-rank files go to `<runDir>/logs/<name>.log` (rank 0) and `<name>_<rank>.log` (rank N). */
  readonly runDir?: string | undefined
  /** Show `[<rank>]` after the time. Defaults to true inside a distributed job. */
  readonly showRank?: boolean | undefined
  /** Base name of the log files; also the root logger's name in JSON records. Default `dla`. */
  readonly name?: string | undefined
  /** JSON lines instead of text (default from `DLA_LOG_JSON`). */
  readonly json?: boolean | undefined
  /** Write to the console (stderr, or stdout with `DLA_LOG_TO_STDOUT=1`). Default true. */
  readonly console?: boolean | undefined
  /** Console output to this descriptor instead of stderr/stdout (redirection, tests, benchmarks). */
  readonly consoleFd?: number | undefined
  /** Add the caller's `file:line` to each record (default from `DLA_LOG_SOURCE`). Costs a stack capture per line. */
  readonly source?: boolean | undefined
  /** Who this process is; read from `env` when absent. */
  readonly context?: DistributedContext.DistributedContext | undefined
  /** The environment to read; `process.env` when absent. */
  readonly env?: DistributedContext.Env | undefined
}

export interface NodeAggregation {
  /** `DLA_NODE_LOCAL_TMPDIR`: where every rank on this node writes its message files. */
  readonly tmpDir: string
  /** `DLA_LOG_MAX_FILE_SIZE_KB` (default 10): a message file rotates past this size. */
  readonly maxFileBytes: number
  /** `DLA_LOG_MAX_LOG_FILES` (default 4): message files per process, and rotated per-node files kept. */
  readonly maxFiles: number
  /** `DLA_LOG_MAX_NODE_FILE_SIZE_MB` (default 100): the per-node file rotates past this size. */
  readonly maxNodeFileBytes: number
}

export interface Config {
  readonly level: Level.Level
  readonly runDir: string | undefined
  readonly showRank: boolean
  readonly name: string
  readonly json: boolean
  /** Where console lines go: a descriptor, or undefined when the console is off. */
  readonly consoleFd: number | undefined
  /** Colour only on a terminal and never with `NO_COLOR`; the caller decides what a terminal is. */
  readonly color: boolean
  readonly source: boolean
  readonly aggregation: NodeAggregation | undefined
}

export interface Resolved {
  readonly config: Config
  /** Problems with the environment, each one line, to print once: logging itself never fails on them. */
  readonly warnings: ReadonlyArray<string>
}

const truthy = new Set(["1", "true", "yes", "on"])

/** `1`, `true`, `yes` and `on` (any case) mean yes, as in NVRx's variables. */
export const isTruthy = (value: string | undefined): boolean =>
  value !== undefined && truthy.has(value.trim().toLowerCase())

const positiveNumber = (
  env: DistributedContext.Env,
  name: string,
  fallback: number,
  warnings: Array<string>
): number => {
  const raw = env[name]
  if (raw === undefined || raw.trim() === "") return fallback
  const value = Number(raw)
  if (Number.isFinite(value) && value > 0) return value
  warnings.push(`${name}=${raw} is not a positive number; using ${fallback}`)
  return fallback
}

const resolveLevel = (options: Options, env: DistributedContext.Env, warnings: Array<string>): Level.Level => {
  if (options.level !== undefined) {
    const level = Level.fromWord(options.level)
    if (level !== undefined) return level
    warnings.push(`unknown log level "${options.level}"; using INFO (levels: ${Level.all.join(", ")})`)
    return "INFO"
  }
  if (isTruthy(env.DLA_LOG_DEBUG)) return "DEBUG"
  const fromEnv = env.LOG_LEVEL
  if (fromEnv === undefined || fromEnv.trim() === "") return "INFO"
  const level = Level.fromWord(fromEnv.trim())
  if (level !== undefined) return level
  warnings.push(`LOG_LEVEL=${fromEnv} is not a level; using INFO (levels: ${Level.all.join(", ")})`)
  return "INFO"
}

/**
 * The configuration for `options` in `env`. `isTerminal(fd)` says whether a descriptor is a terminal (colours).
 */
export const resolve = (
  options: Options,
  env: DistributedContext.Env,
  context: DistributedContext.DistributedContext,
  isTerminal: (fd: number) => boolean
): Resolved => {
  const warnings: Array<string> = []
  const level = resolveLevel(options, env, warnings)
  const consoleFd =
    options.console === false ? undefined : (options.consoleFd ?? (isTruthy(env.DLA_LOG_TO_STDOUT) ? 1 : 2))
  const noColor = env.NO_COLOR !== undefined && env.NO_COLOR !== ""
  const tmpDir = env.DLA_NODE_LOCAL_TMPDIR
  const aggregation =
    tmpDir === undefined || tmpDir.trim() === ""
      ? undefined
      : {
          tmpDir,
          maxFileBytes: Math.round(positiveNumber(env, "DLA_LOG_MAX_FILE_SIZE_KB", 10, warnings) * 1024),
          maxFiles: Math.max(1, Math.floor(positiveNumber(env, "DLA_LOG_MAX_LOG_FILES", 4, warnings))),
          maxNodeFileBytes: Math.round(
            positiveNumber(env, "DLA_LOG_MAX_NODE_FILE_SIZE_MB", 100, warnings) * 1024 * 1024
          )
        }
  return {
    config: {
      level,
      runDir: options.runDir,
      showRank: options.showRank ?? context.isDistributed,
      name: options.name ?? "dla",
      json: options.json ?? isTruthy(env.DLA_LOG_JSON),
      consoleFd,
      color: consoleFd !== undefined && !noColor && isTerminal(consoleFd),
      source: options.source ?? isTruthy(env.DLA_LOG_SOURCE),
      aggregation
    },
    warnings
  }
}

/** `<name>.log` for rank 0, `<name>_<rank>.log` for rank N (the seeds' per-rank file names). */
export const rankFileName = (name: string, rank: number): string => (rank === 0 ? `${name}.log` : `${name}_${rank}.log`)

const safe = (nodeId: string) => nodeId.replace(/[^\w.-]/g, "_")

/** The per-node aggregated file's name. */
export const nodeFileName = (name: string, nodeId: string): string => `${name}_node_${safe(nodeId)}.log`

/**
 * Where a node's message files go: a directory per node inside `DLA_NODE_LOCAL_TMPDIR`, so a tmp dir that turns
 * out to be shared between nodes still gives each aggregator only its own node's ranks.
 */
export const messageDir = (tmpDir: string, nodeId: string): string => path.join(tmpDir, `node_${safe(nodeId)}`)
