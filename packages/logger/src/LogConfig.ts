/**
 * What the logger does, decided once from `initLogging` options and the environment (pure: no I/O).
 *
 * @since 0.1.0
 */
import * as path from "node:path"
import type * as DistributedContext from "@dla/core/DistributedContext"
import * as Level from "@dla/core/Level"
import * as EffectConfig from "effect/Config"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"

/**
 * The logger's options from code; the environment's variables win where the logging-helpers guide says so.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /**
   * Minimum level when the environment sets none: `DLA_LOG_DEBUG`/`NVRX_LOG_DEBUG` (DEBUG), then `DLA_LOG_LEVEL`, then
   * `LOG_LEVEL`, win over it, as in the logging-helpers guide (`export LOG_LEVEL=DEBUG` overrides the code). Any
   * alias works (`warning`, `err`).
   */
  readonly level?: Level.Level | string | undefined
  /** Per-rank files go to `<runDir>/logs/<name>.log` (rank 0) and `<name>_<rank>.log` (rank N). */
  readonly runDir?: string | undefined
  /** Show `[<rank>]` after the time. Default false, as `show_rank` in the logging-helpers guide. */
  readonly showRank?: boolean | undefined
  /**
   * Base name of the log files; also the root logger's name in JSON records. Default: the running script's name
   * without its extension (`train` for `node train.js`, as the guide's `logs/script.log`), else `dla`.
   */
  readonly name?: string | undefined
  /** JSON lines instead of text (default from `DLA_LOG_JSON`). */
  readonly json?: boolean | undefined
  /**
   * NVRx's `node_local_tmp_dir`: turns node-local aggregation on in this directory; wins over
   * `DLA_NODE_LOCAL_TMPDIR`/`NVRX_NODE_LOCAL_TMPDIR`.
   */
  readonly nodeLocalTmpDir?: string | undefined
  /** NVRx's `node_local_tmp_prefix`: base name of the per-node file (`<prefix>_node_<node>.log`). Default `name`. */
  readonly nodeLocalTmpPrefix?: string | undefined
  /**
   * The per-node file's text layout: `dla` (default) `2026-11-23 12:34:56.789 [WARN] [node] [workload:3(1)] msg`,
   * or `nvrx`, the NVRx guide's `2026-11-23 12:34:56,789 [WARNING] [node] [workload:3(1) infra:3(1)] msg`.
   */
  readonly nodeLayout?: NodeLayout | undefined
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

/**
 * The per-node file's text layout: dla's, or the NVRx guide's.
 *
 * @since 0.1.0
 * @category models
 */
export type NodeLayout = "dla" | "nvrx"

/**
 * Node-local aggregation, when turned on: where the message files are, the node file, rotation limits.
 *
 * @since 0.1.0
 * @category models
 */
export interface NodeAggregation {
  /** `DLA_NODE_LOCAL_TMPDIR`: where every rank on this node writes its message files. */
  readonly tmpDir: string
  /** Base name of the per-node file. */
  readonly prefix: string
  readonly layout: NodeLayout
  /** `DLA_LOG_MAX_FILE_SIZE_KB` (default 10): a message file rotates past this size. */
  readonly maxFileBytes: number
  /** `DLA_LOG_MAX_LOG_FILES` (default 4): message files per process, and rotated per-node files kept. */
  readonly maxFiles: number
  /** `DLA_LOG_MAX_NODE_FILE_SIZE_MB` (default 100): the per-node file rotates past this size. */
  readonly maxNodeFileBytes: number
}

/**
 * The settled configuration of the logger.
 *
 * @since 0.1.0
 * @category models
 */
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

/**
 * The configuration `resolve` settled on, and the problems it met on the way.
 *
 * @since 0.1.0
 * @category models
 */
export interface Resolved {
  readonly config: Config
  /** Problems with the environment, each one line, to print once: logging itself never fails on them. */
  readonly warnings: ReadonlyArray<string>
}

const truthy = new Set(["1", "true", "yes", "on"])

/**
 * `1`, `true`, `yes` and `on` (any case) mean yes, as in NVRx's variables.
 *
 * @since 0.1.0
 * @category config
 */
export const isTruthy = (value: string | undefined): boolean =>
  value !== undefined && truthy.has(value.trim().toLowerCase())

/**
 * A variable's value and the name it was read under (for warnings).
 *
 * @since 0.1.0
 * @category models
 */
export interface Setting {
  readonly variable: string
  readonly value: string
}

const found = (variable: string): EffectConfig.Config<Setting> =>
  EffectConfig.String(variable).pipe(EffectConfig.map((value) => ({ variable, value })))

const optional = (config: EffectConfig.Config<Setting>): EffectConfig.Config<Setting | undefined> =>
  EffectConfig.option(config).pipe(EffectConfig.map(Option.getOrUndefined))

/** `DLA_<suffix>`, else its NVRx twin `NVRX_<suffix>`: the NVRx guide's names work unchanged, and dla's win. */
const twin = (suffix: string) =>
  optional(found(`DLA_${suffix}`).pipe(EffectConfig.orElse(() => found(`NVRX_${suffix}`))))

const variables = EffectConfig.all({
  NODE_LOCAL_TMPDIR: twin("NODE_LOCAL_TMPDIR"),
  LOG_DEBUG: twin("LOG_DEBUG"),
  LOG_TO_STDOUT: twin("LOG_TO_STDOUT"),
  LOG_MAX_FILE_SIZE_KB: twin("LOG_MAX_FILE_SIZE_KB"),
  LOG_MAX_LOG_FILES: twin("LOG_MAX_LOG_FILES"),
  LOG_MAX_NODE_FILE_SIZE_MB: optional(found("DLA_LOG_MAX_NODE_FILE_SIZE_MB")),
  LOG_JSON: optional(found("DLA_LOG_JSON")),
  LOG_SOURCE: optional(found("DLA_LOG_SOURCE")),
  // dla's own name first, then the logging-helpers guide's.
  LOG_LEVEL: optional(found("DLA_LOG_LEVEL").pipe(EffectConfig.orElse(() => found("LOG_LEVEL")))),
  NO_COLOR: optional(found("NO_COLOR"))
})

/**
 * The logging variables that are set (blank counts as unset), each with the name it was read under.
 *
 * @since 0.1.0
 * @category models
 */
export type Variables = EffectConfig.Success<typeof variables>

/**
 * Reads the logging variables of `env` through effect's `Config` (sync: an env record never fails to load).
 *
 * @since 0.1.0
 * @category config
 */
export const readVariables = (env: DistributedContext.Env): Variables =>
  Effect.runSync(variables.parse(ConfigProvider.fromEnvRecord({ ...env })))

const on = (found: Setting | undefined) => isTruthy(found?.value)

const positiveNumber = (found: Setting | undefined, fallback: number, warnings: Array<string>): number => {
  if (found === undefined || found.value.trim() === "") return fallback
  const value = Number(found.value)
  if (Number.isFinite(value) && value > 0) return value
  warnings.push(`${found.variable}=${found.value} is not a positive number; using ${fallback}`)
  return fallback
}

const unknownLevel = (what: string) => `${what}; using INFO (levels: ${Level.all.join(", ")})`

/** The environment first (`*_LOG_DEBUG`, then `DLA_LOG_LEVEL`, then `LOG_LEVEL`), then the code's `level`, then INFO. */
const resolveLevel = (options: Options, vars: Variables, warnings: Array<string>): Level.Level => {
  if (on(vars.LOG_DEBUG)) return "DEBUG"
  const fromEnv = vars.LOG_LEVEL?.value.trim()
  if (fromEnv !== undefined && fromEnv !== "") {
    const level = Level.fromWord(fromEnv)
    if (level !== undefined) return level
    warnings.push(unknownLevel(`${vars.LOG_LEVEL!.variable}=${vars.LOG_LEVEL!.value} is not a level`))
  }
  if (options.level === undefined) return "INFO"
  const level = Level.fromWord(options.level)
  if (level !== undefined) return level
  warnings.push(unknownLevel(`unknown log level "${options.level}"`))
  return "INFO"
}

/**
 * The running script's name without directory and extension (`train` for `node dist/train.js`), else `dla`.
 *
 * @since 0.1.0
 * @category config
 */
export const scriptName = (argv: ReadonlyArray<string> = process.argv): string => {
  const script = argv[1]
  if (script === undefined || script === "") return "dla"
  const name = path.parse(script).name
  return name === "" ? "dla" : name
}

/**
 * The configuration for `options` in `env`. `isTerminal(fd)` says whether a descriptor is a terminal (colours).
 *
 * @since 0.1.0
 * @category config
 */
export const resolve = (
  options: Options,
  env: DistributedContext.Env,
  isTerminal: (fd: number) => boolean
): Resolved => {
  const warnings: Array<string> = []
  const vars = readVariables(env)
  const level = resolveLevel(options, vars, warnings)
  const consoleFd = options.console === false ? undefined : (options.consoleFd ?? (on(vars.LOG_TO_STDOUT) ? 1 : 2))
  const name = options.name ?? scriptName()
  const tmpDir = options.nodeLocalTmpDir ?? vars.NODE_LOCAL_TMPDIR?.value
  const aggregation =
    tmpDir === undefined || tmpDir.trim() === ""
      ? undefined
      : {
          tmpDir,
          prefix: options.nodeLocalTmpPrefix ?? name,
          layout: options.nodeLayout ?? "dla",
          maxFileBytes: Math.round(positiveNumber(vars.LOG_MAX_FILE_SIZE_KB, 10, warnings) * 1024),
          maxFiles: Math.max(1, Math.floor(positiveNumber(vars.LOG_MAX_LOG_FILES, 4, warnings))),
          maxNodeFileBytes: Math.round(positiveNumber(vars.LOG_MAX_NODE_FILE_SIZE_MB, 100, warnings) * 1024 * 1024)
        }
  return {
    config: {
      level,
      runDir: options.runDir,
      showRank: options.showRank ?? false,
      name,
      json: options.json ?? on(vars.LOG_JSON),
      consoleFd,
      color: consoleFd !== undefined && vars.NO_COLOR === undefined && isTerminal(consoleFd),
      source: options.source ?? on(vars.LOG_SOURCE),
      aggregation
    },
    warnings
  }
}

/**
 * `<name>.log` for rank 0, `<name>_<rank>.log` for rank N (the seeds' per-rank file names).
 *
 * @since 0.1.0
 * @category files
 */
export const rankFileName = (name: string, rank: number): string => (rank === 0 ? `${name}.log` : `${name}_${rank}.log`)

const safe = (nodeId: string) => nodeId.replace(/[^\w.-]/g, "_")

/**
 * The per-node aggregated file's name.
 *
 * @since 0.1.0
 * @category files
 */
export const nodeFileName = (name: string, nodeId: string): string => `${name}_node_${safe(nodeId)}.log`

/**
 * Where a node's message files go: a directory per node inside `DLA_NODE_LOCAL_TMPDIR`, so a tmp dir that turns
 * out to be shared between nodes still gives each aggregator only its own node's ranks.
 *
 * @since 0.1.0
 * @category files
 */
export const messageDir = (tmpDir: string, nodeId: string): string => path.join(tmpDir, `node_${safe(nodeId)}`)
