/** The shipping state of one file, as the shipper keeps it in KV under the file's identity. */
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"

export const FileState = Schema.Struct({
  file: Schema.String,
  generation: Schema.Number,
  offset: Schema.Number,
  lines: Schema.Number,
  /** base64 of the file's first bytes (up to 64) when last shipped: tells the same file from a reused inode. */
  prefix: Schema.String
})
export type FileState = typeof FileState.Type

/** The state in a KV value, or `None` when the value is not one. */
export const decode: (json: string) => Option.Option<FileState> = Schema.decodeUnknownOption(
  Schema.fromJsonString(FileState)
)

/** The file a KV value's state names, if it is a state. */
export const fileOf = (json: string): string | undefined =>
  Option.getOrUndefined(Option.map(decode(json), (s) => s.file))
