/**
 * Line wrappers: container runtimes wrap each line of a program (CRI: Kubernetes' containerd and CRI-O files;
 * Docker's json-file driver), and launchers put the rank in front of it (srun, mpirun, torchrun). A wrapped format
 * reads the level of the inner line with the inner format.
 */
import {
  ascii,
  BACKSLASH,
  COLON,
  DASH,
  find,
  isDigit,
  isLower,
  isUpper,
  LEFT_BRACKET,
  LESS,
  type LogFormat,
  QUOTE,
  RIGHT_BRACKET,
  SPACE,
  startsWith
} from "./shared.ts"

export interface Wrapper {
  readonly name: string
  readonly example: string
  /** The inner line of `bytes[start, end)`, or false when the line is not wrapped this way. */
  readonly unwrap: (bytes: Uint8Array, start: number, end: number) => InnerLine | false
}
/** Where an inner line is: its bytes and bounds (one shared object, overwritten by the next unwrap). */
export interface InnerLine {
  bytes: Uint8Array
  start: number
  end: number
}
const inner: InnerLine = { bytes: new Uint8Array(0), start: 0, end: 0 }

const T = 0x54
const STREAM = ascii("std")
const MIN_CRI_LINE = 30
const MAX_TIMESTAMP = 40

/**
 * CRI: `2024-11-30T12:00:00.123456789Z stderr F <inner>`: an RFC 3339 timestamp, the stream, and the tag `F` (a full
 * line) or `P` (a part of a long line: the next part has no header of its own, so it has no level).
 */
export const cri: Wrapper = {
  name: "cri",
  example: "2024-11-30T12:00:00.123456789Z stderr F I1130 12:00:00.123456       1 main.go:42] message",
  unwrap: (bytes, start, end) => {
    if (end - start < MIN_CRI_LINE || bytes[start + 4] !== DASH || bytes[start + 10] !== T) return false
    const space = find(bytes, SPACE, start + 19, Math.min(end, start + MAX_TIMESTAMP))
    if (space < 0 || !startsWith(bytes, space + 1, end, STREAM) || bytes[space + 7] !== SPACE) return false
    const tag = bytes[space + 8]
    if ((tag !== 0x46 && tag !== 0x50) || bytes[space + 9] !== SPACE) return false
    inner.bytes = bytes
    inner.start = space + 10
    inner.end = end
    return inner
  }
}

const DOCKER_PREFIX = ascii('{"log":"')
const NEWLINE = 0x0a
const CARRIAGE_RETURN = 0x0d
/** The unescaped inner line: reused (grown when a line needs more), so unwrapping allocates nothing per line. */
let scratch = new Uint8Array(4096)

const hexValue = (b: number) => {
  const digit = b - 0x30
  if (digit >= 0 && digit <= 9) return digit
  const letter = (b | 0x20) - 0x61
  return letter >= 0 && letter <= 5 ? letter + 10 : -1
}
const ESCAPED: Record<number, number> = { 110: NEWLINE, 116: 0x09, 114: CARRIAGE_RETURN, 98: 0x08, 102: 0x0c }
const QUESTION = 0x3f

/**
 * Docker's json-file driver, `{"log":"<inner>\n","stream":"stderr","time":"2024-11-30T12:00:00.123456789Z"}`: the
 * inner line is the `log` string, read in place when it has no escapes, else unescaped into a reused buffer (`\u`
 * escapes of non-ASCII become `?`: levels are ASCII).
 */
export const docker: Wrapper = {
  name: "docker",
  example:
    '{"log":"{\\"level\\":\\"warn\\",\\"msg\\":\\"message\\"}\\n","stream":"stdout","time":"2024-11-30T12:00:00.123456789Z"}',
  unwrap: (bytes, start, end) => {
    if (!startsWith(bytes, start, end, DOCKER_PREFIX)) return false
    const from = start + DOCKER_PREFIX.length
    // Most inner lines that are not JSON have no escape but their trailing `\n`: they are read in place.
    let plain = from
    while (plain < end && bytes[plain] !== QUOTE && bytes[plain] !== BACKSLASH) plain++
    if (bytes[plain] === QUOTE || (plain + 2 < end && bytes[plain + 1] === 0x6e && bytes[plain + 2] === QUOTE)) {
      inner.bytes = bytes
      inner.start = from
      inner.end = plain
      return inner
    }
    let n = 0
    for (let i = from; i < end; i++) {
      let b = bytes[i]!
      if (b === QUOTE) {
        while (n > 0 && (scratch[n - 1] === NEWLINE || scratch[n - 1] === CARRIAGE_RETURN)) n--
        scratch[n] = NEWLINE // formats may peek one byte past the end
        inner.bytes = scratch
        inner.start = 0
        inner.end = n
        return inner
      }
      if (b === BACKSLASH) {
        if (++i >= end) return false
        const escaped = bytes[i]!
        if (escaped === 0x75) {
          let code = 0
          for (let k = 1; k <= 4; k++) code = code * 16 + hexValue(bytes[i + k]!)
          b = code >= 0 && code < 0x80 ? code : QUESTION
          i += 4
        } else b = ESCAPED[escaped] ?? escaped
      }
      if (n + 1 >= scratch.length) {
        const bigger = new Uint8Array(scratch.length * 2)
        bigger.set(scratch)
        scratch = bigger
      }
      scratch[n++] = b
    }
    return false
  }
}

const MAX_LABEL = 32
const COMMA = 0x2c
const GREATER = 0x3e

/** After the launcher's rank label at `i`, or -1: `0: `, `[1,0]<stdout>:`, `[default0]:`. */
const labelEnd = (bytes: Uint8Array, i: number, end: number) => {
  const limit = Math.min(end, i + MAX_LABEL)
  while (i < limit && bytes[i] === SPACE) i++
  if (isDigit(bytes[i])) {
    // srun --label: `0: `, right-aligned with spaces when there are ten tasks or more.
    while (i < limit && isDigit(bytes[i])) i++
    return i + 1 < end && bytes[i] === COLON && bytes[i + 1] === SPACE ? i + 2 : -1
  }
  if (bytes[i] !== LEFT_BRACKET) return -1
  const close = find(bytes, RIGHT_BRACKET, i + 1, limit)
  if (close < 0) return -1
  if (bytes[close + 1] === COLON) {
    // torchrun --tee: `[default0]:` (the role and the local rank), c10d's `[rank0]:`.
    let k = i + 1
    while (k < close && (isLower(bytes[k]) || isUpper(bytes[k]) || bytes[k] === 0x5f)) k++
    if (k === i + 1 || k === close) return -1
    while (k < close && isDigit(bytes[k])) k++
    return k === close ? close + 2 : -1
  }
  // mpirun --tag-output: `[1,0]<stdout>:` (job, rank, stream).
  const comma = find(bytes, COMMA, i + 1, close)
  if (comma < 0 || !isDigit(bytes[i + 1]) || !isDigit(bytes[comma + 1]) || bytes[close + 1] !== LESS) return -1
  const stream = find(bytes, GREATER, close + 2, limit)
  return stream >= 0 && bytes[stream + 1] === COLON ? stream + 2 : -1
}

/**
 * A launcher's rank label in front of each line: `srun --label` (`0: `), `mpirun --tag-output` (`[1,0]<stdout>:`),
 * `torchrun --tee` (`[default0]:`). The label is optional: a line without one is read as it is.
 */
export const rank: Wrapper = {
  name: "rank",
  example: "[default0]:2024-11-30 12:00:00,123 - train - INFO - epoch 1",
  unwrap: (bytes, start, end) => {
    const labelled = labelEnd(bytes, start, end)
    inner.bytes = bytes
    inner.start = labelled < 0 ? start : labelled
    inner.end = end
    return inner
  }
}

/** `inner` read inside `wrapper`'s lines: named `cri+klog`, or just `cri` when the inner format is any one. */
export const wrap = (wrapper: Wrapper, format: LogFormat, name = `${wrapper.name}+${format.name}`): LogFormat => {
  const { unwrap } = wrapper
  const levelOf = format.levelOf
  return {
    name,
    example: wrapper.example,
    levelOf: (bytes, start, end) => {
      const line = unwrap(bytes, start, end)
      return line === false ? -1 : levelOf(line.bytes, line.start, line.end)
    }
  }
}
