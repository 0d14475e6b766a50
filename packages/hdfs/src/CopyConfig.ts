/**
 * The options of one copy operation and of the copier, with their defaults from the environment
 * (`HDFS_LOG_DEST`, `HDFS_COPY_INTERVAL`, `LOG_TIMEZONE`, `HDFS_NAMENODES`, `HADOOP_USER_NAME`,
 * `HDFS_DELEGATION_TOKEN`, `DLA_HDFS_STATE_DIR`), checked into one-line `BadConfig` errors.
 *
 * @since 0.1.0
 */
import { homedir } from "node:os"
import { join } from "node:path"
import type { DistributedContext } from "@dla/core"
import { Result } from "effect"
import type * as Destination from "./Destination.ts"
import { HdfsError } from "./HdfsError.ts"

/**
 * The variables this module reads: a copy's defaults and the copier's WebHDFS and state settings.
 *
 * @since 0.1.0
 * @category constants
 */
export const VARIABLES = [
  "HDFS_LOG_DEST",
  "HDFS_COPY_INTERVAL",
  "LOG_TIMEZONE",
  "HDFS_NAMENODES",
  "HADOOP_USER_NAME",
  "HDFS_DELEGATION_TOKEN",
  "DLA_HDFS_STATE_DIR",
  "XDG_CACHE_HOME"
] as const

/**
 * What `startCopy` takes; the seeds' `start_hdfs_copy` options.
 *
 * @since 0.1.0
 * @category models
 */
export interface CopyOptions {
  readonly copyName: string
  /** Glob patterns (`*`, `?`, `[...]`, `{a,b}`, `**`); relative ones are resolved against rootDir or the cwd. */
  readonly pathPatterns: ReadonlyArray<string> | string
  /** hdfs://, webhdfs://, swebhdfs:// or file:// URL; default `HDFS_LOG_DEST`. May contain `{date}` (in LOG_TIMEZONE). */
  readonly destination?: string
  readonly rootDir?: string
  /** Default `HDFS_COPY_INTERVAL`, else 60. */
  readonly intervalSeconds?: number
  readonly createDestDirs?: boolean
  /**
   * Keep the layout below rootDir (e.g. `<node>/train.log`) instead of flattening to file names; without rootDir,
   * the layout below each pattern's literal directory (`/tmp/logs` for `/tmp/logs/<glob>/<glob>.log`).
   */
  readonly preserveStructure?: boolean
  readonly maxRetries?: number
  readonly retryDelaySeconds?: number
}

/**
 * A copy operation's settled configuration (also shown by listOperations).
 *
 * @since 0.1.0
 * @category models
 */
export interface CopyConfig {
  readonly copyName: string
  readonly pathPatterns: ReadonlyArray<string>
  /** The destination URL as given (before `{date}` is filled in). */
  readonly destination: string
  readonly rootDir: string | undefined
  readonly intervalSeconds: number
  readonly createDestDirs: boolean
  readonly preserveStructure: boolean
  readonly maxRetries: number
  readonly retryDelaySeconds: number
  readonly timeZone: string
}

const badConfig = (detail: string) => Result.fail(new HdfsError({ reason: "BadConfig", detail }))

const positive = (name: string, value: number, allowZero = false): Result.Result<void, HdfsError> =>
  Number.isFinite(value) && (allowZero ? value >= 0 : value > 0)
    ? Result.void
    : badConfig(`${name} must be a ${allowZero ? "non-negative" : "positive"} number, got ${value}`)

/**
 * Settles a copy's options against the environment; the first problem found as a BadConfig error.
 *
 * @since 0.1.0
 * @category constructors
 */
export const resolveCopy = (
  options: CopyOptions,
  env: DistributedContext.Env
): Result.Result<CopyConfig, HdfsError> => {
  if (options.copyName.trim() === "") return badConfig("copyName must not be empty")
  const pathPatterns = typeof options.pathPatterns === "string" ? [options.pathPatterns] : [...options.pathPatterns]
  if (pathPatterns.length === 0)
    return badConfig(`copy '${options.copyName}': pathPatterns must name at least one pattern`)
  const destination = options.destination ?? env.HDFS_LOG_DEST
  if (destination === undefined || destination === "") {
    return badConfig(`copy '${options.copyName}': no destination: pass destination or set HDFS_LOG_DEST`)
  }
  const envInterval = env.HDFS_COPY_INTERVAL
  const intervalSeconds =
    options.intervalSeconds ?? (envInterval !== undefined && envInterval !== "" ? Number(envInterval) : 60)
  const timeZone = env.LOG_TIMEZONE || "UTC"
  try {
    new Intl.DateTimeFormat("en-CA", { timeZone })
  } catch {
    return badConfig(`LOG_TIMEZONE '${timeZone}' is not a time zone (use e.g. UTC or Europe/Berlin)`)
  }
  const config: CopyConfig = {
    copyName: options.copyName,
    pathPatterns,
    destination,
    rootDir: options.rootDir,
    intervalSeconds,
    createDestDirs: options.createDestDirs ?? true,
    preserveStructure: options.preserveStructure ?? false,
    maxRetries: options.maxRetries ?? 3,
    retryDelaySeconds: options.retryDelaySeconds ?? 5,
    timeZone
  }
  return positive(
    envInterval !== undefined && options.intervalSeconds === undefined ? "HDFS_COPY_INTERVAL" : "intervalSeconds",
    intervalSeconds
  ).pipe(
    Result.andThen(positive("maxRetries", config.maxRetries, true)),
    Result.andThen(positive("retryDelaySeconds", config.retryDelaySeconds, true)),
    Result.map(() => config)
  )
}

/**
 * The destination URL with `{date}` filled in as YYYY-MM-DD in `timeZone`.
 *
 * @since 0.1.0
 * @category formatting
 */
export const renderDestination = (destination: string, now: Date, timeZone: string) =>
  destination.replaceAll(
    "{date}",
    new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" }).format(now)
  )

/**
 * WebHDFS settings from the environment, for options not passed explicitly.
 *
 * @since 0.1.0
 * @category config
 */
export const webHdfsFromEnv = (env: DistributedContext.Env): Destination.WebHdfsOptions => ({
  ...(env.HDFS_NAMENODES
    ? {
        namenodes: env.HDFS_NAMENODES.split(",")
          .map((s) => s.trim())
          .filter((s) => s !== "")
      }
    : {}),
  ...(env.HADOOP_USER_NAME ? { user: env.HADOOP_USER_NAME } : {}),
  ...(env.HDFS_DELEGATION_TOKEN ? { delegationToken: env.HDFS_DELEGATION_TOKEN } : {})
})

/**
 * Where manifests live: `DLA_HDFS_STATE_DIR`, else ~/.cache/dla/hdfs.
 *
 * @since 0.1.0
 * @category config
 */
export const stateDirFromEnv = (env: DistributedContext.Env) =>
  env.DLA_HDFS_STATE_DIR || join(env.XDG_CACHE_HOME || join(homedir(), ".cache"), "dla", "hdfs")
