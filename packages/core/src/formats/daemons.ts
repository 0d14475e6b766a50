/**
 * Formats of daemons and libraries that jobs run next to: nginx's error log, Rust's env_logger, Slurm's
 * slurmd/slurmctld/slurmstepd, NCCL's debug output.
 */
import * as Level from "../Level.ts"
import {
  ascii,
  COLON,
  DASH,
  DOT,
  find,
  isBlank,
  isDigit,
  isLower,
  isTimestampish,
  isUpperWord,
  LEFT_BRACKET,
  logFormat,
  RIGHT_BRACKET,
  SLASH,
  SPACE,
  skipBlanks,
  startsWith,
  tokenEnd
} from "./shared.ts"

/**
 * nginx's error log, `2024/11/30 12:00:00 [error] 1234#0: *5 message`: the level is the bracket group after the
 * date and time (debug, info, notice, warn, error, crit, alert, emerg).
 */
export const nginx = logFormat(
  "nginx",
  "2024/11/30 12:00:00 [error] 1234#0: *5 connect() failed (111: Connection refused)",
  (bytes, start, end) => {
    if (
      bytes[start + 4] !== SLASH ||
      bytes[start + 7] !== SLASH ||
      bytes[start + 10] !== SPACE ||
      bytes[start + 13] !== COLON ||
      bytes[start + 19] !== SPACE ||
      bytes[start + 20] !== LEFT_BRACKET
    )
      return -1
    const close = find(bytes, RIGHT_BRACKET, start + 21, end)
    return close < 0 ? -1 : Level.idOfBytes(bytes, start + 21, close)
  }
)

const wordEnd = (bytes: Uint8Array, i: number, end: number) => {
  while (i < end && !isBlank(bytes[i]) && bytes[i] !== RIGHT_BRACKET) i++
  return i
}
/** Serilog's `INF` is the shortest level word this layout prints. */
const MIN_LEVEL_WORD = 3

/**
 * Rust's env_logger, `[2024-11-30T12:00:00Z WARN  app::db] message` (the timestamp may be off:
 * `[WARN  app::db] message`); Serilog's console `[12:00:00 INF] message` has the same shape. The level is the
 * upper-case word after the timestamp, inside the first bracket.
 */
export const rust = logFormat("rust", "[2024-11-30T12:00:00Z WARN  app::db] message", (bytes, start, end) => {
  if (bytes[start] !== LEFT_BRACKET) return -1
  let i = start + 1
  let wordStop = wordEnd(bytes, i, end)
  if (isBlank(bytes[wordStop]) && isTimestampish(bytes, i, wordStop)) {
    i = skipBlanks(bytes, wordStop, end)
    wordStop = wordEnd(bytes, i, end)
  }
  if (wordStop - i < MIN_LEVEL_WORD || wordStop >= end || !isUpperWord(bytes, i, wordStop)) return -1
  return Level.idOfBytes(bytes, i, wordStop)
})

const INFO = Level.id("INFO")
const STEP_LENGTH = 40

/**
 * Slurm's daemons (slurmctld, slurmd, slurmstepd), `[2024-11-30T12:00:00.123] error: message`. Slurm's `log.c`
 * prefixes the message with `fatal: `, `error: `, `debug: ` ... `debug5: ` by level, and writes `info()` and
 * `verbose()` messages with no prefix: so after the ISO timestamp (and slurmstepd's `[123.batch]` step), a lower-case
 * level word with a colon is the level, and any other message is INFO.
 */
export const slurm = logFormat(
  "slurm",
  "[2024-11-30T12:00:00.123] error: Node gpu-01 not responding",
  (bytes, start, end) => {
    // The timestamp is one ISO word: `2024-11-30T12:00:00.123`, maybe with a zone.
    if (bytes[start] !== LEFT_BRACKET || bytes[start + 5] !== DASH || bytes[start + 11] !== 0x54) return -1
    const close = find(bytes, RIGHT_BRACKET, start + 12, Math.min(end, start + STEP_LENGTH))
    if (close < 0 || bytes[close + 1] !== SPACE || !isTimestampish(bytes, start + 1, close)) return -1
    let i = close + 2
    if (bytes[i] === LEFT_BRACKET) {
      // slurmstepd's `[123.0] `, `[123.batch] `, `[123+0.extern] `
      const step = find(bytes, RIGHT_BRACKET, i + 1, Math.min(end, i + STEP_LENGTH))
      if (step < 0 || !isDigit(bytes[i + 1]) || find(bytes, DOT, i + 1, step) < 0 || bytes[step + 1] !== SPACE)
        return -1
      i = step + 2
    }
    if (bytes[i] === LEFT_BRACKET) return -1
    let letters = i
    while (letters < end && isLower(bytes[letters])) letters++
    let colon = letters
    while (colon < end && isDigit(bytes[colon])) colon++
    if (letters > i && bytes[colon] === COLON && colon < end) {
      const id = Level.idOfBytes(bytes, i, letters)
      if (id >= 0) return id
    }
    return INFO
  }
)

const NCCL = ascii("NCCL ")

/**
 * NCCL's `NCCL_DEBUG` output, `host:pid:tid [cudaDev] NCCL INFO message` and, for warnings, with the source first:
 * `node-1:2375341:2375387 [0] init.cc:573 NCCL WARN Duplicate GPU detected`. The level is the word after `NCCL`.
 */
export const nccl = logFormat(
  "nccl",
  "node-1:2375341:2375387 [0] init.cc:573 NCCL WARN Duplicate GPU detected : rank 1 and rank 0 both on CUDA device 1000",
  (bytes, start, end) => {
    // `host:pid:tid`: the word ends in `:<digits>`.
    const host = tokenEnd(bytes, start, end)
    if (host === start || !isDigit(bytes[host - 1])) return -1
    let i = skipBlanks(bytes, host, end)
    if (bytes[i] !== LEFT_BRACKET || !isDigit(bytes[i + 1])) return -1
    const device = find(bytes, RIGHT_BRACKET, i + 1, Math.min(end, i + 8))
    if (device < 0) return -1
    i = skipBlanks(bytes, device + 1, end)
    if (!startsWith(bytes, i, end, NCCL)) i = skipBlanks(bytes, tokenEnd(bytes, i, end), end)
    if (!startsWith(bytes, i, end, NCCL)) return -1
    i += NCCL.length
    return Level.idOfBytes(bytes, i, tokenEnd(bytes, i, end))
  }
)
