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
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
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

/**
 * Where the times live: `DLA_BASELINE_DIR`, else `$XDG_CACHE_HOME/dla/baselines` (~/.cache). Read from the
 * environment directly, not through effect's Config: its provider indexes every variable of the environment and
 * decodes through Schema, ~2 ms of each `dla analyse` start for two variables (docs/benchmarks.md, "Start-up").
 */
export const directory = (env: NodeJS.ProcessEnv = process.env): string =>
  env.DLA_BASELINE_DIR || join(env.XDG_CACHE_HOME || join(homedir(), ".cache"), "dla", "baselines")

const file = (dir: string, runId: string) => join(dir, `${runId}.json`)

/**
 * Records a sequential run's time, dated by the Clock; a cache that cannot be written (read-only home, full disk)
 * costs nothing but the later speedup, which then needs --baseline.
 */
export const record = (runId: string, input: Input, seconds: number, env = process.env): Effect.Effect<void> =>
  Effect.gen(function* () {
    const dir = directory(env)
    const at = yield* Clock.currentTimeMillis
    const value = {
      seconds,
      files: input.files,
      lines: input.counts.lines,
      bytes: input.counts.bytes,
      at: new Date(at).toISOString()
    }
    // Atomic: a concurrent reader never sees half a file. Not durable: a time lost to a power cut is measured again by
    // the next sequential run, while two fsyncs cost every `dla analyse` several ms (docs/benchmarks.md, "Start-up").
    yield* Effect.try(() => AtomicFile.writeSync(file(dir, runId), JSON.stringify(value), { durable: false }))
  }).pipe(Effect.ignore)

/** The recorded sequential seconds of this input, if a sequential run of exactly this input was recorded. */
export const recorded = (runId: string, input: Input, env = process.env): Effect.Effect<Option.Option<number>> =>
  Effect.try(() =>
    Schema.decodeUnknownSync(Schema.fromJsonString(Recorded))(readFileSync(file(directory(env), runId), "utf8"))
  ).pipe(
    Effect.map((value) => {
      const same =
        value.files === input.files && value.lines === input.counts.lines && value.bytes === input.counts.bytes
      return same && value.seconds > 0 ? Option.some(value.seconds) : Option.none()
    }),
    Effect.orElseSucceed(() => Option.none())
  )
