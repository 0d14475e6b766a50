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
import * as fs from "node:fs"
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
  // `fs.promises` read here, not imported: the bundled CLI's synchronous writers never load node:fs/promises.
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
 * {@link write} for synchronous code (an exit handler, a timer that must not yield).
 *
 * @since 0.1.0
 * @category writing
 */
export const writeSync = (path: string, data: string | Uint8Array): void => {
  const dir = dirname(path)
  fs.mkdirSync(dir, { recursive: true })
  const temporary = temporaryPath(path)
  try {
    const fd = fs.openSync(temporary, "w")
    try {
      fs.writeFileSync(fd, data)
      fs.fsyncSync(fd)
    } finally {
      fs.closeSync(fd)
    }
    fs.renameSync(temporary, path)
  } catch (error) {
    fs.rmSync(temporary, { force: true })
    throw error
  }
  if (directoryFlushUnsupported) return
  const parent = fs.openSync(dir, "r")
  try {
    fs.fsyncSync(parent)
  } finally {
    fs.closeSync(parent)
  }
}
