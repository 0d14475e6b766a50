/**
 * Sample logs: `[timestamp] [LEVEL] message`, levels INFO/WARN/ERROR/DEBUG picked at random, one of eight messages.
 * Two styles: dla's (`log_01.log` ..., timestamps to the second, messages free of level words) and the assignment's
 * `utils/generate_logs.py` (`node1.log` ..., its eight messages, `datetime.isoformat()` timestamps with microseconds).
 * Seeded, so a run is reproducible.
 *
 * @since 0.1.0
 */
import { mkdir, open } from "node:fs/promises"
import { join } from "node:path"
import * as Effect from "effect/Effect"
import * as FileError from "./FileError.ts"
import * as Random from "./Random.ts"

/**
 * The levels the generated lines carry.
 *
 * @since 0.1.0
 * @category constants
 */
export const levels = ["INFO", "WARN", "ERROR", "DEBUG"] as const

/**
 * dla's eight messages: messages a service really logs, none containing a level word.
 *
 * @since 0.1.0
 * @category constants
 */
export const messages = [
  "User login successful",
  "Database connection established",
  "Request processed in 42 ms",
  "Cache miss for session key",
  "Retrying connection to upstream service",
  "Disk usage above 85 percent",
  "Timeout while waiting for response",
  "Configuration reloaded from disk"
] as const

/**
 * The assignment generator's `MESSAGES`, in its order.
 *
 * @since 0.1.0
 * @category constants
 */
export const assignmentMessages = [
  "Connection established",
  "Request processed",
  "Database query executed",
  "Cache miss",
  "Authentication failed",
  "Disk read failed",
  "Memory allocation error",
  "Network timeout"
] as const

/**
 * `dla` (default) or `assignment`: the files of the assignment's `utils/generate_logs.py`.
 *
 * @since 0.1.0
 * @category models
 */
export type Style = "dla" | "assignment"

/**
 * Every generator style.
 *
 * @since 0.1.0
 * @category constants
 */
export const styles: ReadonlyArray<Style> = ["dla", "assignment"]

/**
 * What to generate: the style, how many files and lines, the seed, the first timestamp, progress.
 *
 * @since 0.1.0
 * @category models
 */
export interface GenerateOptions {
  /** Whose files: dla's (default) or the assignment generator's. */
  readonly style?: Style | undefined
  /** Number of files (default 10). */
  readonly files?: number
  /** Lines per file (default 5000). */
  readonly lines?: number
  /** Seed of the random choices (default 1). */
  readonly seed?: number
  /** Timestamp of each file's first line (default 2025-01-01T00:00:00Z); later lines advance 0-2 s. */
  readonly start?: Date
  /** Called as text is written (about every MB and at each file's end) with the lines and bytes written so far. */
  readonly onProgress?: (written: { readonly lines: number; readonly bytes: number }) => void
}

/**
 * A generated file: its path, lines and bytes.
 *
 * @since 0.1.0
 * @category models
 */
export interface GeneratedFile {
  readonly path: string
  readonly lines: number
  readonly bytes: number
}

/**
 * The name of file `index` (0-based) of `files`, zero-padded so that names sort in generation order.
 *
 * @since 0.1.0
 * @category naming
 */
export const fileName = (index: number, files: number): string =>
  `log_${String(index + 1).padStart(Math.max(2, String(files).length), "0")}.log`

/**
 * The assignment generator's name of file `index` (0-based): `node1.log`, `node2.log`, ...
 *
 * @since 0.1.0
 * @category naming
 */
export const assignmentFileName = (index: number): string => `node${index + 1}.log`

interface Layout {
  readonly name: (index: number, files: number) => string
  readonly messages: ReadonlyArray<string>
  /** Each line advances the clock by 0 to `steps - 1` units of `unitMicros`. */
  readonly steps: number
  readonly unitMicros: number
  readonly stamp: (micros: number) => string
}

const layouts: Record<Style, Layout> = {
  // `2025-01-01T00:00:00`: ISO 8601 to the second; lines advance 0-2 s.
  dla: { name: fileName, messages, steps: 3, unitMicros: 1_000_000, stamp: (us) => isoSeconds(us) },
  // Python's `datetime.now().isoformat()`: microseconds, which it leaves out when they are exactly 0.
  assignment: {
    name: assignmentFileName,
    messages: assignmentMessages,
    steps: 1000,
    unitMicros: 1,
    stamp: (us) =>
      us % 1_000_000 === 0 ? isoSeconds(us) : `${isoSeconds(us)}.${String(us % 1_000_000).padStart(6, "0")}`
  }
}

const isoSeconds = (micros: number): string => new Date(Math.floor(micros / 1000)).toISOString().slice(0, 19)

const FLUSH_AT = 1 << 20

/**
 * Writes the files into `dir` (created when missing) and returns what it wrote.
 *
 * @since 0.1.0
 * @category generation
 */
export const generate = (
  dir: string,
  options: GenerateOptions = {}
): Effect.Effect<Array<GeneratedFile>, FileError.FileError> => {
  const files = options.files ?? 10
  const lines = options.lines ?? 5000
  const seed = options.seed ?? 1
  const start = (options.start ?? new Date("2025-01-01T00:00:00Z")).getTime() * 1000
  const layout = layouts[options.style ?? "dla"]
  return Effect.gen(function* () {
    yield* Effect.tryPromise({
      try: () => mkdir(dir, { recursive: true }),
      catch: (cause) => FileError.fromSystemError(dir, cause, "Unwritable")
    })
    const written: Array<GeneratedFile> = []
    const total = { lines: 0, bytes: 0 }
    const report = (lines: number, bytes: number) =>
      options.onProgress?.({ lines: total.lines + lines, bytes: total.bytes + bytes })
    for (let index = 0; index < files; index++) {
      const path = join(dir, layout.name(index, files))
      const bytes = yield* Effect.tryPromise({
        try: () => writeFile(path, lines, Random.derive(seed, index), start, layout, report),
        catch: (cause) => FileError.fromSystemError(path, cause, "Unwritable")
      })
      written.push({ path, lines, bytes })
      total.lines += lines
      total.bytes += bytes
    }
    return written
  })
}

const writeFile = async (
  path: string,
  lines: number,
  random: Random.Random,
  start: number,
  layout: Layout,
  report: (lines: number, bytes: number) => void
): Promise<number> => {
  const handle = await open(path, "w")
  try {
    let time = start
    let stamp = layout.stamp(time)
    let text = ""
    let bytes = 0
    for (let i = 0; i < lines; i++) {
      const step = random.int(layout.steps)
      if (step > 0) {
        time += step * layout.unitMicros
        stamp = layout.stamp(time)
      }
      text += `[${stamp}] [${levels[random.int(levels.length)]}] ${layout.messages[random.int(layout.messages.length)]}\n`
      if (text.length >= FLUSH_AT) {
        bytes += (await handle.write(text)).bytesWritten
        text = ""
        report(i + 1, bytes)
      }
    }
    if (text.length > 0) bytes += (await handle.write(text)).bytesWritten
    report(lines, bytes)
    return bytes
  } finally {
    await handle.close()
  }
}
