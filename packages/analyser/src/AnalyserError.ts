/**
 * The one error of the analyser: a `reason` says what went wrong, `message` says it in one line for a person.
 *
 * @since 0.1.0
 */

import { ErrorMessage } from "@dla/core"
import { Data } from "effect"

/**
 * Why an analyser operation failed.
 *
 * @since 0.1.0
 * @category models
 */
export type Reason =
  /** Bad input: missing or empty directory, unreadable file, bad option. */
  | "Input"
  /** The transport (NATS, a worker thread) failed or does not answer. */
  | "Transport"
  /** Left-over state (a stream, a checkpoint) does not fit this run. */
  | "Conflict"
  /** This master lost leadership: it must stop writing. */
  | "Fenced"
  /** Counting a file failed. */
  | "Analysis"

/**
 * The analyser's one error: a `reason`, a short `detail` and the `cause`, if any.
 *
 * @since 0.1.0
 * @category errors
 */
export class AnalyserError extends Data.TaggedError("AnalyserError")<{
  readonly reason: Reason
  /** What went wrong, in a few words; the message adds the cause's own message after it. */
  readonly detail: string
  readonly cause?: unknown
}> {
  /** One line: the detail, then the cause's message when there is a cause. */
  override get message(): string {
    return this.cause === undefined ? this.detail : `${this.detail}: ${ErrorMessage.describe(this.cause)}`
  }
}

/**
 * The message of any thrown value, for one-line errors (core's `ErrorMessage.describe`).
 *
 * @since 0.1.0
 * @category utils
 */
export const describe: (cause: unknown) => string = ErrorMessage.describe

/**
 * An {@link AnalyserError} of `reason`, with `cause` when there is one.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (reason: Reason, detail: string, cause?: unknown) =>
  new AnalyserError(cause === undefined ? { reason, detail } : { reason, detail, cause })
