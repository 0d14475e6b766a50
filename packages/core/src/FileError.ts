/**
 * The one error of file work in core: a path, a reason a program can branch on, and a readable message.
 *
 * A Schema class, so a worker can send it to a master as data and get the same error back.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import * as ErrorMessage from "./ErrorMessage.ts"

/**
 * Why a file could not be read or written: not found, unreadable, unwritable, not a file, binary, unsupported.
 *
 * @since 0.1.0
 * @category models
 */
export const Reason = Schema.Literals([
  "NotFound", // no such file or directory
  "Unreadable", // permission denied or an I/O error while reading
  "Unwritable", // permission denied, no space, ... while writing
  "NotAFile", // a directory, socket or device where a regular file was expected
  "Binary", // NUL bytes where log text was expected
  "Corrupt", // a compressed file that does not inflate
  "Unsupported", // compressed in a way this runtime cannot inflate (xz, bzip2; zstd on a runtime without it)
  "RangeOnCompressed" // a byte range was asked of a compressed file, whose offsets mean nothing
])

/**
 * A decoded {@link Reason}.
 *
 * @since 0.1.0
 * @category models
 */
export type Reason = typeof Reason.Type

/**
 * A file that could not be read or written: its path, the reason and a detail.
 *
 * @since 0.1.0
 * @category errors
 */
export class FileError extends Schema.TaggedError<FileError>()("FileError", {
  path: Schema.String,
  reason: Reason,
  detail: Schema.String
}) {
  override get message(): string {
    if (this.reason === "Unsupported") return `${this.path}: compressed with ${this.detail}: not supported`
    return `${this.path}: ${describe[this.reason]}${this.detail === "" ? "" : ` (${this.detail})`}`
  }
}

const describe: Record<Reason, string> = {
  NotFound: "no such file or directory",
  Unreadable: "cannot be read",
  Unwritable: "cannot be written",
  NotAFile: "not a regular file",
  Binary: "binary file, not a text log",
  Corrupt: "corrupt compressed data",
  Unsupported: "compression not supported",
  RangeOnCompressed: "a compressed file cannot be split into byte ranges"
}

// Codes that say what is wrong with the path itself; any other code is the operation's failure (`fallback`).
const reasonOfCode: Record<string, Reason> = { ENOENT: "NotFound", ENOTDIR: "NotFound", EISDIR: "NotAFile" }

/**
 * Whether a file is left out of a run rather than failing it: binary content or a compression this runtime cannot
 * read. Counting either would only add noise; the run says which files it skipped and why.
 *
 * @since 0.1.0
 * @category predicates
 */
export const isSkip = (error: FileError): boolean => error.reason === "Binary" || error.reason === "Unsupported"

/**
 * Maps a Node/Bun/Deno file-system error (`code: "ENOENT"`, ...) to a {@link FileError}.
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromSystemError = (path: string, cause: unknown, fallback: Reason = "Unreadable"): FileError => {
  if (cause instanceof FileError) return cause
  const code = typeof cause === "object" && cause !== null && "code" in cause ? String(cause.code) : undefined
  // zlib's codes (Z_DATA_ERROR, Z_BUF_ERROR for a truncated stream) and zstd's (ZSTD_error_...) all mean the
  // compressed data is bad.
  const reason = code === undefined ? fallback : /^(Z_|ZSTD_)/.test(code) ? "Corrupt" : (reasonOfCode[code] ?? fallback)
  return new FileError({ path, reason, detail: code ?? ErrorMessage.describe(cause) })
}
