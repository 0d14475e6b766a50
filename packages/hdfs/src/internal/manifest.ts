/**
 * The small per-copy manifest on local disk: what each source file's destination holds, so a restarted process
 * sends nothing twice. Saved atomically (temporary file, fsync, rename, fsync of the directory).
 */
import { readFile } from "node:fs/promises"
import { join } from "node:path"
import { AtomicFile } from "@dla/core"
import { Schema } from "effect"

const FileRecordSchema = Schema.Struct({
  destPath: Schema.String,
  /** Bytes of the source the destination holds. */
  copiedBytes: Schema.Finite,
  /** Fingerprint of the source's first `copiedBytes` bytes (see syncFile). */
  fingerprint: Schema.String
})

const ManifestSchema = Schema.Struct({
  version: Schema.Literal(1),
  copyName: Schema.String,
  files: Schema.Record(Schema.String, FileRecordSchema)
})

export type FileRecord = typeof FileRecordSchema.Type
export type Records = Record<string, FileRecord>

const decode = Schema.decodeUnknownSync(Schema.fromJsonString(ManifestSchema))

/** Copy names may hold any character; the file name keeps a readable, safe form of it. */
export const manifestPath = (stateDir: string, copyName: string) =>
  join(stateDir, `${copyName.replace(/[^A-Za-z0-9._-]/g, "_")}.manifest.json`)

/** The saved records, or none when there is no manifest yet. A damaged manifest throws (the caller logs it). */
export const load = async (path: string): Promise<Records> => {
  const text = await readFile(path, "utf8").catch((e: NodeJS.ErrnoException) => {
    if (e.code === "ENOENT") return undefined
    throw e
  })
  return text === undefined ? {} : { ...decode(text).files }
}

/** Saves the records atomically (see core's AtomicFile): a crash leaves the previous manifest or this one. */
export const save = (path: string, copyName: string, files: Records): Promise<void> =>
  AtomicFile.write(path, JSON.stringify({ version: 1, copyName, files }))
