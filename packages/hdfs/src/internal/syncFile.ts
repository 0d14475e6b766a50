/**
 * Bringing one destination file up to date with its source, without ever duplicating bytes:
 * - unchanged source (same length, same fingerprint): nothing is sent, not even a request;
 * - grown source whose copied part is unchanged: only the new bytes, by APPEND, and the length is verified;
 * - new, truncated or rotated source (shorter, or its copied part changed): the whole file is written under a
 *   hidden temporary name and renamed over the destination, so readers never see a partial file.
 * Whenever the record cannot be trusted (first pass of a process, a new lease holder, a destination length that
 * differs from the record), the destination is checked: if it holds a prefix of the source (same length-bounded
 * fingerprint), copying resumes after it. So a crash between a write and the manifest save never sends bytes twice.
 */
import { createHash } from "node:crypto"
import { type FileHandle, open } from "node:fs/promises"
import { basename, dirname, join } from "node:path"
import { Effect } from "effect"
import type { Storage } from "../Destination.ts"
import { fromUnknown, HdfsError } from "../HdfsError.ts"
import type { FileRecord } from "./manifest.ts"

/** Bytes hashed at each end of a prefix: cheap, and any rotation or rewrite of a log changes one of them. */
const FINGERPRINT_WINDOW = 4096

/** Reads up to `length` bytes at `offset`, from the source or from the destination. */
type ReadAt = (offset: number, length: number) => Effect.Effect<Uint8Array, HdfsError>

/** Fingerprint of the first `length` bytes: their length, first and last few KiB (at most two reads). */
export const fingerprint = (readAt: ReadAt, length: number): Effect.Effect<string, HdfsError> =>
  Effect.gen(function* () {
    const hash = createHash("sha256").update(String(length))
    const head = Math.min(length, FINGERPRINT_WINDOW)
    hash.update(yield* readAt(0, head))
    if (length > head) {
      const tailStart = Math.max(head, length - FINGERPRINT_WINDOW)
      hash.update(yield* readAt(tailStart, length - tailStart))
    }
    return hash.digest("hex")
  })

const readSource =
  (handle: FileHandle, source: string): ReadAt =>
  (offset, length) =>
    Effect.tryPromise({
      try: async () => {
        const buffer = new Uint8Array(length)
        let filled = 0
        while (filled < length) {
          const { bytesRead } = await handle.read(buffer, filled, length - filled, offset + filled)
          if (bytesRead === 0) break
          filled += bytesRead
        }
        return buffer.subarray(0, filled)
      },
      catch: fromUnknown("LocalIO", `read ${source}`)
    })

export type Action = "unchanged" | "appended" | "created"

export interface SyncResult {
  readonly record: FileRecord
  readonly action: Action
  readonly bytesSent: number
}

export interface SyncInput {
  readonly storage: Storage
  readonly source: string
  readonly destPath: string
  readonly record: FileRecord | undefined
  /** The record was checked against the destination earlier in this process (and this lease term). */
  readonly trusted: boolean
  /** Largest single CREATE / APPEND body. */
  readonly chunkBytes: number
}

/** The temporary name a full copy is written under: hidden, so Hive / Spark readers skip it. */
export const temporaryPath = (destPath: string) => join(dirname(destPath), `.${basename(destPath)}._COPYING_`)

export const syncFile = (input: SyncInput): Effect.Effect<SyncResult, HdfsError> =>
  Effect.acquireUseRelease(
    Effect.tryPromise({ try: () => open(input.source, "r"), catch: fromUnknown("LocalIO", `open ${input.source}`) }),
    (handle) => syncOpen(input, handle),
    (handle) => Effect.promise(() => handle.close())
  )

const syncOpen = (input: SyncInput, handle: FileHandle) =>
  Effect.gen(function* () {
    const { storage, destPath, record } = input
    const readAt = readSource(handle, input.source)
    const size = (yield* Effect.tryPromise({
      try: () => handle.stat(),
      catch: fromUnknown("LocalIO", `stat ${input.source}`)
    })).size
    const sourcePrint = (length: number) => fingerprint(readAt, length)
    const recordHolds =
      record !== undefined &&
      record.destPath === destPath &&
      record.copiedBytes <= size &&
      (yield* sourcePrint(record.copiedBytes)) === record.fingerprint
    const finish = (action: Action, bytesSent: number) =>
      Effect.map(
        sourcePrint(size),
        (print): SyncResult => ({
          record: { destPath, copiedBytes: size, fingerprint: print },
          action,
          bytesSent
        })
      )
    if (recordHolds && input.trusted && record.copiedBytes === size) {
      return { record, action: "unchanged", bytesSent: 0 } satisfies SyncResult
    }

    // Where the destination's valid bytes end, or undefined when it must be rewritten whole.
    const remote = yield* storage.status(destPath)
    let start: number | undefined
    if (remote?.type === "FILE") {
      if (recordHolds && remote.length === record.copiedBytes) start = remote.length
      else if (remote.length <= size) {
        const remotePrint = yield* fingerprint(
          (offset, length) => storage.read(destPath, offset, length),
          remote.length
        )
        if (remotePrint === (yield* sourcePrint(remote.length))) start = remote.length
      }
    }

    const sendFrom = (target: string, from: number, first: (chunk: Uint8Array) => Effect.Effect<void, HdfsError>) =>
      Effect.gen(function* () {
        let offset = from
        let isFirst = true
        do {
          const chunk = yield* readAt(offset, Math.min(input.chunkBytes, size - offset))
          if (chunk.length === 0 && offset < size) {
            return yield* new HdfsError({ reason: "LocalIO", detail: `${input.source} shrank while being copied` })
          }
          yield* isFirst ? first(chunk) : storage.append(target, chunk)
          isFirst = false
          offset += chunk.length
        } while (offset < size)
        const written = yield* storage.status(target)
        if (written?.length !== size) {
          return yield* new HdfsError({
            reason: "Verify",
            detail: `${target} holds ${written?.length ?? "no"} bytes after the copy, expected ${size}`
          })
        }
      })

    if (start === undefined) {
      const temporary = temporaryPath(destPath)
      yield* sendFrom(temporary, 0, (chunk) => storage.create(temporary, chunk))
      yield* storage.rename(temporary, destPath)
      return yield* finish("created", size)
    }
    if (start === size) return yield* finish("unchanged", 0)
    yield* sendFrom(destPath, start, (chunk) => storage.append(destPath, chunk))
    return yield* finish("appended", size - start)
  })
