/**
 * The one error of the analyser: a `reason` says what went wrong, `message` says it in one line for a person.
 *
 * @since 0.1.0
 */

import { ErrorMessage } from "@dla/core"
import { Data } from "effect"

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

export class AnalyserError extends Data.TaggedError("AnalyserError")<{
  readonly reason: Reason
  readonly message: string
  readonly cause?: unknown
}> {}

/** The message of any thrown value, for one-line errors (core's `ErrorMessage.describe`). */
export const describe: (cause: unknown) => string = ErrorMessage.describe

export const make = (reason: Reason, message: string, cause?: unknown) =>
  new AnalyserError({ reason, message: cause === undefined ? message : `${message}: ${describe(cause)}`, cause })
