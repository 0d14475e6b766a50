/**
 * Shipping a node's log files into the store: every complete line, in order, exactly once, across restarts and
 * crashes of the shipper and fail-overs of the cluster.
 *
 * How exactly once holds: a message holds the bytes `[offset, end)` of one file generation, ending at a line end,
 * with the id `<node>.<file>.<generation>.<offset>` (deduped by the stream) and the header
 * `Nats-Expected-Last-Subject-Sequence` naming the subject's previous message, so the stream never takes a message
 * out of order, twice, or after a gap. A failed or unanswered publish is sent again, the same; when the stream says
 * the subject moved on, its last message tells whether ours got in. On start, a file's position is the end of its
 * subject's last message (the stream is the truth; the KV position, written after each pass, may lag it after a
 * crash). Files are known by identity (device + inode, checked against their first bytes), so a file renamed by
 * rotation is read to its end under its stored name, and the new file under the old name is the name's next
 * generation; a truncated file starts a new generation too. Gzip files are left out: they hold no lines.
 *
 * Messages are compressed (zstd, see `internal/encoding.ts`), so one holds many times `messageBytes` of lines. A leader
 * elected a moment ago may answer reads before it applied its predecessor's last writes (nats-server 2.9): before a
 * read that decides a file is new, the shipper makes the positions bucket current with a write of its own.
 *
 * Back-pressure: `concurrency` files ship at once, each with one publish in flight, so at most `concurrency`
 * messages (of at most `messageBytes`) are unacknowledged.
 *
 * @since 0.1.0
 */
import { Buffer } from "node:buffer"
import type { FileHandle } from "node:fs/promises"
import { open } from "node:fs/promises"
import { ErrorMessage, FileAnalysis, type FileError, Limited, LogFiles } from "@dla/core"
import type { NatsConnection } from "@nats-io/nats-core"
import { headers as natsHeaders } from "@nats-io/nats-core"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Schedule from "effect/Schedule"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as Encoding from "./internal/encoding.ts"
import * as FileState from "./internal/fileState.ts"
import * as Naming from "./internal/naming.ts"
import { apiCode, type Handles, open as openStore, retrier } from "./internal/nats.ts"
import * as StoreError from "./StoreError.ts"

/**
 * What a shipper ships and where: the node name, the files (as `LogFiles` lists them), the stream.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options extends LogFiles.ListOptions {
  /** The name the files are stored under (`--node`); one shipper per node name. */
  readonly node: string
  /** Stream name (default `DLA_LOGS`). */
  readonly stream?: string
  /** Replicas of the stream and bucket when this shipper makes them (default 1; 3 survives a server's loss). */
  readonly replicas?: number
  /** Files shipped at once, each with one publish in flight (default 8). */
  readonly concurrency?: number
  /** Largest message (default: the server's max payload less 4 KiB for headers, at most 1 MiB). */
  readonly messageBytes?: number
  /**
   * Compress the lines of each message with zstd (default true): a message then holds up to 16 times `messageBytes` of lines,
   * and the servers replicate and store a fraction of the bytes. Readers decode either kind.
   */
  readonly compress?: boolean
  /** How long to keep trying through a cluster that does not answer before failing (default 60 s). */
  readonly retryForMs?: number
  /**
   * The clock those waits are measured on, in milliseconds (default the system's; the Effect faces pass their
   * `Clock`'s).
   */
  readonly now?: () => number
  /** Called after every stored message and at the end of each pass. */
  readonly onProgress?: (progress: Progress) => void
}

/**
 * What a shipper has stored since it started.
 *
 * @since 0.1.0
 * @category models
 */
export interface Progress {
  /** Bytes, lines and messages stored by this shipper since it started. */
  readonly bytes: number
  readonly lines: number
  readonly messages: number
  /** Files followed now. */
  readonly files: number
}

/**
 * What a pass noticed about a file: added, resumed, renamed, truncated, removed or skipped.
 *
 * @since 0.1.0
 * @category models
 */
export type Event =
  | { readonly _tag: "Added"; readonly path: string; readonly file: string; readonly generation: number }
  | { readonly _tag: "Resumed"; readonly path: string; readonly file: string; readonly offset: number }
  | { readonly _tag: "Renamed"; readonly from: string; readonly to: string }
  | { readonly _tag: "Truncated"; readonly path: string; readonly generation: number }
  | { readonly _tag: "Removed"; readonly path: string }
  | { readonly _tag: "Skipped"; readonly path: string; readonly reason: string }

/**
 * One pass's progress and what it noticed.
 *
 * @since 0.1.0
 * @category models
 */
export interface PassResult extends Progress {
  readonly events: ReadonlyArray<Event>
}

interface Tracked {
  readonly key: string
  path: string
  readonly handle: FileHandle
  file: string
  generation: number
  offset: number
  lines: number
  /** Stream sequence of the subject's last message (0: none yet). */
  lastSeq: number
  /** Bytes of lines read for one message: more while they compress to well under a message, fewer when they do not. */
  rawBytes: number
  /** Offset up to which the bytes are known to be whole lines (a line longer than a message is sent in pieces). */
  completeUntil: number
  prefix: Uint8Array
  mtimeMs: number
  dirty: boolean
}

const NEWLINE = 0x0a
const PREFIX = 64
const MAX_MESSAGE = 1024 * 1024
/** Compressing, a message's lines start at this many times the message size, and grow to at most `RAW_MAX` times. */
const RAW_START = 8
const RAW_MAX = 16
const HEADER_ROOM = 4096

const sameBytes = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((byte, i) => byte === b[i])

const countNewlines = (bytes: Buffer) => {
  let n = 0
  for (let i = bytes.indexOf(NEWLINE); i >= 0; i = bytes.indexOf(NEWLINE, i + 1)) n++
  return n
}

/**
 * A shipper over `root`: each {@link Shipper.pass} ships what is new; {@link Shipper.close} closes the files.
 *
 * @since 0.1.0
 * @category models
 */
export interface Shipper {
  readonly pass: () => Promise<PassResult>
  readonly close: () => Promise<void>
}

/**
 * Opens the store (making the stream and bucket when missing) and returns a shipper of `root` (a file or directory).
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = async (nc: NatsConnection, root: string, options: Options): Promise<Shipper> => {
  const { node } = options
  if (node === "") throw new StoreError.StoreError({ reason: "BadInput", message: "the node name must not be empty" })
  const stream = options.stream ?? Naming.DEFAULT_STREAM
  const retry = retrier(options.retryForMs ?? 60_000, options.now ?? Date.now)
  const concurrency = Math.max(1, options.concurrency ?? 8)
  const serverMax = nc.info?.max_payload ?? MAX_MESSAGE
  const messageBytes = Math.max(1, Math.min(options.messageBytes ?? MAX_MESSAGE, serverMax - HEADER_ROOM))
  const compressing = options.compress ?? true
  const store: Handles = await openStore(nc, { stream, replicas: options.replicas ?? 1, create: true, retry })
  const tracked = new Map<string, Tracked>()
  const skipped = new Set<string>()
  const totals = { bytes: 0, lines: 0, messages: 0 }
  const progress = (): Progress => ({ ...totals, files: tracked.size })

  const bucket = Naming.bucketOf(stream)
  /**
   * A key's latest entry, read from the leader of the bucket's stream. The KV's own get may be a direct get, which any
   * replica answers: during a leader change a lagging replica said "no state" for a file being shipped, which then
   * started over as a new generation and was stored twice.
   */
  const kvGet = (key: string) =>
    retry(`reading ${key}`, async () => {
      const msg = await store.jsm.streams.getMessage(`KV_${bucket}`, { last_by_subj: `$KV.${bucket}.${key}` })
      if (msg === null) return null
      return { operation: msg.header?.get("KV-Operation") || "PUT", revision: msg.seq, string: () => msg.string() }
    })

  /**
   * Makes the bucket's leader show that it applied every write acknowledged before: a write, acknowledged only once
   * the leader applied it, and with it everything before it. Called before a read that decides to start a file over.
   * A newly elected leader answers reads before it applied the writes its predecessor acknowledged last (nats-server
   * 2.9), and its answer "no state for this file" made a shipper restarted during a fail-over store a file again.
   */
  const syncBucket = () => retry(`syncing ${bucket}`, () => store.kv.put(Naming.syncKey(node), "sync"))

  /** The next generation of `file`, counted in KV with compare-and-set on a read made after {@link syncBucket}. */
  const allocateGeneration = async (file: string): Promise<number> => {
    const key = Naming.generationKey(node, file)
    for (;;) {
      // Clustered, the server checks an update's revision against its leader's state only: the read must be current.
      await syncBucket()
      const entry = await kvGet(key)
      const next = entry === null || entry.operation !== "PUT" ? 0 : Number(entry.string())
      const written = await retry(`writing ${key}`, () =>
        (entry === null || entry.operation !== "PUT"
          ? store.kv.create(key, String(next + 1))
          : store.kv.update(key, String(next + 1), entry.revision)
        ).then(
          () => true,
          (error: unknown) => {
            // Someone moved the counter since we read it (only after a crash mid-write): read it again.
            if (apiCode(error) === 10071 || /wrong last sequence|key exists/i.test(String(error))) return false
            throw error
          }
        )
      )
      if (written) return next
    }
  }

  const saveState = (file: Tracked) =>
    retry(`writing the position of ${file.path}`, () =>
      store.kv.put(
        file.key,
        JSON.stringify({
          file: file.file,
          generation: file.generation,
          offset: file.offset,
          lines: file.lines,
          prefix: Buffer.from(file.prefix).toString("base64")
        } satisfies FileState.FileState)
      )
    )

  const subjectOf = (file: Tracked) => Naming.subject(stream, { node, file: file.file, generation: file.generation })

  /** Position of `file` from its subject's last message (the truth; KV may lag it). */
  const reconcile = async (file: Tracked) => {
    const last = await retry(`reading the stream for ${file.path}`, () =>
      store.jsm.streams.getMessage(stream, { last_by_subj: subjectOf(file) })
    )
    file.offset = last === null ? 0 : Number(last.header.get(Naming.Header.end))
    file.lines = last === null ? 0 : Number(last.header.get(Naming.Header.lines))
    file.lastSeq = last?.seq ?? 0
    file.completeUntil = file.offset
  }

  const head = async (handle: FileHandle, length: number) => {
    const bytes = new Uint8Array(length)
    const { bytesRead } = await handle.read(bytes, 0, length, 0)
    return bytes.subarray(0, bytesRead)
  }

  /** Starts `file` over as a new generation of its name: offset 0, nothing stored yet. */
  const newGeneration = async (file: Tracked, name: string) => {
    file.file = name
    file.generation = await allocateGeneration(name)
    file.offset = 0
    file.lines = 0
    file.lastSeq = 0
    file.completeUntil = 0
    file.prefix = new Uint8Array(0)
    // Written before the first publish: a crash from here on resumes this generation, never opens another.
    await saveState(file)
  }

  const admit = async (entry: LogFiles.LogFile, events: Array<Event>) => {
    const handle = await open(entry.path, "r")
    const key = Naming.fileKey(node, entry.dev, entry.ino)
    const file: Tracked = {
      key,
      path: entry.path,
      handle,
      file: entry.relative,
      generation: 0,
      offset: 0,
      lines: 0,
      lastSeq: 0,
      rawBytes: messageBytes * (compressing ? RAW_START : 1),
      completeUntil: 0,
      prefix: new Uint8Array(0),
      mtimeMs: 0,
      dirty: false
    }
    /** The file's stored state, if it is this file's (same first bytes: not a reused inode). */
    const stateOfThisFile = async () => {
      const entry = await kvGet(key)
      const known = entry?.operation === "PUT" ? FileState.decode(entry.string()) : undefined
      if (known?._tag !== "Some") return undefined
      const prefix = new Uint8Array(Buffer.from(known.value.prefix, "base64"))
      return sameBytes(await head(handle, prefix.length), prefix) ? { ...known.value, prefix } : undefined
    }
    try {
      // "Unknown" is read again once the bucket is current: a lagging leader must not make a shipped file start over.
      const state = (await stateOfThisFile()) ?? (await syncBucket().then(stateOfThisFile))
      if (state !== undefined) {
        file.file = state.file
        file.generation = state.generation
        file.prefix = state.prefix
        await reconcile(file)
        events.push({ _tag: "Resumed", path: entry.path, file: file.file, offset: file.offset })
      } else {
        await newGeneration(file, entry.relative)
        events.push({ _tag: "Added", path: entry.path, file: file.file, generation: file.generation })
      }
    } catch (error) {
      await handle.close()
      throw error
    }
    tracked.set(key, file)
  }

  /** Whether `file` was truncated (or emptied and refilled) since it was last read. */
  const wasTruncated = async (file: Tracked, size: number, mtimeMs: number) => {
    if (size < file.offset) return true
    if (mtimeMs === file.mtimeMs || file.prefix.length === 0) return false
    return !sameBytes(await head(file.handle, file.prefix.length), file.prefix)
  }

  /**
   * The message body for `lines`: compressed when that fits in a message, as they are when they fit, else undefined
   * (too many lines for one message: read fewer).
   */
  const encode = async (lines: Buffer) => {
    if (compressing) {
      const packed = await Encoding.compress(lines, messageBytes)
      if (packed.length <= messageBytes && packed.length < lines.length) {
        return { data: packed, encoding: Encoding.ZSTD }
      }
    }
    return lines.length <= messageBytes ? { data: lines, encoding: undefined } : undefined
  }

  /** Publishes `payload` (`body`, its encoding) as the bytes `[file.offset, ...)`, exactly once; moves the file on. */
  const publish = async (
    file: Tracked,
    payload: Buffer,
    body: { readonly data: Uint8Array; readonly encoding: string | undefined }
  ) => {
    const end = file.offset + payload.length
    const newLines = countNewlines(payload)
    const lines = file.lines + newLines
    const h = natsHeaders()
    h.set(Naming.Header.offset, String(file.offset))
    h.set(Naming.Header.end, String(end))
    h.set(Naming.Header.lines, String(lines))
    if (body.encoding !== undefined) h.set(Naming.Header.encoding, body.encoding)
    const id = { node, file: file.file, generation: file.generation }
    const subject = Naming.subject(stream, id)
    const conflict = () =>
      new StoreError.StoreError({
        reason: "Conflict",
        message: `${file.path}: the store holds data for '${file.file}' of node '${node}' that this shipper did not send; is another shipper running with --node ${node}, or was it removed while shipping?`
      })
    const seq = await retry(
      `storing ${file.path} at ${file.offset}`,
      async () => {
        try {
          const ack = await store.js.publish(subject, body.data, {
            msgID: Naming.messageId(id, file.offset),
            expect: { lastSubjectSequence: file.lastSeq },
            headers: h,
            timeout: 10_000
          })
          if (ack.duplicate) {
            // Our retry of a message that got in, or an id from a former life of this subject (removed since).
            const stored = await store.jsm.streams.getMessage(stream, { seq: ack.seq })
            if (stored?.subject !== subject || Number(stored.header.get(Naming.Header.end)) !== end) throw conflict()
          }
          return ack.seq
        } catch (error) {
          if (apiCode(error) !== 10071) throw error
          // The subject moved on since our last ack: either this very message got in (its ack was lost, and the
          // duplicate window passed or the check came first), or someone else writes this file.
          const last = await store.jsm.streams.getMessage(stream, { last_by_subj: subject })
          if (last !== null && Number(last.header.get(Naming.Header.end)) === end) return last.seq
          throw conflict()
        }
      },
      (error) => error instanceof StoreError.StoreError
    )
    file.lastSeq = seq
    file.offset = end
    file.lines = lines
    file.dirty = true
    if (file.prefix.length < PREFIX) file.prefix = await head(file.handle, Math.min(PREFIX, end))
    totals.bytes += payload.length
    totals.lines += newLines
    totals.messages++
    options.onProgress?.(progress())
  }

  /** Finds the end of the line that starts before `from` (a line longer than a message), or -1 if it is unfinished. */
  const lineEndAfter = async (file: Tracked, from: number, size: number) => {
    const chunk = Buffer.allocUnsafe(MAX_MESSAGE)
    for (let at = from; at < size; ) {
      const { bytesRead } = await file.handle.read(chunk, 0, Math.min(chunk.length, size - at), at)
      if (bytesRead === 0) break
      const newline = chunk.subarray(0, bytesRead).indexOf(NEWLINE)
      if (newline >= 0) return at + newline + 1
      at += bytesRead
    }
    return -1
  }

  /** Ships the complete lines of `file` up to its current end. */
  const shipFile = async (file: Tracked, events: Array<Event>) => {
    const { size, mtimeMs } = await file.handle.stat()
    if (await wasTruncated(file, size, mtimeMs)) {
      await newGeneration(file, file.file)
      events.push({ _tag: "Truncated", path: file.path, generation: file.generation })
    }
    file.mtimeMs = mtimeMs
    while (file.offset < size) {
      if (file.completeUntil > file.offset) {
        // The middle of a long line whose end is on disk: a piece of it as it is.
        const piece = Buffer.allocUnsafe(Math.min(messageBytes, size - file.offset, file.completeUntil - file.offset))
        await file.handle.read(piece, 0, piece.length, file.offset)
        await publish(file, piece, { data: piece, encoding: undefined })
        continue
      }
      const room = Math.min(file.rawBytes, size - file.offset)
      const chunk = Buffer.allocUnsafe(room)
      const { bytesRead } = await file.handle.read(chunk, 0, room, file.offset)
      const end = chunk.subarray(0, bytesRead).lastIndexOf(NEWLINE) + 1
      if (end > 0) {
        const lines = chunk.subarray(0, end)
        const body = await encode(lines)
        if (body === undefined) {
          // They compress to more than a message: fewer lines next time (at worst a message's worth, which fits).
          file.rawBytes = Math.max(messageBytes, Math.floor(file.rawBytes / 2))
          continue
        }
        await publish(file, lines, body)
        if (body.data.length < messageBytes / 2 && room === file.rawBytes) {
          file.rawBytes = Math.min(messageBytes * RAW_MAX, file.rawBytes * 2)
        }
        continue
      }
      // No newline in a whole message's worth of bytes: ship the line in pieces once its end is there.
      if (bytesRead < messageBytes) break // a partial last line: it waits
      const lineEnd = await lineEndAfter(file, file.offset + bytesRead, size)
      if (lineEnd < 0) break
      file.completeUntil = lineEnd
    }
  }

  const pass = async (): Promise<PassResult> => {
    const events: Array<Event> = []
    const listed = await Effect.runPromise(LogFiles.list(root, options)).catch((cause: FileError.FileError) => {
      throw new StoreError.StoreError({
        reason: cause.reason === "NotFound" ? "BadInput" : "LocalIO",
        message: cause.message,
        cause
      })
    })
    const seen = new Set<string>()
    const fresh: Array<LogFiles.LogFile> = []
    for (const entry of listed) {
      if (FileAnalysis.isCompressedName(entry.path)) {
        if (!skipped.has(entry.path))
          events.push({ _tag: "Skipped", path: entry.path, reason: "compressed: no lines to ship" })
        skipped.add(entry.path)
        continue
      }
      const key = Naming.fileKey(node, entry.dev, entry.ino)
      seen.add(key)
      const known = tracked.get(key)
      if (known === undefined) fresh.push(entry)
      else if (known.path !== entry.path) {
        events.push({ _tag: "Renamed", from: known.path, to: entry.path })
        known.path = entry.path
      }
    }
    await Limited.each(fresh, concurrency, (entry) =>
      admit(entry, events).catch((cause: unknown) => {
        // Gone since the listing: nothing to ship. Unreadable: say so, and go on with the others.
        if ((cause as { code?: string })?.code === "ENOENT") return
        if (cause instanceof StoreError.StoreError) throw cause
        events.push({
          _tag: "Skipped",
          path: entry.path,
          reason: ErrorMessage.describe(cause)
        })
      })
    )
    await Limited.each([...tracked.values()], concurrency, async (file) => {
      // Read to the end first: a file renamed away or deleted may hold lines written just before.
      await shipFile(file, events).catch((cause: unknown) => {
        throw StoreError.fromUnknown("LocalIO", file.path)(cause)
      })
      if (file.dirty) {
        await saveState(file)
        file.dirty = false
      }
      if (!seen.has(file.key)) {
        events.push({ _tag: "Removed", path: file.path })
        tracked.delete(file.key)
        await file.handle.close()
        await retry(`forgetting ${file.path}`, () => store.kv.delete(file.key))
      }
    })
    const result = { ...progress(), events }
    options.onProgress?.(result)
    return result
  }

  const close = async () => {
    await Promise.all([...tracked.values()].map((file) => file.handle.close()))
    tracked.clear()
  }

  return { pass, close }
}

const wrap = <A>(what: string, run: () => Promise<A>) =>
  Effect.tryPromise({ try: run, catch: StoreError.fromUnknown("Unavailable", what) })

/**
 * A shipper for the enclosing scope (its files closed when the scope closes).
 *
 * @since 0.1.0
 * @category shipping
 */
export const shipper = (
  nc: NatsConnection,
  root: string,
  options: Options
): Effect.Effect<Shipper, StoreError.StoreError, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.gen(function* () {
      const clock = yield* Clock.Clock
      return yield* wrap("opening the store", () =>
        make(nc, root, { now: () => clock.currentTimeMillisUnsafe(), ...options })
      )
    }),
    (s) => Effect.promise(s.close)
  )

/**
 * Ships the complete lines of `root` now, once.
 *
 * @since 0.1.0
 * @category shipping
 */
export const ship = (
  nc: NatsConnection,
  root: string,
  options: Options
): Effect.Effect<PassResult, StoreError.StoreError> =>
  Effect.scoped(Effect.flatMap(shipper(nc, root, options), (s) => wrap(`shipping ${root}`, s.pass)))

/**
 * Ships `root` every `interval` (default 1 s), the first pass at once, until interrupted: files that grow, rotate
 * and appear are followed (tail -F). A pass runs to its end once started, so an interrupt never leaves it half done.
 *
 * @since 0.1.0
 * @category shipping
 */
export const follow = (
  nc: NatsConnection,
  root: string,
  options: Options & { readonly interval?: Duration.Input }
): Stream.Stream<PassResult, StoreError.StoreError> =>
  Stream.unwrap(
    Effect.map(shipper(nc, root, options), (s) =>
      Stream.fromEffectSchedule(
        Effect.uninterruptible(wrap(`shipping ${root}`, s.pass)),
        Schedule.spaced(options.interval ?? Duration.seconds(1))
      )
    )
  )

/**
 * The Promise face: {@link ship} once.
 *
 * @since 0.1.0
 * @category shipping
 */
export const shipOnce = (nc: NatsConnection, root: string, options: Options): Promise<PassResult> =>
  Effect.runPromise(ship(nc, root, options))
