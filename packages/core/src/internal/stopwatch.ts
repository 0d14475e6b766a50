/**
 * Milliseconds from an arbitrary start, for the durations the results report. `process.hrtime` rather than
 * `performance.now()`: the first read of the `performance` global loads Node's perf_hooks, ~1.5 ms of CPU in a CLI
 * start that counts a few small files (docs/benchmarks.md, "Start-up (startup helper)"). Node, Bun and Deno have it.
 */
import process from "node:process"

export const now = (): number => {
  const [seconds, nanos] = process.hrtime()
  return seconds * 1e3 + nanos / 1e6
}
