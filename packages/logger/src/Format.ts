/**
 * How a record looks on the console, in per-rank files, in node-local message files and in the per-node file.
 *
 * @since 0.1.0
 */
import type * as Level from "@dla/core/Level"
import { safeStringify } from "./internal/json.ts"

/**
 * One log event, the same for the plain facade and the Effect logger.
 *
 * @since 0.1.0
 * @category models
 */
export interface LogRecord {
  /** Milliseconds since the epoch. */
  readonly time: number
  readonly level: Level.Level
  /** Component logger name; empty for the root logger. */
  readonly logger: string
  readonly message: string
  /** Structured fields (Effect annotations, or fields passed to a facade call). */
  readonly fields?: Readonly<Record<string, unknown>> | undefined
  /** Effect log spans: label and elapsed milliseconds. */
  readonly spans?: ReadonlyArray<readonly [string, number]> | undefined
  /** The caller's `file:line`, when source capture is on. */
  readonly source?: string | undefined
}

/**
 * Who wrote a record.
 *
 * @since 0.1.0
 * @category models
 */
export interface Origin {
  readonly rank: number
  readonly localRank: number
  readonly nodeId: string
  /** The infrastructure's rank (`SLURM_PROCID`) when it differs from the workload's; NVRx's `infra:` field. */
  readonly infraRank?: number | undefined
  /** The infrastructure's local rank (`SLURM_LOCALID`). */
  readonly infraLocalRank?: number | undefined
}

/**
 * How a text line looks: with the `[rank]` prefix, with colour.
 *
 * @since 0.1.0
 * @category models
 */
export interface TextOptions {
  readonly showRank: boolean
  readonly color: boolean
}

const LEVEL_WIDTH = 8

const levelColors: Record<Level.Level, string> = {
  TRACE: "\x1b[90m",
  DEBUG: "\x1b[36m",
  INFO: "\x1b[32m",
  NOTICE: "\x1b[34m",
  WARN: "\x1b[33m",
  ERROR: "\x1b[31m",
  FATAL: "\x1b[1;31m"
}

const padded = Object.fromEntries(
  Object.keys(levelColors).map((level) => [level, level.padEnd(LEVEL_WIDTH)])
) as Record<Level.Level, string>

/**
 * The level padded to a fixed width (`INFO    `), in its colour when asked.
 *
 * @since 0.1.0
 * @category formatting
 */
export const levelLabel = (level: Level.Level, color: boolean): string =>
  color ? `${levelColors[level]}${level}\x1b[0m${padded[level].slice(level.length)}` : padded[level]

const two = (n: number) => (n < 10 ? `0${n}` : `${n}`)
const three = (n: number) => (n < 10 ? `00${n}` : n < 100 ? `0${n}` : `${n}`)

// Formatting a date is the costly part of a line: the text up to the second is computed once per second.
let cachedSecond = -1
let cachedClock = ""
let cachedDate = ""
/** UTC `2026-11-23T12:34:56.`, for JSON lines. */
let cachedIso = ""

const refresh = (time: number) => {
  const second = Math.floor(time / 1000)
  if (second === cachedSecond) return
  const date = new Date(second * 1000)
  cachedSecond = second
  cachedClock = `${two(date.getHours())}:${two(date.getMinutes())}:${two(date.getSeconds())}.`
  cachedDate = `${date.getFullYear()}-${two(date.getMonth() + 1)}-${two(date.getDate())} `
  cachedIso = date.toISOString().slice(0, 20)
}

/** `new Date(time).toISOString()` (which drops a fraction of a millisecond), from the per-second cache. */
const isoTime = (time: number): string => {
  const ms = Math.trunc(time)
  refresh(ms)
  return `${cachedIso}${three(ms - cachedSecond * 1000)}Z`
}

/**
 * Local wall-clock time `12:34:56.789`.
 *
 * @since 0.1.0
 * @category formatting
 */
export const clock = (time: number): string => {
  refresh(time)
  return cachedClock + three(time - cachedSecond * 1000)
}

/**
 * Local date and time `2026-11-23 12:34:56.789`, for files that outlive a day.
 *
 * @since 0.1.0
 * @category formatting
 */
export const dateTime = (time: number): string => {
  refresh(time)
  return cachedDate + cachedClock + three(time - cachedSecond * 1000)
}

const stringify = (value: unknown): string => {
  if (typeof value === "string") return value
  if (value instanceof Error) return value.stack ?? `${value.name}: ${value.message}`
  return safeStringify(value)
}

/**
 * The message followed by ` key=value` fields and ` label=12ms` spans.
 *
 * @since 0.1.0
 * @category formatting
 */
export const body = (record: LogRecord): string => {
  let out = record.logger === "" ? record.message : `${record.logger}: ${record.message}`
  if (record.fields !== undefined) {
    for (const key in record.fields) out += ` ${key}=${stringify(record.fields[key])}`
  }
  if (record.spans !== undefined) {
    for (const [label, ms] of record.spans) out += ` ${label}=${ms}ms`
  }
  return out
}

/**
 * Console line: `[12:34:56.789] [3] INFO     message`.
 *
 * @since 0.1.0
 * @category formatting
 */
export const consoleLine = (record: LogRecord, origin: Origin, options: TextOptions): string =>
  `[${clock(record.time)}] ${options.showRank ? `[${origin.rank}] ` : ""}${levelLabel(record.level, options.color)} ${body(record)}\n`

/**
 * Per-rank file line: the console line with the date, never coloured.
 *
 * @since 0.1.0
 * @category formatting
 */
export const fileLine = (record: LogRecord, origin: Origin, options: TextOptions): string =>
  `[${dateTime(record.time)}] ${options.showRank ? `[${origin.rank}] ` : ""}${padded[record.level]} ${body(record)}\n`

const jsonValue = (value: unknown): unknown => {
  if (value instanceof Error) return { name: value.name, message: value.message, stack: value.stack }
  return value
}

/**
 * One JSON object per line: time (ISO, UTC), level, rank, localRank, node, logger, msg, then fields and spans.
 *
 * @since 0.1.0
 * @category formatting
 */
export const jsonLine = (record: LogRecord, origin: Origin): string => {
  const out: Record<string, unknown> = {
    time: isoTime(record.time),
    level: record.level,
    rank: origin.rank,
    localRank: origin.localRank,
    node: origin.nodeId
  }
  if (record.logger !== "") out.logger = record.logger
  out.msg = record.message
  if (record.source !== undefined) out.source = record.source
  if (record.fields !== undefined) {
    for (const key in record.fields) if (!(key in out)) out[key] = jsonValue(record.fields[key])
  }
  if (record.spans !== undefined) out.spans = Object.fromEntries(record.spans)
  return `${safeStringify(out)}\n`
}

/**
 * The per-node file's text line (the NVRx layout):
 * `2026-11-23 12:34:56.789 [INFO] [node] [workload:3(1)] train.ts:42 message`.
 *
 * @since 0.1.0
 * @category formatting
 */
export const nodeLine = (record: LogRecord, origin: Origin): string =>
  `${dateTime(record.time)} [${record.level}] [${origin.nodeId}] [workload:${origin.rank}(${origin.localRank})] ${
    record.source === undefined ? "" : `${record.source} `
  }${body(record)}\n`

/** Python's level names, which the NVRx layout prints. */
const pythonLevel = (level: Level.Level): string =>
  level === "WARN" ? "WARNING" : level === "FATAL" ? "CRITICAL" : level

/**
 * The per-node line exactly as the NVRx guide prints it:
 * `2026-11-23 12:34:56,789 [WARNING] [node] [workload:3(1) infra:3(1)] train.ts:42 message`.
 *
 * @since 0.1.0
 * @category formatting
 */
export const nvrxNodeLine = (record: LogRecord, origin: Origin): string => {
  const time = dateTime(record.time)
  const infra = `infra:${origin.infraRank ?? origin.rank}(${origin.infraLocalRank ?? origin.localRank})`
  return `${time.slice(0, -4)},${time.slice(-3)} [${pythonLevel(record.level)}] [${origin.nodeId}] [workload:${
    origin.rank
  }(${origin.localRank}) ${infra}] ${record.source === undefined ? "" : `${record.source} `}${body(record)}\n`
}
