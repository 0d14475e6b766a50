/**
 * Where stored logs live on NATS. One stream (default `DLA_LOGS`) holds every node's files, one subject per stored
 * file and generation: `<stream>.<node>.<file>.<generation>`, node and file (the path relative to the shipped root)
 * base64url-encoded so any name is one subject token. A generation is one life of a name: a file rotated away or
 * truncated keeps its generation, the new file under the old name starts the next. A KV bucket `<stream>_positions`
 * holds per-file shipping state, keyed by node and file identity (device + inode), and the next generation per name.
 */
import { Buffer } from "node:buffer"

export const DEFAULT_STREAM = "DLA_LOGS"

/**
 * Headers of a stored message: its first byte's offset in the file, the offset after it, lines up to there, and how
 * its bytes are encoded (absent: as they are; see `encoding.ts`).
 */
export const Header = { offset: "Dla-Offset", end: "Dla-End", lines: "Dla-Lines", encoding: "Dla-Encoding" } as const

export const token = (text: string): string => Buffer.from(text, "utf8").toString("base64url")
export const untoken = (encoded: string): string => Buffer.from(encoded, "base64url").toString("utf8")

export interface StoredFileId {
  readonly node: string
  readonly file: string
  readonly generation: number
}

export const bucketOf = (stream: string): string => `${stream}_positions`

export const subject = (stream: string, id: StoredFileId): string =>
  `${stream}.${token(id.node)}.${token(id.file)}.${id.generation}`

/** The subjects of a node (every file), of a file (every generation), or of everything. */
export const filter = (stream: string, node?: string, file?: string): string =>
  node === undefined
    ? `${stream}.>`
    : file === undefined
      ? `${stream}.${token(node)}.>`
      : `${stream}.${token(node)}.${token(file)}.*`

export const parseSubject = (stream: string, name: string): StoredFileId | undefined => {
  const parts = name.slice(stream.length + 1).split(".")
  if (!name.startsWith(`${stream}.`) || parts.length !== 3) return undefined
  const generation = Number(parts[2])
  if (!Number.isSafeInteger(generation)) return undefined
  return { node: untoken(parts[0]!), file: untoken(parts[1]!), generation }
}

/** The id that dedupes a message: node, file, generation and byte offset say exactly which bytes it holds. */
export const messageId = (id: StoredFileId, offset: number): string =>
  `${token(id.node)}.${token(id.file)}.${id.generation}.${offset}`

/** KV key of the shipping state of the file with this identity on `node`. */
export const fileKey = (node: string, dev: number, ino: number): string => `${token(node)}.i.${dev}-${ino}`
/** KV key of the next generation of `file` on `node`. */
export const generationKey = (node: string, file: string): string => `${token(node)}.g.${token(file)}`
/** KV key a shipper of `node` writes to make the bucket's leader current before reading (see `Shipper`). */
export const syncKey = (node: string): string => `${token(node)}.sync`
/** KV keys of the shipping states of a node's files. */
export const stateKeys = (node: string): string => `${token(node)}.i.*`
