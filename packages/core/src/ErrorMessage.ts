/**
 * One way to turn anything thrown or failed into the one-line text of an error message, and into a package's own
 * error.
 *
 * @since 0.1.0
 */

/**
 * The one-line message of any thrown or failed value: an `Error`'s message (its name when it has none), a string as it
 * is, anything else as JSON where it can be; line breaks and the spaces around them become one space.
 *
 * @since 0.1.0
 * @category formatting
 */
export const describe = (cause: unknown): string => oneLine(text(cause))

/**
 * `text` on one line: every line break, with the spaces around it, becomes one space.
 *
 * @since 0.1.0
 * @category formatting
 */
export const oneLine = (text: string): string => text.replace(/\s*\n\s*/g, " ").trim()

/**
 * A tagged error's message from what failed and why: `detail`, then `: ` and the cause's one-line message when there
 * is a cause.
 *
 * @since 0.1.0
 * @category formatting
 */
export const withCause = (detail: string, cause: unknown): string =>
  cause === undefined ? detail : `${detail}: ${describe(cause)}`

const text = (cause: unknown): string => {
  if (cause instanceof Error) return cause.message === "" ? cause.name : cause.message
  if (typeof cause === "string") return cause
  if (cause === undefined || typeof cause === "function" || typeof cause === "symbol") return String(cause)
  try {
    return JSON.stringify(cause) ?? String(cause)
  } catch {
    return String(cause)
  }
}

/**
 * Turns a rejected promise's reason into a package's own error: the reason itself when it already is one (an error
 * raised deeper down is not wrapped twice), else `wrap(reason)`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const keepOrWrap =
  <E>(own: abstract new (...args: never) => E, wrap: (cause: unknown) => E) =>
  (cause: unknown): E =>
    cause instanceof own ? cause : wrap(cause)
