/**
 * A one-line progress bar on stderr with rate and ETA, drawn only when stderr is a terminal (never in pipes, files
 * or CI logs): `[#######.......] 45% 680 MB of 1.5 GB · 92.4 MB/s · ETA 9 s · 3/12 files`.
 */
import * as Report from "../Report.ts"
import * as Stdio from "./Stdio.ts"

export interface Progress {
  /** Redraws the bar at `done` of `total` (in the bar's unit) with a short note after it. */
  readonly update: (done: number, total: number, note: string) => void
  /** Clears the bar so the results print on a clean line. */
  readonly finish: () => void
  /** Whether it draws at all (stderr is a terminal): a caller skips the work of telling it otherwise. */
  readonly drawing: boolean
}

/** What `done` and `total` count: bytes (shown as kB/MB/GB) or lines. */
export type Unit = "bytes" | "lines"

export interface Options {
  readonly unit?: Unit
  /** The clock (epoch ms); tests pass their own. */
  readonly now?: () => number
}

const WIDTH = 30
const REDRAW_EVERY_MS = 100
// The rate is measured over the last few seconds, so a slow start or a pause does not skew the ETA for long.
const RATE_WINDOW_MS = 5000

const silent: Progress = { update: () => {}, finish: () => {}, drawing: false }

/** `1.5 GB`, `680 MB`, `12 kB`, `900 B`: decimal units, as disks and `ls -h --si` count. */
export const bytes = (n: number): string => {
  const units = ["B", "kB", "MB", "GB", "TB"]
  let value = n
  let unit = 0
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000
    unit++
  }
  return `${unit === 0 || value >= 100 ? Math.round(value) : value.toFixed(1)} ${units[unit]}`
}

/** `9 s`, `2 min 05 s`, `1 h 02 min`, `7 d 00 h`. */
export const duration = (seconds: number): string => {
  const s = Math.max(0, Math.round(seconds))
  if (s < 60) return `${s} s`
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, "0")} s`
  if (s < 86_400) return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, "0")} min`
  return `${Math.floor(s / 86_400)} d ${String(Math.floor((s % 86_400) / 3600)).padStart(2, "0")} h`
}

/** The text after the bar: share, amounts, rate and ETA (once a rate is known), then `note`. */
export const describe = (done: number, total: number, rate: number | undefined, unit: Unit, note: string): string => {
  const amount = unit === "bytes" ? bytes : (n: number) => `${Report.thousands(Math.round(n))} lines`
  const share = total === 0 ? 100 : Math.floor((100 * done) / total)
  const parts = [`${share}% ${amount(done)} of ${amount(total)}`]
  if (rate !== undefined && rate > 0) {
    parts.push(`${unit === "bytes" ? `${bytes(rate)}/s` : `${Report.thousands(Math.round(rate))} lines/s`}`)
    if (done < total) parts.push(`ETA ${duration((total - done) / rate)}`)
  }
  if (note !== "") parts.push(note)
  return parts.join(" · ")
}

export const make = (to?: NodeJS.WriteStream, options: Options = {}): Progress => {
  // Without a stream given, stderr's is built only when it is drawn on (Stdio.ts).
  if (to === undefined ? !Stdio.stderrIsTerminal() : !to.isTTY) return silent
  const stream = to ?? process.stderr
  const now = options.now ?? Date.now
  const unit = options.unit ?? "bytes"
  const samples: Array<{ readonly at: number; readonly done: number }> = []
  let drawnAt = 0
  let drawn = false
  const rate = (at: number, done: number) => {
    samples.push({ at, done })
    while (samples.length > 2 && at - samples[1]!.at >= RATE_WINDOW_MS) samples.shift()
    const first = samples[0]!
    return at > first.at ? ((done - first.done) * 1000) / (at - first.at) : undefined
  }
  return {
    drawing: true,
    update: (done, total, note) => {
      const at = now()
      if (done < total && drawn && at - drawnAt < REDRAW_EVERY_MS) return
      const perSecond = rate(at, done)
      drawnAt = at
      drawn = true
      const filled = total === 0 ? WIDTH : Math.min(WIDTH, Math.round((done / total) * WIDTH))
      stream.write(
        `\r[${"#".repeat(filled)}${".".repeat(WIDTH - filled)}] ${describe(done, total, perSecond, unit, note)}\x1b[K`
      )
    },
    finish: () => {
      if (drawn) stream.write("\r\x1b[K")
    }
  }
}

/** `3/12 files`, or nothing for one file (split into byte ranges, its bytes tell the progress). */
export const files = (done: number, total: number): string =>
  total > 1 ? `${Report.thousands(done)}/${Report.thousands(total)} files` : ""

/** Joins the parts of a note that say something. */
export const note = (...parts: ReadonlyArray<string>): string => parts.filter((part) => part !== "").join(" · ")
