/**
 * The sequential time of an input, recorded by `dla analyse --sequential` so that a later parallel or distributed
 * run of the same input prints the assignment's `Speedup` (sequential time / parallel time) without `--baseline`.
 * One small JSON file per run id in `$XDG_CACHE_HOME/dla/baselines` (`DLA_BASELINE_DIR` overrides it); it counts
 * only for the same input: the same files, lines and bytes.
 */
import { readFileSync } from "node:fs"
import { homedir } from "node:os"
import { join } from "node:path"
import { AtomicFile, type Counts } from "@dla/core"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"

const Recorded = Schema.Struct({
  seconds: Schema.Number,
  files: Schema.Number,
  lines: Schema.Number,
  bytes: Schema.Number,
  at: Schema.String
})

/** What identifies the input a time was measured on. */
export interface Input {
  readonly files: number
  readonly counts: Counts.Counts
}

export const dir = (env: NodeJS.ProcessEnv = process.env) =>
  env.DLA_BASELINE_DIR || join(env.XDG_CACHE_HOME || join(homedir(), ".cache"), "dla", "baselines")

const file = (runId: string, env?: NodeJS.ProcessEnv) => join(dir(env), `${runId}.json`)

/** Records a sequential run's time; a cache that cannot be written costs nothing but the later speedup. */
export const record = (runId: string, input: Input, seconds: number, env?: NodeJS.ProcessEnv): void => {
  try {
    const value = {
      seconds,
      files: input.files,
      lines: input.counts.lines,
      bytes: input.counts.bytes,
      at: new Date().toISOString()
    }
    // Atomic: a concurrent reader never sees half a file.
    AtomicFile.writeSync(file(runId, env), JSON.stringify(value))
  } catch {
    // Read-only home, full disk: the speedup needs --baseline then.
  }
}

/** The recorded sequential seconds of this input, if a sequential run of exactly this input was recorded. */
export const recorded = (runId: string, input: Input, env?: NodeJS.ProcessEnv): Option.Option<number> => {
  try {
    const value = Schema.decodeUnknownSync(Schema.fromJsonString(Recorded))(readFileSync(file(runId, env), "utf8"))
    const same = value.files === input.files && value.lines === input.counts.lines && value.bytes === input.counts.bytes
    return same && value.seconds > 0 ? Option.some(value.seconds) : Option.none()
  } catch {
    return Option.none()
  }
}
