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
 * The error of every `@dla/hdfs` operation: its reason, what failed and the failure underneath, with a one-line
 * `message` made of them.
 *
 * @since 0.1.0
 * @category errors
 */
export class HdfsError extends Data.TaggedError("HdfsError")<{
  readonly reason: Reason
  /** What failed, in a few words; the message adds the cause's own message after it. */
  readonly detail?: string
  /** For `Remote`: the Java exception's simple name from the RemoteException (e.g. FileNotFoundException). */
  readonly exception?: string
  readonly cause?: unknown
}> {
  /** One line: the detail, then the cause's message unless the detail says it already (either alone when the other is missing). */
  override get message(): string {
    const cause = this.cause === undefined ? undefined : ErrorMessage.describe(this.cause)
    if (this.detail === undefined) return cause ?? this.reason
    return cause === undefined || this.detail.includes(cause) ? this.detail : `${this.detail}: ${cause}`
  }
}

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
export const fromUnknown = (reason: Reason, context: string): ((cause: unknown) => HdfsError) =>
  ErrorMessage.keepOrWrap(HdfsError, (cause) => new HdfsError({ reason, detail: context, cause }))
