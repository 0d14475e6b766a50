/**
 * Stdout and stderr without building their streams when a run does not need them. Node builds `process.stdout` and
 * `process.stderr` the first time they are read; for a pipe that loads node:net and the stream modules, ~5-9 ms of a
 * plain `dla analyse` that takes ~30 ms above Node's own start (docs/benchmarks.md, "No stdio streams on the quick path"). The
 * quick path asks whether stderr is a terminal with a stat, writes its results with blocking writes, and the
 * launcher waits at exit only for the streams something did build.
 */
import { fstatSync, writeSync } from "node:fs"

/**
 * Whether stderr is a terminal. A pipe or a file cannot be one, and a stat tells those apart without the stream; a
 * character device (a terminal, or /dev/null) is asked through the stream.
 */
export const stderrIsTerminal = (): boolean => {
  try {
    // A bigint stat: a plain one of a pipe leaves its type in the array Node's realpath reads back, and every import
    // of a symlinked package after it resolves to the link (nodejs/node#51142; test/Stdio.test.ts).
    if (!fstatSync(2, { bigint: true }).isCharacterDevice()) return false
  } catch {
    return false // stderr closed
  }
  return process.stderr.isTTY === true
}

let throughStream = false

/**
 * Writes `text` to stdout at once. A write that cannot be done at once (a non-blocking pipe that is full) or fails
 * hands the rest to `process.stdout`, which waits or reports as it always did; so do all writes after it, in order.
 * (Not the logger's FdWriter, which waits out a full pipe itself: the quick path does not load the logger.)
 */
export const out = (text: string): void => {
  if (throughStream) {
    process.stdout.write(text)
    return
  }
  const bytes = Buffer.from(text)
  let written = 0
  try {
    while (written < bytes.length) written += writeSync(1, bytes, written)
  } catch {
    throughStream = true
    process.stdout.write(bytes.subarray(written))
  }
}

const built = new Set<"stdout" | "stderr">()
let watched = false

/**
 * Notes which of `process.stdout` and `process.stderr` get built from now on (Node defines them as getters; a runtime
 * that does not is taken to have built both).
 */
export const watch = (): void => {
  for (const name of ["stdout", "stderr"] as const) {
    const descriptor = Object.getOwnPropertyDescriptor(process, name)
    const get = descriptor?.get
    if (get === undefined || descriptor?.configurable !== true) return
    Object.defineProperty(process, name, {
      ...descriptor,
      get() {
        built.add(name)
        return get.call(process)
      }
    })
  }
  watched = true
}

/**
 * Calls `then` once the streams that were built have taken everything written to them (the empty writes call back
 * after the writes before them; pipes are asynchronous on macOS), or at once when none was.
 */
export const whenWritten = (then: () => void): void => {
  const names = (["stdout", "stderr"] as const).filter((name) => !watched || built.has(name))
  const next = (i: number): void => (i < names.length ? void process[names[i]!].write("", () => next(i + 1)) : then())
  next(0)
}
