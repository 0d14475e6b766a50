/**
 * A one-line progress bar on stderr, drawn only when stderr is a terminal (never in pipes, files or CI logs).
 */

export interface Progress {
  /** Redraws the bar at `done` of `total` with a short note after it. */
  readonly update: (done: number, total: number, note: string) => void
  /** Clears the bar so the results print on a clean line. */
  readonly finish: () => void
}

const WIDTH = 30
const REDRAW_EVERY_MS = 100

const silent: Progress = { update: () => {}, finish: () => {} }

export const make = (stream: NodeJS.WriteStream = process.stderr): Progress => {
  if (!stream.isTTY) return silent
  let drawnAt = 0
  let drawn = false
  return {
    update: (done, total, note) => {
      const now = Date.now()
      if (done < total && now - drawnAt < REDRAW_EVERY_MS) return
      drawnAt = now
      drawn = true
      const filled = total === 0 ? WIDTH : Math.round((done / total) * WIDTH)
      stream.write(`\r[${"#".repeat(filled)}${".".repeat(WIDTH - filled)}] ${note}\x1b[K`)
    },
    finish: () => {
      if (drawn) stream.write("\r\x1b[K")
    }
  }
}
