/**
 * One atomic file write for every file dla keeps on disk (checkpoints, the hdfs manifest, the logger's offsets):
 * the bytes go to a temporary file beside the target, are flushed to disk (fsync), the temporary file is renamed over
 * the target, and the directory is flushed too, so the rename itself survives a power loss. A crash at any point
 * leaves either the old file or the new one, whole.
 *
 * Ours rather than a library's: `write-file-atomic` (the well-kept one) flushes the file but not the directory, and
 * pulls in Node-only helpers; this one is a few lines of `node:fs`, which Node, Bun and Deno all provide.
 *
 * @since 0.1.0
 */
import fs from "node:fs"
import { dirname } from "node:path"
import process from "node:process"

let counter = 0

/** A temporary name beside `path`, unique within this process and across processes. */
const temporaryPath = (path: string) => `${path}.${process.pid}.${counter++}.tmp`

/** Windows cannot open a directory to flush it; elsewhere a failed flush is an error. */
const directoryFlushUnsupported = process.platform === "win32"

/**
 * Writes `data` to `path` atomically (temporary file, fsync, rename, fsync of the directory), creating the directory
 * when missing.
 *
 * @since 0.1.0
 * @category writing
 */
export const write = async (path: string, data: string | Uint8Array): Promise<void> => {
  // `fs.promises` read off the module here, not imported: the bundled CLI's synchronous writes never load
  // node:fs/promises (and the streams and readline with it).
  const fsp = fs.promises
  const dir = dirname(path)
  await fsp.mkdir(dir, { recursive: true })
  const temporary = temporaryPath(path)
  try {
    const handle = await fsp.open(temporary, "w")
    try {
      await handle.writeFile(data)
      await handle.sync()
    } finally {
      await handle.close()
    }
    await fsp.rename(temporary, path)
  } catch (error) {
    await fsp.rm(temporary, { force: true })
    throw error
  }
  if (directoryFlushUnsupported) return
  const parent = await fsp.open(dir, "r")
  try {
    await parent.sync()
  } finally {
    await parent.close()
  }
}

/**
 * How {@link writeSync} writes.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /**
   * `false`: no fsync of the file or of its directory. Still atomic for every reader (the rename), but after a power
   * loss the file may be the old one, or empty: for a cache that is rebuilt when it cannot be read, where two fsyncs
   * would cost more than the work (several ms of a CLI start on a busy disk). Default `true`.
   */
  readonly durable?: boolean
}

/**
 * {@link write} for synchronous code (an exit handler, a timer that must not yield).
 *
 * @since 0.1.0
 * @category writing
 */
export const writeSync = (path: string, data: string | Uint8Array, options: Options = {}): void => {
  const durable = options.durable ?? true
  const dir = dirname(path)
  fs.mkdirSync(dir, { recursive: true })
  const temporary = temporaryPath(path)
  try {
    const fd = fs.openSync(temporary, "w")
    try {
      fs.writeFileSync(fd, data)
      if (durable) fs.fsyncSync(fd)
    } finally {
      fs.closeSync(fd)
    }
    fs.renameSync(temporary, path)
  } catch (error) {
    fs.rmSync(temporary, { force: true })
    throw error
  }
  if (!durable || directoryFlushUnsupported) return
  const parent = fs.openSync(dir, "r")
  try {
    fs.fsyncSync(parent)
  } finally {
    fs.closeSync(parent)
  }
}
