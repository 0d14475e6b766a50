/**
 * A command's own usage check failed (options that parse but do not fit together): exit code 2, like a parse error.
 *
 * @since 0.1.0
 */
import { Schema } from "effect"

export class UsageError extends Schema.TaggedError<UsageError>()("UsageError", { message: Schema.String }) {}
