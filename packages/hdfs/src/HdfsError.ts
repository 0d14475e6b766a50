/**
 * The one error of `@dla/hdfs`: what failed, and whether trying again can help.
 *
 * @since 0.1.0
 */

import { ErrorMessage } from "@dla/core"
import { Data } from "effect"

/**
 * What failed, for an {@link HdfsError}.
 *
 * @since 0.1.0
 * @category errors
 */
export type Reason =
  /** Bad options or environment: fix the configuration, retrying will not help. */
  | "BadConfig"
  /** The destination answered with an error (a WebHDFS RemoteException or an unexpected HTTP status). */
  | "Remote"
  /** The destination could not be reached, or the connection dropped. */
  | "Connection"
  /** Every configured namenode answered StandbyException. */
  | "Standby"
  /** Reading a source file or writing the manifest failed. */
  | "LocalIO"
  /** The destination does not hold what was sent (length check after a write). */
  | "Verify"
  /** The NATS lease bucket could not be read or written. */
  | "Lease"

/**
 * The error of every `@dla/hdfs` operation: its reason, a one-line message and the failure underneath.
 *
 * @since 0.1.0
 * @category errors
 */
export class HdfsError extends Data.TaggedError("HdfsError")<{
  readonly reason: Reason
  readonly message: string
  /** For `Remote`: the Java exception's simple name from the RemoteException (e.g. FileNotFoundException). */
  readonly exception?: string
  readonly cause?: unknown
}> {}

/**
 * Bad configuration is final and a lost lease ends the pass; everything else may pass on the next attempt.
 *
 * @since 0.1.0
 * @category predicates
 */
export const isRetryable = (error: HdfsError): boolean => error.reason !== "BadConfig" && error.reason !== "Lease"

/**
 * Wraps an unknown failure (a rejected promise) as an HdfsError of the given reason, keeping HdfsErrors as they are.
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromUnknown =
  (reason: Reason, context: string) =>
  (cause: unknown): HdfsError =>
    cause instanceof HdfsError
      ? cause
      : new HdfsError({
          reason,
          message: `${context}: ${ErrorMessage.describe(cause)}`,
          cause
        })
