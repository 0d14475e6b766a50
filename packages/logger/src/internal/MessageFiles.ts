/**
 * Node-local message files: every process appends its records, one JSON line per record and one write per line, to
 * its own segment files `rank_<rank>.<pid>.<seq>.msg` in the node's tmp dir. Nothing is shared in memory, so any
 * process (a spawned child too) can log; a process killed mid-run leaves only whole records behind, and the
 * aggregator reads complete lines only.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import * as Level from "@dla/core/Level"
import * as Schema from "effect/Schema"
import type { LogRecord, Origin } from "../Format.ts"
import * as FdWriter from "./FdWriter.ts"
import { safeStringify } from "./json.ts"

export interface Segment {
  readonly file: string
  readonly rank: string
  readonly pid: number
  readonly seq: number
}

const SEGMENT = /^rank_(\d+|unknown)\.(\d+)\.(\d+)\.msg$/

export const segmentName = (rank: number, pid: number, seq: number): string => `rank_${rank}.${pid}.${seq}.msg`

export const parseSegment = (file: string): Segment | undefined => {
  const match = SEGMENT.exec(file)
  return match === null ? undefined : { file, rank: match[1]!, pid: Number(match[2]), seq: Number(match[3]) }
}

/** The segments in `dir`, oldest first per writer. */
export const listSegments = (dir: string): Array<Segment> =>
  fs
    .readdirSync(dir)
    .map(parseSegment)
    .filter((segment) => segment !== undefined)
    .sort((a, b) => (a.rank === b.rank ? a.pid - b.pid || a.seq - b.seq : a.rank < b.rank ? -1 : 1))

const OptionalNumber = Schema.optional(Schema.Finite)

/** One line of a message file: a record and its origin, under short keys. */
const EncodedSchema = Schema.Struct({
  t: Schema.Finite,
  l: Schema.Literals(Level.all),
  g: Schema.optional(Schema.String),
  m: Schema.String,
  f: Schema.optional(Schema.Record(Schema.String, Schema.Unknown)),
  p: Schema.optional(Schema.Array(Schema.Tuple([Schema.String, Schema.Finite]))),
  s: Schema.optional(Schema.String),
  r: Schema.Finite,
  lr: Schema.Finite,
  n: Schema.String,
  ir: OptionalNumber,
  il: OptionalNumber
})

type Encoded = typeof EncodedSchema.Type

const decodeLine = Schema.decodeUnknownOption(Schema.fromJsonString(EncodedSchema))

export const encode = (record: LogRecord, origin: Origin): string => {
  // JSON leaves out the keys whose value is undefined: a record without fields, spans or source has no f, p or s.
  const encoded: Encoded = {
    t: record.time,
    l: record.level,
    g: record.logger,
    m: record.message,
    f: record.fields,
    p: record.spans,
    s: record.source,
    r: origin.rank,
    lr: origin.localRank,
    n: origin.nodeId,
    ir: origin.infraRank,
    il: origin.infraLocalRank
  }
  return `${safeStringify(encoded)}\n`
}

export interface Decoded {
  readonly record: LogRecord
  readonly origin: Origin
}

/** The record on one line of a message file, or undefined for a line that is not one. */
export const decode = (line: string): Decoded | undefined => {
  const decoded = decodeLine(line)
  if (decoded._tag === "None") return undefined
  const e = decoded.value
  return {
    record: { time: e.t, level: e.l, logger: e.g ?? "", message: e.m, fields: e.f, spans: e.p, source: e.s },
    origin: { rank: e.r, localRank: e.lr, nodeId: e.n, infraRank: e.ir, infraLocalRank: e.il }
  }
}

export interface Options {
  readonly dir: string
  readonly rank: number
  readonly maxFileBytes: number
  readonly maxFiles: number
  readonly onError: (error: NodeJS.ErrnoException) => void
}

export interface Writer {
  readonly write: (line: string) => void
  readonly close: () => void
}

/**
 * A writer that rotates to a new segment past `maxFileBytes`. The aggregator deletes segments it has read; when
 * `maxFiles` of this process's segments still exist (the aggregator is behind or gone), the current one keeps
 * growing instead: the file-count bound holds and no unread record is deleted.
 */
export const writer = (options: Options): Writer => {
  const pid = process.pid
  const prefix = `rank_${options.rank}.${pid}.`
  fs.mkdirSync(options.dir, { recursive: true })
  const own = () => fs.readdirSync(options.dir).filter((file) => file.startsWith(prefix) && SEGMENT.test(file))
  let seq = own().reduce((max, file) => Math.max(max, parseSegment(file)!.seq + 1), 0)
  let size = 0
  let nextCheck = options.maxFileBytes
  let failed = false

  const open = () =>
    FdWriter.make(FdWriter.openAppend(path.join(options.dir, segmentName(options.rank, pid, seq))), {
      ownsFd: true,
      onError: (error) => {
        failed = true
        options.onError(error)
      }
    })
  let current = open()

  const rotate = () => {
    if (own().length >= options.maxFiles) {
      nextCheck = size + Math.max(1024, options.maxFileBytes / 4)
      return
    }
    current.close()
    seq++
    current = open()
    size = 0
    nextCheck = options.maxFileBytes
  }

  return {
    write: (line) => {
      if (failed) return
      if (size >= nextCheck) {
        try {
          rotate()
        } catch (error) {
          failed = true
          options.onError(error as NodeJS.ErrnoException)
          return
        }
      }
      current.write(line)
      size += line.length
    },
    close: () => current.close()
  }
}
