/**
 * How a stored message's bytes are encoded. A shipper compresses the lines of a message with zstd at its fastest
 * level (log lines shrink 5 to 12 times, and zstd decodes at several times the speed of deflate), so the servers
 * replicate, store and serve a fraction of the bytes and one message holds several MiB of lines; the `Dla-Encoding`
 * header says so, and a message without it holds the lines as they are. The `Dla-Offset`/`Dla-End` headers and
 * message ids count bytes of the file, never encoded bytes.
 */
import type { Buffer } from "node:buffer"
import { promisify } from "node:util"
import { constants, zstdCompress, zstdDecompress, zstdDecompressSync } from "node:zlib"
import { Header } from "./naming.ts"

export const ZSTD = "zstd"
const MIN_CHUNK = 64 * 1024

const compressAsync = promisify(zstdCompress)
const decompressAsync = promisify(zstdDecompress)

/**
 * `lines` compressed (on libuv's thread pool, so files compress in parallel), into one buffer of `room` bytes
 * (zlib's default of 16 KiB pieces, joined, costs more than the compressing).
 */
export const compress = (lines: Uint8Array, room: number): Promise<Buffer> =>
  compressAsync(lines, {
    params: { [constants.ZSTD_c_compressionLevel]: 1 },
    chunkSize: Math.max(MIN_CHUNK, room)
  })

/** A stored message as readers get it. */
export interface Message {
  readonly data: Uint8Array
  readonly headers?: { get(key: string): string } | undefined
}

const compressed = (msg: Message) => msg.headers?.get(Header.encoding) === ZSTD

/** The bytes of the file a message holds, from its headers (NaN without them). */
const sizeOf = (msg: Message) => Number(msg.headers?.get(Header.end)) - Number(msg.headers?.get(Header.offset))

/**
 * Decompressing into one buffer of the message's size in the file and a byte more: zlib takes a buffer it filled to
 * the last byte for a sign of more output, so with room for exactly the message it allocates a second buffer as
 * large and runs the decoder once more for nothing (twice the memory and about twice the time, measured in
 * docs/benchmarks.md). A small message gets a small buffer (64 KiB for one of 600 bytes took twice the time).
 */
const decompressOptions = (msg: Message) => ({
  chunkSize: Math.max(constants.Z_MIN_CHUNK, sizeOf(msg) + 1) || MIN_CHUNK
})

/** Below this many bytes of lines a message is decoded on the calling thread: the thread pool's round trip costs more. */
const ON_THREAD_POOL = 64 * 1024

/** The file bytes a stored message holds. */
export const bytesOf = (msg: Message): Uint8Array =>
  compressed(msg) ? zstdDecompressSync(msg.data, decompressOptions(msg)) : msg.data

/** The same, decoded on libuv's thread pool unless small. */
export const decode = async (msg: Message): Promise<Uint8Array> =>
  compressed(msg) && sizeOf(msg) >= ON_THREAD_POOL ? decompressAsync(msg.data, decompressOptions(msg)) : bytesOf(msg)
