/**
 * The aggregator's journal, `<file>.offsets.json`: the read positions of a batch, saved before the batch is appended,
 * with the node file's size before and after it. From it a restarted aggregator knows whether the last batch is whole.
 */
import * as fs from "node:fs"
import * as AtomicFile from "@dla/core/AtomicFile"
import * as Schema from "effect/Schema"

const Offsets = Schema.Record(Schema.String, Schema.Finite)

const JournalSchema = Schema.Struct({
  /** Read positions once the batch is in the node file, and before it. */
  offsets: Offsets,
  previous: Offsets,
  /** The node file the batch goes to (its inode: a rotated file is another one), and its size around the batch. */
  ino: Schema.Finite,
  sizeBefore: Schema.Finite,
  sizeAfter: Schema.Finite
})

/** One batch's entry. */
export type Journal = typeof JournalSchema.Type

const decode = Schema.decodeUnknownOption(Schema.fromJsonString(JournalSchema))

/** The journal file of a node file. */
export const pathOf = (file: string) => `${file}.offsets.json`

const read = (journalFile: string): Journal | undefined => {
  let text: string
  try {
    text = fs.readFileSync(journalFile, "utf8")
  } catch {
    return undefined
  }
  const decoded = decode(text)
  return decoded._tag === "Some" ? decoded.value : undefined
}

/**
 * Read positions to resume from. A node file that is still the batch's file and stops inside the batch was cut by a
 * crash: the half batch goes, and its records are read again. Any other file (the batch complete, or the file
 * rotated since, which only happens after a complete batch) goes on after the batch. No journal (or a damaged one):
 * from the start.
 */
export const recover = (file: string, journalFile: string): Record<string, number> => {
  const journal = read(journalFile)
  if (journal === undefined) return {}
  const stat = fs.statSync(file, { throwIfNoEntry: false })
  if (
    stat !== undefined &&
    stat.ino === journal.ino &&
    stat.size >= journal.sizeBefore &&
    stat.size < journal.sizeAfter
  ) {
    fs.truncateSync(file, journal.sizeBefore)
    return { ...journal.previous }
  }
  return { ...journal.offsets }
}

/** Saves the journal of the batch about to be appended, replacing the previous one atomically (see core's AtomicFile). */
export const save = (journalFile: string, journal: Journal) =>
  AtomicFile.writeSync(journalFile, JSON.stringify(journal))
