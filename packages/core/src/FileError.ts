/**
 * The one error of file work in core: a path, a reason a program can branch on, and a readable message.
 *
 * A Schema class, so a worker can send it to a master as data and get the same error back.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"

export const Reason = Schema.Literals([
  "NotFound", // no such file or directory
  "Unreadable", // permission denied or an I/O error while reading
  "Unwritable", // permission denied, no space, ... while writing
  "NotAFile", // a directory, socket or device where a regular file was expected
  "Binary", // NUL bytes where log text was expected
  "Corrupt", // a .gz file that does not inflate
  "RangeOnCompressed" // a byte range was asked of a compressed file, whose offsets mean nothing
])
export type Reason = typeof Reason.Type

export class FileError extends Schema.TaggedError<FileError>()("FileError", {
  path: Schema.String,
  reason: Reason,
  detail: Schema.String
}) {
  override get message(): string {
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
  RangeOnCompressed: "a compressed file cannot be split into byte ranges"
}

// Codes that say what is wrong with the path itself; any other code is the operation's failure (`fallback`).
const reasonOfCode: Record<string, Reason> = { ENOENT: "NotFound", ENOTDIR: "NotFound", EISDIR: "NotAFile" }

/** Maps a Node/Bun/Deno file-system error (`code: "ENOENT"`, ...) to a {@link FileError}. */
export const fromSystemError = (path: string, cause: unknown, fallback: Reason = "Unreadable"): FileError => {
  if (cause instanceof FileError) return cause
  const code = typeof cause === "object" && cause !== null && "code" in cause ? String(cause.code) : undefined
  // zlib's codes (Z_DATA_ERROR, Z_BUF_ERROR for a truncated stream) all mean the compressed data is bad.
  const reason = code === undefined ? fallback : code.startsWith("Z_") ? "Corrupt" : (reasonOfCode[code] ?? fallback)
  return new FileError({ path, reason, detail: code ?? (cause instanceof Error ? cause.message : String(cause)) })
}
