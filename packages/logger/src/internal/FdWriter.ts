/**
 * Synchronous writes to a file descriptor with an optional in-memory buffer (the sonic-boom idea, with `node:fs`
 * only so it runs on Node, Bun and Deno). A failed write never throws: it reports once and the writer goes quiet.
 */
import * as fs from "node:fs"

export interface FdWriter {
  readonly write: (text: string) => void
  /** Writes what is buffered now. */
  readonly flush: () => void
  /** Flushes, then closes the descriptor when the writer opened it. */
  readonly close: () => void
  readonly failed: () => boolean
}

export interface Options {
  /** Characters kept in memory before a write; 0 writes every record through at once. */
  readonly bufferSize?: number
  /** Buffered text older than this is written by a timer that never keeps the process alive. */
  readonly flushIntervalMs?: number
  /** Close the descriptor on `close()` (true for files the writer opened). */
  readonly ownsFd?: boolean
  /** Called once, with the text that did not reach the descriptor (so a fallback can still show it). */
  readonly onError: (error: NodeJS.ErrnoException, unwritten: string) => void
}

const live = new Set<FdWriter>()
let exitHookInstalled = false

/** Buffered text must reach its file even when the program ends without closing its loggers. */
const installExitHook = () => {
  if (exitHookInstalled) return
  exitHookInstalled = true
  process.on("exit", () => {
    for (const writer of live) writer.flush()
  })
}

const pause = new Int32Array(new SharedArrayBuffer(4))
const MAX_EAGAIN_RETRIES = 1000

/** Writes all of `text`, finishing short writes and waiting out EAGAIN (non-blocking pipes), as sonic-boom does. */
const writeFully = (fd: number, text: string) => {
  let bytes: Buffer | undefined
  let written = 0
  let retries = 0
  for (;;) {
    try {
      if (bytes === undefined) {
        written = fs.writeSync(fd, text)
        if (written === Buffer.byteLength(text)) return
        bytes = Buffer.from(text)
      } else {
        written += fs.writeSync(fd, bytes, written)
      }
      if (written >= bytes.length) return
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EAGAIN" || ++retries > MAX_EAGAIN_RETRIES) throw error
      Atomics.wait(pause, 0, 0, 1)
    }
  }
}

export const make = (fd: number, options: Options): FdWriter => {
  const bufferSize = options.bufferSize ?? 0
  let pending = ""
  let failed = false
  let closed = false
  let timer: ReturnType<typeof setInterval> | undefined

  const fail = (error: unknown, unwritten: string) => {
    failed = true
    pending = ""
    stopTimer()
    live.delete(writer)
    options.onError(error as NodeJS.ErrnoException, unwritten)
  }
  const stopTimer = () => {
    if (timer !== undefined) clearInterval(timer)
    timer = undefined
  }
  const flush = () => {
    if (pending.length === 0 || failed) return
    const text = pending
    pending = ""
    try {
      writeFully(fd, text)
    } catch (error) {
      fail(error, text)
    }
  }
  const write = (text: string) => {
    if (failed || closed) return
    if (bufferSize === 0) {
      try {
        writeFully(fd, text)
      } catch (error) {
        fail(error, text)
      }
      return
    }
    pending += text
    if (pending.length >= bufferSize) flush()
  }
  const close = () => {
    if (closed) return
    flush()
    closed = true
    stopTimer()
    live.delete(writer)
    if (options.ownsFd === true) {
      try {
        fs.closeSync(fd)
      } catch {
        // Closing is best effort: the records are already written.
      }
    }
  }
  const writer: FdWriter = { write, flush, close, failed: () => failed }
  if (bufferSize > 0) {
    timer = setInterval(flush, options.flushIntervalMs ?? 100)
    timer.unref?.()
  }
  live.add(writer)
  installExitHook()
  return writer
}

/** Opens `path` for appending (O_APPEND: every write lands whole at the end, even with other writers). */
export const openAppend = (path: string): number => fs.openSync(path, "a")
