/** `file://` destinations: mounted storage (NFS, Lustre, a FUSE-mounted HDFS) through node:fs. */
import { mkdir, open, rename, stat } from "node:fs/promises"
import { dirname } from "node:path"
import { Effect } from "effect"
import type { FileDestination, Storage } from "../Destination.ts"
import { fromUnknown } from "../HdfsError.ts"

const io = <A>(what: string, run: () => Promise<A>) =>
  Effect.tryPromise({ try: run, catch: fromUnknown("Remote", what) })

/** Writes and flushes to disk, so a rename that follows never exposes a file whose bytes are still in flight. */
const writeSynced = async (path: string, data: Uint8Array | string, flags: "w" | "a") => {
  const handle = await open(path, flags)
  try {
    await handle.writeFile(data)
    await handle.sync()
  } finally {
    await handle.close()
  }
}

export const make = (destination: FileDestination): Storage => ({
  description: `file://${destination.path}`,
  status: (path) =>
    io(`stat ${path}`, async () => {
      const info = await stat(path).catch((e: NodeJS.ErrnoException) => {
        if (e.code === "ENOENT") return undefined
        throw e
      })
      if (info === undefined) return undefined
      return { type: info.isDirectory() ? ("DIRECTORY" as const) : ("FILE" as const), length: info.size }
    }),
  mkdirs: (path) => io(`mkdir ${path}`, () => mkdir(path, { recursive: true }).then(() => undefined)),
  create: (path, data) =>
    io(`write ${path}`, async () => {
      await mkdir(dirname(path), { recursive: true })
      await writeSynced(path, data, "w")
    }),
  append: (path, data) => io(`append ${path}`, () => writeSynced(path, data, "a")),
  read: (path, offset, length) =>
    io(`read ${path}`, async () => {
      const handle = await open(path, "r")
      try {
        const buffer = new Uint8Array(length)
        const { bytesRead } = await handle.read(buffer, 0, length, offset)
        return buffer.subarray(0, bytesRead)
      } finally {
        await handle.close()
      }
    }),
  rename: (from, to) => io(`rename ${from}`, () => rename(from, to))
})
