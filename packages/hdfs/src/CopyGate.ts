/**
 * Whether this process copies logs at all: the explicit `DLA_HDFS_COPY` override, then the seeds' disable variables,
 * then the role detected from the launcher's environment, then the default (enabled).
 *
 * @since 0.1.0
 */
import type { DistributedContext } from "@dla/core"
import { Result } from "effect"
import { HdfsError } from "./HdfsError.ts"

/**
 * Whether this process copies, and why.
 *
 * @since 0.1.0
 * @category models
 */
export interface GateStatus {
  readonly enabled: boolean
  /** Why, in a few words. */
  readonly reason: string
  /** The environment variable that decided (for a detected worker, the one that gave its role), or null by default. */
  readonly environmentVariable: string | null
  /** The log line announcing the decision. */
  readonly message: string
}

/**
 * The explicit override: `force` copies even on a detected worker, `off` never copies, `auto` (default) detects.
 *
 * @since 0.1.0
 * @category constants
 */
export const OVERRIDE_VARIABLE = "DLA_HDFS_COPY"
/**
 * Variables whose truthy value turns copying off (the seeds' names).
 *
 * @since 0.1.0
 * @category constants
 */
export const DISABLE_VARIABLES = ["DISABLE_HDFS_COPY", "RAY_DISABLE_HDFS_COPY"] as const

const TRUTHY = new Set(["true", "1", "yes", "on"])

const isTruthy = (value: string | undefined) => value !== undefined && TRUTHY.has(value.trim().toLowerCase())

/**
 * Decides from the environment and the detected distributed context (a worker role disables copying).
 * Fails with a `BadConfig` error when `DLA_HDFS_COPY` holds something other than force, off or auto.
 *
 * @since 0.1.0
 * @category constructors
 */
export const resolve = (
  env: DistributedContext.Env,
  context?: DistributedContext.DistributedContext
): Result.Result<GateStatus, HdfsError> => {
  const override = env[OVERRIDE_VARIABLE]?.trim().toLowerCase()
  if (override === "force" || override === "off") {
    const enabled = override === "force"
    return Result.succeed({
      enabled,
      reason: enabled ? "forced on by override" : "turned off by override",
      environmentVariable: OVERRIDE_VARIABLE,
      message: `HDFS copy ${enabled ? "enabled" : "disabled"} via ${OVERRIDE_VARIABLE}=${override} environment variable`
    })
  }
  if (override !== undefined && override !== "" && override !== "auto") {
    return Result.fail(
      new HdfsError({
        reason: "BadConfig",
        detail: `${OVERRIDE_VARIABLE} must be force, off or auto, got '${env[OVERRIDE_VARIABLE]}'`
      })
    )
  }
  for (const variable of DISABLE_VARIABLES) {
    if (isTruthy(env[variable])) {
      return Result.succeed({
        enabled: false,
        reason: `${variable} is set`,
        environmentVariable: variable,
        message: `HDFS copy disabled via ${variable} environment variable`
      })
    }
  }
  if (context !== undefined && context.role === "worker") {
    const who = `${context.launcher} worker (rank ${context.rank}${context.roleVariable ? `, from ${context.roleVariable}` : ""})`
    return Result.succeed({
      enabled: false,
      reason: `${who} detected`,
      environmentVariable: context.roleVariable ?? null,
      message: `HDFS copy disabled: ${who} detected; set ${OVERRIDE_VARIABLE}=force to copy from here anyway`
    })
  }
  return Result.succeed({
    enabled: true,
    reason: "default behavior",
    environmentVariable: null,
    message: "HDFS copy enabled (default behavior)"
  })
}
