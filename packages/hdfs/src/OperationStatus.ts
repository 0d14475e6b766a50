/**
 * What the copier reports: each operation's status, the copier's status (the seeds' `get_status()`) and its health
 * (the LogManager guide's `health_check()`).
 *
 * @since 0.1.0
 */
import type * as CopyConfig from "./CopyConfig.ts"
import type * as CopyGate from "./CopyGate.ts"

/**
 * Where an operation is: before its first pass, in a pass, between passes, or waiting for the lease.
 *
 * @since 0.1.0
 * @category models
 */
export type OperationState = "starting" | "copying" | "waiting" | "standby"

/**
 * One copy operation as `listOperations` and `runOnce` report it.
 *
 * @since 0.1.0
 * @category models
 */
export interface OperationStatus {
  readonly name: string
  readonly config: CopyConfig.CopyConfig
  readonly state: OperationState
  /** ISO times of the last pass's start and of the last pass without errors. */
  readonly lastRunAt: string | null
  readonly lastSuccessAt: string | null
  readonly runs: number
  /** Totals since the operation started: files written (created or appended) and bytes sent. */
  readonly filesCopied: number
  readonly bytesCopied: number
  readonly lastError: string | null
  /** With NATS: whether this process holds the lease; null without NATS. */
  readonly leaseHeld: boolean | null
}

/**
 * Whether the copier copies on this node, and why: the seeds' `get_status()`.
 *
 * @since 0.1.0
 * @category models
 */
export interface Status {
  readonly enabled: boolean
  readonly reason: string
  readonly environmentVariable: string | null
}

/**
 * The copier's health: the LogManager guide's `health_check()`.
 *
 * @since 0.1.0
 * @category models
 */
export interface Health {
  /** The LogManager guide's `health_check()` status: `warning` when any issue is found. */
  readonly status: "healthy" | "warning"
  /**
   * The guide's message: `HDFS copy enabled but no operations running`, `<n> HDFS operations active`,
   * `HDFS copy disabled (worker node)`, or the issues found.
   */
  readonly message: string
  readonly healthy: boolean
  readonly enabled: boolean
  readonly reason: string
  readonly operations: number
  /** One line per problem: copying enabled with nothing running, failing copies, stalled copies. */
  readonly issues: ReadonlyArray<string>
}

/**
 * The health of a copier whose gate is `gate` and whose operations are `operations`, at `nowMs` (epoch ms): a copy
 * that failed, or that has not run for three intervals (standing by excepted), is an issue.
 *
 * @since 0.1.0
 * @category health
 */
export const health = (
  gate: CopyGate.GateStatus,
  operations: ReadonlyArray<OperationStatus>,
  nowMs: number
): Health => {
  const issues: Array<string> = []
  if (gate.enabled && operations.length === 0) issues.push("HDFS copy enabled but no operations running")
  for (const status of operations) {
    if (status.lastError !== null) issues.push(`copy '${status.name}': ${status.lastError}`)
    const last = status.lastRunAt === null ? null : Date.parse(status.lastRunAt)
    if (status.state !== "standby" && last !== null && nowMs - last > 3 * status.config.intervalSeconds * 1000) {
      issues.push(
        `copy '${status.name}': no pass for ${Math.round((nowMs - last) / 1000)}s (interval ${status.config.intervalSeconds}s)`
      )
    }
  }
  const message =
    issues.length > 0
      ? issues.join("; ")
      : gate.enabled
        ? `${operations.length} HDFS operations active`
        : "HDFS copy disabled (worker node)"
  return {
    status: issues.length === 0 ? "healthy" : "warning",
    message,
    healthy: issues.length === 0,
    enabled: gate.enabled,
    reason: gate.reason,
    operations: operations.length,
    issues
  }
}
