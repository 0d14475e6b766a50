/**
 * What the store holds, read back: list the stored files, write one out byte-identical, count the levels of the
 * stored lines, mirror every node's files into a directory (for `dla copy --from-store`), and remove a node's or a
 * file's data.
 *
 * A stored file is one generation of a name on a node (see `Shipper`): the bytes of its messages in stream order are
 * the file's bytes from its start, each message ending at a line end (a line longer than a message spans several).
 *
 * @since 0.1.0
 */
import { mkdir, open as openFile, stat } from "node:fs/promises"
import { dirname, join } from "node:path"
import { Counts, FileAnalysis, LogFormat } from "@dla/core"
import { DeliverPolicy, type JsMsg } from "@nats-io/jetstream"
import type { NatsConnection } from "@nats-io/nats-core"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Encoding from "./internal/encoding.ts"
import * as FileState from "./internal/fileState.ts"
import * as Naming from "./internal/naming.ts"
import { type Handles, leaderInfo, open as openStore, retrier } from "./internal/nats.ts"
import * as StoreError from "./StoreError.ts"

/**
 * Which stream to read, and how long to keep trying through a cluster that does not answer.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** Stream name (default `DLA_LOGS`). */
  readonly stream?: string
  /** How long to keep trying through a cluster that does not answer before failing (default 60 s). */
  readonly retryForMs?: number
  /**
   * The clock those waits are measured on, in milliseconds (default the system's; the Effect faces pass their
   * `Clock`'s).
   */
  readonly now?: () => number
}

/**
 * A file in the store: its node, its path, its generation (a new one after truncation), what it holds.
 *
 * @since 0.1.0
 * @category models
 */
export interface StoredFile {
  readonly node: string
  /** Path relative to the shipped root, as first seen. */
  readonly file: string
  /** 0 for a name's first file; one more for each file that replaced it (rotation) or truncation of it. */
  readonly generation: number
  readonly bytes: number
  readonly lines: number
  readonly messages: number
  /** Stream sequence of its last message. */
  readonly lastSeq: number
}

/**
 * Which stored files an operation reads: all, one node's, or one file.
 *
 * @since 0.1.0
 * @category models
 */
export interface Selection {
  /** Only this node's files. */
  readonly node?: string
  /** Only this file (with `node`). */
  readonly file?: string
  /** Only this generation (with `file`); default every generation, oldest first. */
  readonly generation?: number
}

/**
 * How `count` reads lines: the format, and a progress callback.
 *
 * @since 0.1.0
 * @category models
 */
export interface CountOptions {
  /** The format of every line; by default detected per stored file from its first message. */
  readonly format?: LogFormat.LogFormat
  /** Called after each message with the bytes counted so far and the bytes to count. */
  readonly onProgress?: (done: number, total: number) => void
}

/**
 * The counts of the selected stored files, and how many files they were.
 *
 * @since 0.1.0
 * @category models
 */
export interface CountResult extends Counts.Counts {
  readonly files: number
}

/**
 * A message of a stored file that starts a line: a range of the file may begin there (see {@link Layout}).
 *
 * @since 0.2.0
 * @category models
 */
export interface Cut {
  /** Stream sequence of the message (its first copy). */
  readonly seq: number
  /** Its first byte's offset in the file. */
  readonly offset: number
}

/**
 * A stored file as work to split: its subject, its first message and where a range of it may begin. A range cut at
 * a {@link Cut} starts at a message and at a line, so it holds whole lines (a line longer than a message is never
 * cut) and the bytes before it are the previous range's, whatever duplicates the stream holds around the cut.
 *
 * @since 0.2.0
 * @category models
 */
export interface Layout extends StoredFile {
  readonly stream: string
  readonly subject: string
  /**
   * Stream sequence of its first message (what its format is detected from). When its cuts were not read (see
   * {@link LayoutOptions}): its last message's when that one holds the file from its start, else 1 (reading its
   * subject from there starts at its first message).
   */
  readonly firstSeq: number
  /** Message starts after the first that start a line, in file order (none when not read). */
  readonly cuts: ReadonlyArray<Cut>
}

/**
 * Which files `layout` reads the cuts of.
 *
 * @since 0.2.0
 * @category models
 */
export interface LayoutOptions {
  /**
   * Read cuts only when a selected file holds more bytes than this: a file no larger is never split, and a plan
   * needs only its size and last message, which `list` has (default: read every file's cuts). Reading cuts is a
   * headers-only read of every message of the selection.
   */
  readonly splitBytes?: number
}

/**
 * Bytes `[start, end)` of a stored file, held by its messages from stream sequence `first` to `last`.
 *
 * @since 0.2.0
 * @category models
 */
export interface Range {
  readonly subject: string
  /** Stream sequence of the file's first message: its format is detected there. */
  readonly head: number
  readonly first: number
  readonly last: number
  readonly start: number
  readonly end: number
}

/**
 * The counts of a {@link Range} and the format its lines were read in.
 *
 * @since 0.2.0
 * @category models
 */
export interface RangeCount {
  readonly counts: Counts.Counts
  /** The format its lines were read in (given, or detected from the file's first message). */
  readonly format: string
}

/**
 * What `mirror` wrote.
 *
 * @since 0.1.0
 * @category models
 */
export interface MirrorResult {
  /** Files written to (new or grown). */
  readonly files: number
  readonly bytes: number
}

/**
 * The store's reading side, with Promise methods (the Effect functions below wrap these).
 *
 * @since 0.1.0
 * @category models
 */
export interface Reader {
  readonly list: (selection?: Selection) => Promise<ReadonlyArray<StoredFile>>
  /** Passes the stored bytes of the selected file(s) to `write`, in order; fails with NotFound when there are none. */
  readonly read: (
    selection: Selection & { readonly node: string; readonly file: string },
    write: (bytes: Uint8Array) => Promise<void> | void
  ) => Promise<number>
  readonly count: (selection?: Selection, options?: CountOptions) => Promise<CountResult>
  /** The selected files with where they may be split: what a distributed count plans its tasks from. */
  readonly layout: (selection?: Selection, options?: LayoutOptions) => Promise<ReadonlyArray<Layout>>
  /**
   * Counts the lines of one range (planned from {@link layout}) by reading its messages by sequence from the stream
   * (a consumer filtered to its file, or one get for a one-message range), each byte once. Fails with Unavailable
   * when the stream does not hold every byte of it (yet: a new leader catching up; or any more: the file was
   * removed).
   */
  readonly countRange: (range: Range, format?: LogFormat.LogFormat) => Promise<RangeCount>
  /**
   * Brings `dir/<node>/<file>` up to date with the store (a later generation `g` as `<file>@g`), appending only what
   * is new since the last mirror; returns what was written.
   */
  readonly mirror: (dir: string, selection?: Selection) => Promise<MirrorResult>
  /** Removes the selected data (a node's, or one file's every generation) and its shipping state; messages removed. */
  readonly remove: (selection: Selection & { readonly node: string }) => Promise<number>
}

/** Bytes an open consumer may hold unread: enough to keep the pipe full, a few dozen messages, not the stream. */
const CONSUMER_BYTES = 32 * 1024 * 1024
/** Messages `count` decodes ahead of the one it counts. */
const DECODE_AHEAD = 4
/** No message for this long while more are due: open the consumer again from the next sequence. */
const STALL_MS = 4_000

const bySelection = (selection: Selection) => (f: StoredFile) =>
  (selection.node === undefined || f.node === selection.node) &&
  (selection.file === undefined || f.file === selection.file) &&
  (selection.generation === undefined || f.generation === selection.generation)

/** The subjects a selection covers, as one filter. */
const filterOf = (stream: string, selection: Selection) =>
  selection.generation !== undefined && selection.node !== undefined && selection.file !== undefined
    ? Naming.subject(stream, { node: selection.node, file: selection.file, generation: selection.generation })
    : Naming.filter(stream, selection.node, selection.file)

/**
 * Takes a stored file's messages in stream order and gives each byte once: a message's headers say which bytes of
 * the file it holds, so one stored twice yields nothing the second time. nats-server 2.9 can store a message twice
 * when its publish is retried through a fail-over (the retry reaches the new leader before it applied the first
 * attempt, and neither its message-id dedupe nor the expected-sequence check sees that attempt yet).
 */
class ByteCursor {
  /** Bytes of the file taken so far. */
  taken = 0
  readonly name: string
  constructor(name: string) {
    this.name = name
  }

  /**
   * Takes `msg`'s bytes past those taken (by its headers alone): how many of its leading (decoded) bytes to skip, or
   * undefined when it holds none. Fails on a gap: bytes never stored.
   */
  claim(msg: StoredMessage): number | undefined {
    const end = Number(msg.headers?.get(Naming.Header.end))
    const offset = Number(msg.headers?.get(Naming.Header.offset))
    if (!(end > this.taken)) return undefined
    if (offset > this.taken) {
      throw new StoreError.StoreError({
        reason: "Unavailable",
        message: `${this.name}: the store lacks bytes ${this.taken} to ${offset} (a message is missing)`
      })
    }
    const skip = this.taken - offset
    this.taken = end
    return skip
  }

  /** The bytes of `msg` past those taken, or undefined when it holds none. */
  next(msg: StoredMessage): Uint8Array | undefined {
    const skip = this.claim(msg)
    return skip === undefined ? undefined : Encoding.bytesOf(msg).subarray(skip)
  }
}

type StoredMessage = Encoding.Message

/**
 * Where a stored file is mirrored, relative to the mirror's directory.
 *
 * @since 0.1.0
 * @category utils
 */
export const mirrorPath = (file: Pick<StoredFile, "node" | "file" | "generation">): string =>
  join(file.node, file.generation === 0 ? file.file : `${file.file}@${file.generation}`)

/**
 * Opens the store for reading. Fails with NotFound when nothing was ever shipped to it.
 *
 * @since 0.1.0
 * @category constructors
 */
export const reader = async (nc: NatsConnection, options: Options = {}): Promise<Reader> => {
  const stream = options.stream ?? Naming.DEFAULT_STREAM
  const retryForMs = options.retryForMs ?? 60_000
  const now = options.now ?? Date.now
  const retry = retrier(retryForMs, now)
  const store: Handles = await openStore(nc, { stream, replicas: 1, create: false, retry })

  /** The selected stored files, each with its last message's first byte in the file. */
  const listed = async (selection: Selection) => {
    const info = await retry(`listing ${stream}`, () =>
      leaderInfo(store.jsm, stream, { subjects_filter: filterOf(stream, selection) })
    )
    const files = await Promise.all(
      Object.entries(info.state.subjects ?? {}).map(async ([subject, messages]) => {
        const id = Naming.parseSubject(stream, subject)
        if (id === undefined) return []
        const last = await retry(`reading ${subject}`, () =>
          store.jsm.streams.getMessage(stream, { last_by_subj: subject })
        )
        if (last === null) return []
        const file: StoredFile = {
          ...id,
          bytes: Number(last.header.get(Naming.Header.end)),
          lines: Number(last.header.get(Naming.Header.lines)),
          messages,
          lastSeq: last.seq
        }
        return [{ file, lastOffset: Number(last.header.get(Naming.Header.offset)) }]
      })
    )
    return files
      .flat()
      .filter(({ file }) => bySelection(selection)(file))
      .sort(({ file: a }, { file: b }) =>
        a.node !== b.node
          ? a.node < b.node
            ? -1
            : 1
          : a.file !== b.file
            ? a.file < b.file
              ? -1
              : 1
            : a.generation - b.generation
      )
  }

  const list: Reader["list"] = async (selection = {}) => (await listed(selection)).map(({ file }) => file)

  /**
   * Reads the messages of `filter` in stream order from `from` to `until` (inclusive), through consumers that die or
   * stall (an ordered consumer has one replica: a cluster fail-over can leave it silent).
   */
  const consume = async (
    filter: string,
    from: number,
    until: number,
    onMessage: (msg: JsMsg) => Promise<void> | void,
    headersOnly = false
  ) => {
    let next = from
    let stuckSince = now()
    while (next <= until) {
      if (now() - stuckSince > retryForMs) {
        throw new StoreError.StoreError({
          reason: "Unavailable",
          message: `reading ${filter}: no message past ${next - 1} for ${retryForMs} ms`
        })
      }
      const start = next
      const messages = await retry(`reading ${filter}`, async () =>
        (
          await store.js.consumers.get(stream, {
            filter_subjects: filter,
            deliver_policy: DeliverPolicy.StartSequence,
            opt_start_seq: start,
            ...(headersOnly ? { headers_only: true } : {})
          })
        ).consume({ max_bytes: CONSUMER_BYTES, expires: 2_000 })
      )
      let lastAt = now()
      const watchdog = setInterval(() => {
        if (now() - lastAt > STALL_MS) messages.stop()
      }, STALL_MS / 2)
      let failed: { readonly error: unknown } | undefined
      try {
        for await (const msg of messages) {
          lastAt = now()
          stuckSince = lastAt
          next = msg.seq + 1
          failed = await Promise.resolve(onMessage(msg)).then(
            () => undefined,
            (error: unknown) => ({ error })
          )
          if (failed !== undefined || msg.seq >= until) break
        }
      } catch {
        // The consumer failed: open another from `next`.
      } finally {
        clearInterval(watchdog)
        messages.stop()
      }
      // What the caller does with a message failing (a gap, a write that failed) is not the consumer's: it ends here.
      if (failed !== undefined) throw failed.error
    }
  }

  const selected = async (selection: Selection) => {
    const files = await list(selection)
    if (files.length === 0) {
      const what =
        selection.file !== undefined
          ? `file '${selection.file}' of node '${selection.node}'`
          : selection.node !== undefined
            ? `node '${selection.node}'`
            : "anything"
      throw new StoreError.StoreError({
        reason: "NotFound",
        message: `the store holds nothing for ${what} (see 'dla store ls')`
      })
    }
    return files
  }

  const read: Reader["read"] = async (selection, write) => {
    let bytes = 0
    // Generation after generation: their messages interleave in the stream when a rotated file was still being read.
    for (const file of await selected(selection)) {
      const cursor = new ByteCursor(`${file.node}/${file.file}`)
      await consume(Naming.subject(stream, file), 1, file.lastSeq, async (msg) => {
        const part = cursor.next(msg)
        if (part === undefined) return
        bytes += part.length
        await write(part)
      })
    }
    return bytes
  }

  const count: Reader["count"] = async (selection = {}, countOptions = {}) => {
    const files = await selected(selection)
    const total = files.reduce((sum, f) => sum + f.bytes, 0)
    const tallies = new Map<string, SubjectTally>()
    let done = 0
    const ahead = decodeAhead((bytes, { tally, skip }: { readonly tally: SubjectTally; readonly skip: number }) => {
      const part = bytes.subarray(skip)
      tally.add(part)
      done += part.length
      countOptions.onProgress?.(done, total)
    })
    await consume(filterOf(stream, selection), 1, Math.max(...files.map((f) => f.lastSeq)), async (msg) => {
      let tally = tallies.get(msg.subject)
      if (tally === undefined) {
        tally = new SubjectTally(msg.subject, countOptions.format)
        tallies.set(msg.subject, tally)
      }
      const skip = tally.cursor.claim(msg)
      if (skip !== undefined) await ahead.push(msg, { tally, skip })
    })
    await ahead.drain()
    const counts = Counts.mergeAll([...tallies.values()].map((t) => t.counts()))
    return { ...counts, files: files.length }
  }

  const layout: Reader["layout"] = async (selection = {}, layoutOptions = {}) => {
    const found = await listed(selection)
    if (found.every(({ file }) => file.bytes <= (layoutOptions.splitBytes ?? Number.NEGATIVE_INFINITY))) {
      // None to split: no message read. A last message holding the file from its start is all a count reads of it.
      return found.map(({ file, lastOffset }) => ({
        ...file,
        stream,
        subject: Naming.subject(stream, file),
        firstSeq: lastOffset === 0 ? file.lastSeq : 1,
        cuts: []
      }))
    }
    const files = found.map(({ file }) => file)
    /** Per subject: bytes seen so far, lines up to there, whether they end a line, first message, cuts. */
    const seen = new Map<
      string,
      { taken: number; lines: number; endsLine: boolean; firstSeq: number; cuts: Array<Cut> }
    >()
    // Headers alone: where each message sits in its file, not its bytes.
    await consume(
      filterOf(stream, selection),
      1,
      Math.max(...files.map((f) => f.lastSeq)),
      (msg) => {
        const offset = Number(msg.headers?.get(Naming.Header.offset))
        const end = Number(msg.headers?.get(Naming.Header.end))
        const lines = Number(msg.headers?.get(Naming.Header.lines))
        let at = seen.get(msg.subject)
        if (at === undefined) {
          at = { taken: 0, lines: 0, endsLine: true, firstSeq: msg.seq, cuts: [] }
          seen.set(msg.subject, at)
        }
        // A copy of bytes seen (a duplicate) or past a gap says nothing new about where lines start.
        if (offset !== at.taken) return
        if (offset > 0 && at.endsLine) at.cuts.push({ seq: msg.seq, offset })
        // A message ends a line when it holds a newline: every message but the pieces of a long line ends at one.
        at.endsLine = lines > at.lines
        at.lines = lines
        at.taken = end
      },
      true
    )
    return files.map((file) => {
      const subject = Naming.subject(stream, file)
      const at = seen.get(subject)
      return { ...file, stream, subject, firstSeq: at?.firstSeq ?? file.lastSeq, cuts: at?.cuts ?? [] }
    })
  }

  /** The subject's first message at or after `seq` (`null`: none), from the stream's leader. */
  const messageFrom = (subject: string, seq: number) =>
    retry(`reading ${subject}`, async () => {
      // STREAM.MSG.GET takes `next_by_subj` (nats-server 2.9+); nats.js's type for it leaves that out.
      const query = { seq, next_by_subj: subject } as unknown as { seq: number }
      const msg = await store.jsm.streams.getMessage(stream, query)
      return msg === null ? null : { seq: msg.seq, data: msg.data, headers: msg.header }
    })

  const countRange: Reader["countRange"] = async (range, format) => {
    const tally = new SubjectTally(range.subject, format)
    tally.cursor.taken = range.start
    const missing = () =>
      new StoreError.StoreError({
        reason: "Unavailable",
        message: `${range.subject}: the store lacks bytes ${tally.cursor.taken} to ${range.end} (up to sequence ${range.last})`
      })
    if (tally.format === undefined && range.start > 0) {
      // Detected from the file's first message, as a count of the whole file detects it.
      const head = await messageFrom(range.subject, range.head)
      if (head === null) throw missing()
      tally.format = LogFormat.detect(await Encoding.decode(head))
    }
    const ahead = decodeAhead((bytes, { from, to }: { readonly from: number; readonly to: number }) =>
      tally.add(bytes.subarray(from, to))
    )
    const take = async (msg: StoredMessage) => {
      const before = tally.cursor.taken
      const skip = tally.cursor.claim(msg)
      if (skip === undefined || before >= range.end) return
      // Bytes past the range's end are the next range's.
      await ahead.push(msg, { from: skip, to: skip + Math.min(range.end, tally.cursor.taken) - before })
    }
    if (range.first === range.last) {
      // One message (a small file): one request, no consumer to set up.
      const msg = await messageFrom(range.subject, range.first)
      if (msg !== null && msg.seq === range.first) await take(msg)
    } else {
      // Many: a consumer streams them (a request each would be a JSON answer with the bytes in base64).
      await consume(range.subject, range.first, range.last, take)
    }
    await ahead.drain()
    if (tally.cursor.taken < range.end) throw missing()
    return { counts: tally.counts(), format: (tally.format ?? LogFormat.bracketed).name }
  }

  const mirror: Reader["mirror"] = async (dir, selection = {}) => {
    let files = 0
    let bytes = 0
    for (const file of await list(selection)) {
      const path = join(dir, mirrorPath(file))
      const have = await stat(path).then(
        (s) => s.size,
        () => 0
      )
      if (have >= file.bytes) continue
      await mkdir(dirname(path), { recursive: true })
      const out = await openFile(path, "a")
      try {
        // Messages before `have` were mirrored already; the one across it, in part.
        const cursor = new ByteCursor(`${file.node}/${file.file}`)
        await consume(Naming.subject(stream, file), 1, file.lastSeq, async (msg) => {
          const offset = cursor.taken
          const fresh = cursor.next(msg)
          if (fresh === undefined || cursor.taken <= have) return
          const part = fresh.subarray(Math.max(0, have - offset))
          await out.write(part)
          bytes += part.length
        })
      } finally {
        await out.close()
      }
      files++
    }
    return { files, bytes }
  }

  const remove: Reader["remove"] = async (selection) => {
    const { node, file } = selection
    await selected({ node, ...(file !== undefined ? { file } : {}) })
    const purged = await retry(`removing from ${stream}`, () =>
      store.jsm.streams.purge(stream, { filter: Naming.filter(stream, node, file) })
    )
    // Forget the shipping state too, so a shipper started again ships the files from their start. The generation
    // counters stay: the files shipped again are new generations, whose message ids the stream has not seen.
    const keys: Array<string> = []
    for await (const key of await store.kv.keys(Naming.stateKeys(node))) keys.push(key)
    for (const key of keys) {
      if (file !== undefined) {
        const entry = await store.kv.get(key)
        if (entry?.operation !== "PUT" || FileState.fileOf(entry.string()) !== file) continue
      }
      await retry(`removing ${key}`, () => store.kv.purge(key))
    }
    return purged.purged
  }

  return { list, read, count, layout, countRange, mirror, remove }
}

/**
 * Messages decoded on libuv's thread pool, a few ahead of the one being counted, and handed to `use` in the order
 * they were pushed, each with what its pusher said of it.
 */
const decodeAhead = <A>(use: (bytes: Uint8Array, context: A) => void) => {
  const pending: Array<{ readonly bytes: Promise<Uint8Array>; readonly context: A }> = []
  const next = async () => {
    const { bytes, context } = pending.shift()!
    use(await bytes, context)
  }
  return {
    push: async (msg: Parameters<typeof Encoding.decode>[0], context: A) => {
      const bytes = Encoding.decode(msg)
      bytes.catch(() => undefined) // seen when used; one never used (an earlier failure) is no unhandled rejection
      pending.push({ bytes, context })
      if (pending.length > DECODE_AHEAD) await next()
    },
    drain: async () => {
      while (pending.length > 0) await next()
    }
  }
}

/**
 * Level tallies of one stored file, fed message by message (core's `FileAnalysis.ChunkCounter`: the scan kernel, a
 * line split across messages carried over). Its format: given, set from the file's first message, or detected from
 * the first bytes fed.
 */
class SubjectTally {
  format: LogFormat.LogFormat | undefined
  readonly cursor: ByteCursor
  private counter: FileAnalysis.ChunkCounter | undefined
  constructor(subject: string, format: LogFormat.LogFormat | undefined) {
    this.format = format
    this.cursor = new ByteCursor(subject)
  }

  add(data: Uint8Array) {
    this.format ??= LogFormat.detect(data)
    this.counter ??= new FileAnalysis.ChunkCounter(this.format)
    this.counter.add(data)
  }

  counts(): Counts.Counts {
    return this.counter?.counts() ?? Counts.empty
  }
}

// The Effect face: each Reader method as an Effect failing with a StoreError.

const withReader = <A>(nc: NatsConnection, options: Options, what: string, use: (r: Reader) => Promise<A>) =>
  Effect.gen(function* () {
    const clock = yield* Clock.Clock
    return yield* Effect.tryPromise({
      try: async () => use(await reader(nc, { now: () => clock.currentTimeMillisUnsafe(), ...options })),
      catch: StoreError.fromUnknown("Unavailable", what)
    })
  })

/**
 * The stored files of the selection (Effect face of `Reader.list`).
 *
 * @since 0.1.0
 * @category reading
 */
export const list = (nc: NatsConnection, selection: Selection = {}, options: Options = {}) =>
  withReader(nc, options, "listing the store", (r) => r.list(selection))

/**
 * Writes one stored file's bytes, in order, to `write` (Effect face of `Reader.read`).
 *
 * @since 0.1.0
 * @category reading
 */
export const read = (
  nc: NatsConnection,
  selection: Selection & { readonly node: string; readonly file: string },
  write: (bytes: Uint8Array) => Promise<void> | void,
  options: Options = {}
) => withReader(nc, options, `reading ${selection.file}`, (r) => r.read(selection, write))

/**
 * Counts the lines of the selected stored files by level (Effect face of `Reader.count`).
 *
 * @since 0.1.0
 * @category reading
 */
export const count = (nc: NatsConnection, selection: Selection = {}, options: Options & CountOptions = {}) =>
  withReader(nc, options, "counting the store", (r) => r.count(selection, options))

/**
 * Where each selected stored file may be split into ranges (Effect face of `Reader.layout`): headers only, no lines read.
 *
 * @since 0.2.0
 * @category reading
 */
export const layout = (nc: NatsConnection, selection: Selection = {}, options: Options & LayoutOptions = {}) =>
  withReader(nc, options, "listing the store", (r) => r.layout(selection, options))

/**
 * Writes the selected stored files under `dir` (Effect face of `Reader.mirror`).
 *
 * @since 0.1.0
 * @category reading
 */
export const mirror = (nc: NatsConnection, dir: string, selection: Selection = {}, options: Options = {}) =>
  withReader(nc, options, `mirroring the store to ${dir}`, (r) => r.mirror(dir, selection))

/**
 * Deletes a node's stored files (or one of them) from the store (Effect face of `Reader.remove`).
 *
 * @since 0.1.0
 * @category writing
 */
export const remove = (nc: NatsConnection, selection: Selection & { readonly node: string }, options: Options = {}) =>
  withReader(nc, options, "removing from the store", (r) => r.remove(selection))
