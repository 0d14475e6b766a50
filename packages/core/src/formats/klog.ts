/**
 * glog's one-letter level headers: Kubernetes' klog, glog, PyTorch's c10 (torchrun, c10d), and Ray's C++ components.
 */
import * as Level from "../Level.ts"
import {
  COLON,
  find,
  isDigit,
  isTimestampish,
  LEFT_BRACKET,
  logFormat,
  RIGHT_BRACKET,
  SPACE,
  skipBlanks,
  tokenEnd
} from "./shared.ts"

const letterIds = (letters: Record<string, Level.Level>) => {
  const ids = new Int8Array(128).fill(-1)
  for (const [letter, level] of Object.entries(letters)) ids[letter.charCodeAt(0)] = Level.id(level)
  return ids
}
const glogIds = letterIds({ I: "INFO", W: "WARN", E: "ERROR", F: "FATAL" })
const idOfLetter = (ids: Int8Array, byte: number | undefined) => (byte !== undefined && byte < 128 ? ids[byte]! : -1)

/** torchrun and c10d put up to two `[rank0]:` / `[default0]:` prefixes before the header. */
const MAX_PREFIXES = 2
const MAX_PREFIX_LENGTH = 32
/** c10d's short header `[W socket.cpp:663]` names a source file within this many bytes. */
const MAX_SOURCE_LENGTH = 96

/**
 * klog and glog, `Lmmdd hh:mm:ss.uuuuuu threadid file:line] message` with L one of I W E F:
 * `I1130 12:00:00.123456    1 main.go:42] message`. PyTorch's c10 logging writes the same header in brackets after
 * torchrun's rank prefix, the month without its leading zero
 * (`[rank0]:[W219 09:17:03.293812312 ProcessGroupNCCL.cpp:1168] message`), or, in older
 * releases, a short one (`[W socket.cpp:663] [c10d] message`).
 */
export const klog = logFormat("klog", "I1130 12:00:00.123456    1 main.go:42] message", (bytes, start, end) => {
  let i = start
  for (let prefix = 0; prefix < MAX_PREFIXES && bytes[i] === LEFT_BRACKET; prefix++) {
    const close = find(bytes, RIGHT_BRACKET, i + 1, Math.min(end, i + MAX_PREFIX_LENGTH))
    if (close < 0 || bytes[close + 1] !== COLON) break
    i = close + 2
  }
  const inBrackets = bytes[i] === LEFT_BRACKET
  if (inBrackets) i++
  const id = idOfLetter(glogIds, bytes[i])
  if (id < 0 || i + 8 >= end) return -1
  // `mmdd`; c10 drops the month's leading zero (`W219 09:17:03.293812312`).
  let date = i + 1
  while (date < i + 5 && isDigit(bytes[date])) date++
  if (
    date - i >= 4 &&
    bytes[date] === SPACE &&
    isDigit(bytes[date + 1]) &&
    isDigit(bytes[date + 2]) &&
    bytes[date + 3] === COLON
  )
    return id
  return inBrackets && bytes[i + 1] === SPACE && isSourceLine(bytes, i + 2, Math.min(end, i + MAX_SOURCE_LENGTH))
    ? id
    : -1
})
/** `file.cpp:663]`: a word ending in `:<digits>]`. */
const isSourceLine = (bytes: Uint8Array, i: number, end: number) => {
  const close = find(bytes, RIGHT_BRACKET, i, end)
  if (close < 0 || !isDigit(bytes[close - 1])) return false
  let k = close - 1
  while (k > i && isDigit(bytes[k])) k--
  return bytes[k] === COLON && find(bytes, SPACE, i, k) < 0
}

const rayIds = letterIds({ T: "TRACE", D: "DEBUG", I: "INFO", W: "WARN", E: "ERROR", C: "FATAL" })

/**
 * Ray's C++ components (raylet, GCS, core workers; spdlog's `[%Y-%m-%d %H:%M:%S,%e %L %P %t]`):
 * `[2024-11-30 12:00:00,123 I 12345 12345] core_worker.cc:215: message`. The level is the letter after the time:
 * T D I W E, and C (critical, `RAY_LOG(FATAL)`) as FATAL. Ray's Python logs are {@link log4j}'s layout.
 */
export const ray = logFormat(
  "ray",
  "[2024-11-30 12:00:00,123 I 12345 12345] core_worker.cc:215: message",
  (bytes, start, end) => {
    if (bytes[start] !== LEFT_BRACKET || !isDigit(bytes[start + 1])) return -1
    let i = start + 1
    for (let field = 0; field < 2; field++) {
      const wordEnd = tokenEnd(bytes, i, end)
      if (!isTimestampish(bytes, i, wordEnd)) return -1
      i = skipBlanks(bytes, wordEnd, end)
    }
    return i + 1 < end && bytes[i + 1] === SPACE ? idOfLetter(rayIds, bytes[i]) : -1
  }
)
