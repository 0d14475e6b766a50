/**
 * How a stored message's bytes are encoded. A shipper deflates the lines of a message (log lines shrink 5 to 12 times
 * at deflate's fastest level), so the servers replicate, store and serve a fraction of the bytes and one message
 * holds several MiB of lines; the `Dla-Encoding` header says so, and a message without it holds the lines as they are.
 * The `Dla-Offset`/`Dla-End` headers and message ids count bytes of the file, never encoded bytes.
 */
import type { Buffer } from "node:buffer"
import { promisify } from "node:util"
import { constants, deflateRaw, inflateRaw, inflateRawSync } from "node:zlib"
import { Header } from "./naming.ts"

export const DEFLATE = "deflate"

const deflate = promisify(deflateRaw)
const inflate = promisify(inflateRaw)

/** `lines` deflated at the fastest level (on libuv's thread pool, so files compress in parallel). */
export const compress = (lines: Uint8Array): Promise<Buffer> => deflate(lines, { level: constants.Z_BEST_SPEED })

/** A stored message as readers get it. */
export interface Message {
  readonly data: Uint8Array
  readonly headers?: { get(key: string): string } | undefined
}

const deflated = (msg: Message) => msg.headers?.get(Header.encoding) === DEFLATE

/** The file bytes a stored message holds. */
export const bytesOf = (msg: Message): Uint8Array => (deflated(msg) ? inflateRawSync(msg.data) : msg.data)

/** The same, decoded on libuv's thread pool. */
export const decode = async (msg: Message): Promise<Uint8Array> => (deflated(msg) ? inflate(msg.data) : msg.data)
