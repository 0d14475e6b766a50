/**
 * Log formats: where the level of a line is, found on bytes (the built-in formats never decode a line).
 *
 * Each format knows the *position* of the level in its lines (after the timestamp, in the second bracket, after
 * `RAS <component>`, under a top-level JSON key...), so a level word inside the message never counts. A line whose
 * level position holds no level word has no level: it is counted as unmatched. The formats live in `formats/`, one
 * family a module; this module names them, parses `--format` values and detects a file's format.
 *
 * @since 0.1.0
 */

import * as Data from "effect/Data"
import * as Result from "effect/Result"
import * as ErrorMessage from "./ErrorMessage.ts"
import { bgl, bracketed, log4j, logcat } from "./formats/classic.ts"
import { nccl, nginx, rust, slurm } from "./formats/daemons.ts"
import { dla } from "./formats/dla.ts"
import { json } from "./formats/json.ts"
import { klog, ray } from "./formats/klog.ts"
import { logfmt } from "./formats/logfmt.ts"
import { hydra, python } from "./formats/python.ts"
import type { LogFormat } from "./formats/shared.ts"
import { syslog } from "./formats/syslog.ts"
import { cri, docker, rank, type Wrapper, wrap } from "./formats/wrappers.ts"
import * as Level from "./Level.ts"

/**
 * A log format: its name, an example line, and how it finds the level of a line.
 *
 * @since 0.1.0
 * @category models
 */
export type { LogFormat } from "./formats/shared.ts"

/**
 * A line wrapper (`cri`, `docker`, a launcher's rank label), and where the line it wraps is.
 *
 * @since 0.1.0
 * @category models
 */
export type { InnerLine, Wrapper } from "./formats/wrappers.ts"

/**
 * The built-in formats, one by name each (`--format klog`).
 *
 * @since 0.1.0
 * @category formats
 */
export { bgl, bracketed, dla, hydra, json, klog, log4j, logcat, logfmt, nccl, nginx, python, ray, rust, slurm, syslog }

const utf8 = new TextDecoder("utf-8")

/**
 * A format from a regular expression with a named group `level` (`^\S+ (?<level>\w+) `). The group's text is mapped
 * through the level aliases; a line where it does not match, or names no level, is unmatched. Slower than the
 * built-in formats: each line is decoded to a string. Throws on an invalid pattern or one without a `level` group.
 *
 * @since 0.1.0
 * @category constructors
 */
export const regex = (source: string): LogFormat => Result.getOrThrow(parseRegex(source))

/**
 * A `--format` value that names no format: an unknown name, or a regex that is invalid or has no `level` group.
 *
 * @since 0.1.0
 * @category errors
 */
export class LogFormatError extends Data.TaggedError("LogFormatError")<{
  readonly spec: string
  /** What is wrong, in a few words; the message adds the cause's own message after it. */
  readonly detail: string
  /** The `SyntaxError` of an invalid regular expression. */
  readonly cause?: unknown
}> {
  override get message(): string {
    return ErrorMessage.withCause(this.detail, this.cause)
  }
}

/** {@link regex} as a Result: the pattern's SyntaxError, or a missing `level` group, as a {@link LogFormatError}. */
const parseRegex = (source: string): Result.Result<LogFormat, LogFormatError> => {
  let pattern: RegExp
  try {
    pattern = new RegExp(source)
  } catch (cause) {
    return Result.fail(new LogFormatError({ spec: source, detail: `invalid format regex '${source}'`, cause }))
  }
  if (!source.includes("(?<level>")) {
    return Result.fail(
      new LogFormatError({ spec: source, detail: `format regex needs a named group (?<level>...): ${source}` })
    )
  }
  return Result.succeed({
    name: `regex:${source}`,
    example: source,
    levelOf: (bytes, start, end) => {
      const word = pattern.exec(utf8.decode(bytes.subarray(start, end)))?.groups?.level
      const level = word === undefined ? undefined : Level.fromWord(word.trim())
      return level === undefined ? -1 : Level.id(level)
    }
  })
}

/**
 * The built-in formats, in the order detection tries them and prefers them on a tie: the most common first, then
 * the stricter before the looser (`slurm`, which reads a message without a level word as INFO, last).
 *
 * @since 0.1.0
 * @category formats
 */
export const named: ReadonlyArray<LogFormat> = [
  bracketed,
  dla,
  log4j,
  klog,
  json,
  logfmt,
  python,
  hydra,
  nginx,
  rust,
  ray,
  nccl,
  syslog,
  logcat,
  bgl,
  slurm
]

/**
 * Line wrappers (container runtimes, launchers' rank labels): `--format cri+klog`, or `cri` for any format inside.
 *
 * @since 0.1.0
 * @category formats
 */
export const wrappers: ReadonlyArray<Wrapper> = [cri, docker, rank]

/**
 * Other names users know these formats by.
 *
 * @since 0.1.0
 * @category formats
 */
export const aliases: Readonly<Record<string, LogFormat>> = {
  apache: bracketed,
  hadoop: log4j,
  spark: log4j,
  zookeeper: log4j,
  hdfs: log4j,
  openstack: log4j,
  tracing: log4j,
  android: logcat,
  glog: klog,
  c10d: klog,
  torchrun: klog,
  pino: json,
  bunyan: json,
  zap: json,
  slog: json,
  ecs: json,
  uvicorn: python,
  dask: python,
  env_logger: rust,
  serilog: rust,
  slurmd: slurm,
  slurmctld: slurm
}

/** Any built-in format: the first in {@link named} that finds a level in the line (for a wrapper with no inner given). */
const anyFormat: LogFormat = {
  name: "any",
  example: "",
  levelOf: (bytes, start, end) => {
    for (const format of named) {
      const id = format.levelOf(bytes, start, end)
      if (id >= 0) return id
    }
    return -1
  }
}

/** Wrapped formats are made once each, so detection hands out the same object for every file of a kind. */
const wrapped = new Map<string, LogFormat>()
const wrapIn = (wrapper: Wrapper, format: LogFormat): LogFormat => {
  const name = format === anyFormat ? wrapper.name : `${wrapper.name}+${format.name}`
  let made = wrapped.get(name)
  if (made === undefined) {
    made = wrap(wrapper, format, name)
    wrapped.set(name, made)
  }
  return made
}

const builtIn = (name: string): LogFormat | undefined => named.find((format) => format.name === name) ?? aliases[name]

/**
 * A format from a `--format` value: a built-in name or alias, a wrapper (`cri`, `docker`, `rank`) alone or with its
 * inner format (`cri+klog`, `docker+json`, `rank+python`), or else a regular expression with a `level` group. Every
 * built-in or detected format's `name` is a spec that gives it back. Anything else is a {@link LogFormatError}.
 *
 * @since 0.1.0
 * @category constructors
 */
export const parse = (spec: string): Result.Result<LogFormat, LogFormatError> => {
  const format = builtIn(spec)
  if (format !== undefined) return Result.succeed(format)
  const plus = spec.indexOf("+")
  const wrapper = wrappers.find((w) => w.name === (plus < 0 ? spec : spec.slice(0, plus)))
  if (wrapper !== undefined) {
    if (plus < 0) return Result.succeed(wrapIn(wrapper, anyFormat))
    const inner = spec.slice(plus + 1)
    const innerFormat = builtIn(inner)
    if (innerFormat !== undefined) return Result.succeed(wrapIn(wrapper, innerFormat))
    if (inner.includes("(?<level>")) return Result.map(parseRegex(inner), (made) => wrapIn(wrapper, made))
  }
  if (!spec.includes("(?<level>")) {
    const names = [...named.map((f) => f.name), ...Object.keys(aliases), ...wrappers.map((w) => `${w.name}[+format]`)]
    return Result.fail(
      new LogFormatError({
        spec,
        detail: `unknown format '${spec}': use one of ${names.join(", ")} or a regex with a group (?<level>...)`
      })
    )
  }
  return parseRegex(spec)
}

/**
 * {@link parse} for callers that prefer exceptions: throws its {@link LogFormatError}.
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromSpec = (spec: string): LogFormat => Result.getOrThrow(parse(spec))

const NEWLINE = 0x0a
const CARRIAGE_RETURN = 0x0d

/**
 * How many lines detection looks at.
 *
 * @since 0.1.0
 * @category constants
 */
export const SAMPLE_LINES = 200

// The sampled lines' bounds, reused by every detection (detection runs once per file, 20,000 small files included).
const lineStarts = new Int32Array(SAMPLE_LINES)
const lineEnds = new Int32Array(SAMPLE_LINES)
const innerStarts = new Int32Array(SAMPLE_LINES)
const innerEnds = new Int32Array(SAMPLE_LINES)

/**
 * The newlines of a head already found (by the scan kernel, many per call): the first `count` in order, each at
 * `ends[k] - base` in the head; all of them when `count` is under {@link SAMPLE_LINES}.
 *
 * @since 0.2.0
 * @category models
 */
export interface Newlines {
  readonly ends: Int32Array
  readonly base: number
  readonly count: number
}

/**
 * Splits the first {@link SAMPLE_LINES} lines of `head` into `starts`/`ends`; returns how many. The newlines come
 * from `found` while it has them: a native `indexOf` per line costs more than a 20-line file's whole count.
 */
const sampleLines = (head: Uint8Array, starts: Int32Array, ends: Int32Array, found?: Newlines): number => {
  let start = 0
  let count = 0
  while (count < SAMPLE_LINES && start < head.length) {
    let end =
      found === undefined ? head.indexOf(NEWLINE, start) : count < found.count ? found.ends[count]! - found.base : -1
    // An unfinished last line is only sampled when it is all there is.
    if (end < 0) {
      if (count > 0) break
      end = head.length
    }
    starts[count] = start
    ends[count] = end > start && head[end - 1] === CARRIAGE_RETURN ? end - 1 : end
    count++
    start = end + 1
  }
  return count
}

/** Whether `format` finds a level in every one of the `count` lines (stopping at the first miss). */
const readsAll = (format: LogFormat, bytes: Uint8Array, starts: Int32Array, ends: Int32Array, count: number) => {
  const { levelOf } = format
  for (let line = 0; line < count; line++) {
    if (starts[line]! < 0 || levelOf(bytes, starts[line]!, ends[line]!) < 0) return false
  }
  return true
}

/**
 * The format in {@link named} that finds a level in the most of the `count` lines (ties to the earlier one), or
 * undefined when none finds any. First the formats are asked, in order, to read every line, each dropped at its first
 * miss (most at the first line): the first that reads them all wins, as the full count would have it. Only when none
 * does are the levels counted, each format dropped as soon as its misses leave it unable to beat the best so far.
 */
const best = (bytes: Uint8Array, starts: Int32Array, ends: Int32Array, count: number): LogFormat | undefined => {
  for (const format of named) if (readsAll(format, bytes, starts, ends, count)) return format
  let winner: LogFormat | undefined
  let winnerHits = 0
  for (const format of named) {
    const { levelOf } = format
    let hits = 0
    let misses = 0
    for (let line = 0; line < count && count - misses > winnerHits; line++) {
      if (starts[line]! >= 0 && levelOf(bytes, starts[line]!, ends[line]!) >= 0) hits++
      else misses++
    }
    if (hits > winnerHits) {
      winner = format
      winnerHits = hits
    }
  }
  return winner
}

/**
 * The format of a file whose lines are wrapped by `wrapper` (the first sampled line is): the best format of the
 * inner lines, in the wrapper. Lines the wrapper does not know count as misses.
 */
const detectWrapped = (wrapper: Wrapper, head: Uint8Array, count: number): LogFormat => {
  let bytes = head
  // Docker's inner lines are unescaped into one shared buffer, line after line: copy each out for the sample.
  const copies: Array<Uint8Array> = []
  let copied = 0
  for (let line = 0; line < count; line++) {
    const inner = wrapper.unwrap(head, lineStarts[line]!, lineEnds[line]!)
    if (inner === false) {
      innerStarts[line] = -1
      continue
    }
    if (inner.bytes === head) {
      innerStarts[line] = inner.start
      innerEnds[line] = inner.end
    } else {
      copies.push(inner.bytes.slice(inner.start, inner.end + 1))
      innerStarts[line] = copied
      innerEnds[line] = copied + inner.end - inner.start
      copied += inner.end - inner.start + 1
    }
  }
  if (copies.length > 0) {
    bytes = new Uint8Array(copied)
    let at = 0
    for (const copy of copies) {
      bytes.set(copy, at)
      at += copy.length
    }
  }
  return wrapIn(wrapper, best(bytes, innerStarts, innerEnds, count) ?? bracketed)
}

/**
 * Picks the format that finds a level in the most of the first {@link SAMPLE_LINES} lines of `head` (the start of a
 * file). Ties go to the earlier format in {@link named}; with no level anywhere, {@link bracketed} (every line will
 * then be counted as unmatched, which is the truth). Lines wrapped by a container runtime (CRI, Docker json-file) or
 * labelled by a launcher (srun, mpirun, torchrun) get the wrapper around the best format of their inner lines
 * (`cri+klog`, `rank+python`). `found`: the head's newlines, when the caller's scan found them already.
 *
 * @since 0.1.0
 * @category detection
 */
export const detect = (head: Uint8Array, found?: Newlines): LogFormat => {
  const count = sampleLines(head, lineStarts, lineEnds, found)
  if (count === 0) return bracketed
  for (const wrapper of wrappers) {
    // The first line decides; a wrapper whose label is optional (`rank`) must have found one there.
    const inner = wrapper.unwrap(head, lineStarts[0]!, lineEnds[0]!)
    if (inner !== false && (inner.bytes !== head || inner.start !== lineStarts[0])) {
      return detectWrapped(wrapper, head, count)
    }
  }
  return best(head, lineStarts, lineEnds, count) ?? bracketed
}
