/**
 * A lock file holding its owner's pid: taken with an exclusive create, taken over when its owner is dead, given up
 * only by its owner.
 */
import * as fs from "node:fs"
import * as Data from "effect/Data"

/**
 * Another live process aggregates into the same node file: two would write every line twice.
 *
 * @since 0.1.0
 * @category errors
 */
export class AggregatorBusy extends Data.TaggedError("AggregatorBusy")<{
  readonly file: string
  readonly pid: number
  readonly message: string
}> {}

const errorCode = (error: unknown): string | undefined =>
  error instanceof Error && "code" in error && typeof error.code === "string" ? error.code : undefined

/** Whether `pid` runs. Anything but "no such process" (EPERM: alive under another user) counts as alive. */
export const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    // Never delete unread data on a doubt.
    return errorCode(error) !== "ESRCH"
  }
}

/**
 * Takes `<file>.lock` for this process (again, if it already holds it). A lock whose process is dead is taken
 * over; one held by a live process is an {@link AggregatorBusy}.
 */
export const lock = (file: string): string => {
  const lockFile = `${file}.lock`
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      fs.writeFileSync(lockFile, `${process.pid}`, { flag: "wx" })
      return lockFile
    } catch (error) {
      if (errorCode(error) !== "EEXIST") throw error
    }
    let holder: number
    try {
      holder = Number(fs.readFileSync(lockFile, "utf8"))
    } catch {
      continue // released in between: try again
    }
    if (holder === process.pid) return lockFile
    if (Number.isInteger(holder) && holder > 0 && isAlive(holder)) {
      throw new AggregatorBusy({ file, pid: holder, message: `process ${holder} already aggregates into ${file}` })
    }
    fs.rmSync(lockFile, { force: true })
  }
  throw new AggregatorBusy({ file, pid: 0, message: `cannot take ${lockFile}: other aggregators keep starting` })
}

/** Gives up `lockFile` if this process holds it. */
export const unlock = (lockFile: string) => {
  try {
    if (Number(fs.readFileSync(lockFile, "utf8")) === process.pid) fs.rmSync(lockFile, { force: true })
  } catch {
    // Already gone: nothing to give up.
  }
}
