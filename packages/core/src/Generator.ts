/**
 * Sample logs like the seed assignment's generator: `[timestamp] [LEVEL] message`, levels INFO/WARN/ERROR/DEBUG
 * picked at random, one of eight messages, files `log_01.log` ... in one directory. Seeded, so a run is reproducible.
 *
 * @since 0.1.0
 */
import { mkdir, open } from "node:fs/promises"
import { join } from "node:path"
import * as Effect from "effect/Effect"
import * as FileError from "./FileError.ts"
import * as Random from "./Random.ts"

export const levels = ["INFO", "WARN", "ERROR", "DEBUG"] as const

/**
 * The eight messages. The seed's own list could not be found; these are eight messages a service really logs,
 * none of which contains a level word (so a message never changes the count of a line).
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

export interface GenerateOptions {
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

export interface GeneratedFile {
  readonly path: string
  readonly lines: number
  readonly bytes: number
}

/** The name of file `index` (0-based) of `files`, zero-padded so that names sort in generation order. */
export const fileName = (index: number, files: number): string =>
  `log_${String(index + 1).padStart(Math.max(2, String(files).length), "0")}.log`

const FLUSH_AT = 1 << 20

/** Writes the files into `dir` (created when missing) and returns what it wrote. */
export const generate = (
  dir: string,
  options: GenerateOptions = {}
): Effect.Effect<Array<GeneratedFile>, FileError.FileError> => {
  const files = options.files ?? 10
  const lines = options.lines ?? 5000
  const seed = options.seed ?? 1
  const start = (options.start ?? new Date("2025-01-01T00:00:00Z")).getTime()
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
      const path = join(dir, fileName(index, files))
      const bytes = yield* Effect.tryPromise({
        try: () => writeFile(path, lines, Random.derive(seed, index), start, report),
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
  report: (lines: number, bytes: number) => void
): Promise<number> => {
  const handle = await open(path, "w")
  try {
    let time = start
    let stamp = formatTime(time)
    let text = ""
    let bytes = 0
    for (let i = 0; i < lines; i++) {
      const step = random.int(3)
      if (step > 0) {
        time += step * 1000
        stamp = formatTime(time)
      }
      text += `[${stamp}] [${levels[random.int(levels.length)]}] ${messages[random.int(messages.length)]}\n`
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

// `2025-01-01T00:00:00`: ISO 8601 to the second, as the seed prints it.
const formatTime = (ms: number): string => new Date(ms).toISOString().slice(0, 19)
