/**
 * The one error of `@dla/store`: what failed, as a reason a program can branch on, and a readable message.
 *
 * @since 0.1.0
 */

import { ErrorMessage } from "@dla/core"
import * as Data from "effect/Data"

/**
 * What failed, for a `StoreError`.
 *
 * @since 0.1.0
 * @category models
 */
export type Reason =
  /** Bad options (an empty node name, a path that is not there): fix the call, retrying will not help. */
  | "BadInput"
  /** JetStream or the KV bucket did not answer, or refused, for longer than the retry bound. */
  | "Unavailable"
  /** The stream holds for a file something this shipper did not write: two shippers use the same node name. */
  | "Conflict"
  /** Reading a local file, or writing a mirrored one, failed. */
  | "LocalIO"
  /** Nothing stored under the node or file asked for. */
  | "NotFound"

/**
 * The error of every `@dla/store` operation: its reason, a one-line message and the failure underneath.
 *
 * @since 0.1.0
 * @category errors
 */
export class StoreError extends Data.TaggedError("StoreError")<{
  readonly reason: Reason
  readonly message: string
  readonly cause?: unknown
}> {}

/**
 * Wraps a rejected promise as a StoreError of `reason`, keeping StoreErrors as they are.
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromUnknown = (reason: Reason, context: string): ((cause: unknown) => StoreError) =>
  ErrorMessage.keepOrWrap(
    StoreError,
    (cause) => new StoreError({ reason, message: `${context}: ${ErrorMessage.describe(cause)}`, cause })
  )
