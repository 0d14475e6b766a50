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
import * as Config from "effect/Config"
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

/** Where the times live: `DLA_BASELINE_DIR`, else `$XDG_CACHE_HOME/dla/baselines` (~/.cache), read through Config. */
export const directory: Config.Config<string> = Config.all([
  Config.option(Config.String("DLA_BASELINE_DIR")),
  Config.option(Config.String("XDG_CACHE_HOME"))
]).pipe(
  Config.map(([dir, cache]) =>
    Option.getOrElse(dir, () =>
      join(
        Option.getOrElse(cache, () => join(homedir(), ".cache")),
        "dla",
        "baselines"
      )
    )
  )
)

const file = (dir: string, runId: string) => join(dir, `${runId}.json`)

/**
 * Records a sequential run's time, dated by the Clock; a cache that cannot be written (read-only home, full disk)
 * costs nothing but the later speedup, which then needs --baseline.
 */
export const record = (runId: string, input: Input, seconds: number): Effect.Effect<void> =>
  Effect.gen(function* () {
    const dir = yield* directory
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
export const recorded = (runId: string, input: Input): Effect.Effect<Option.Option<number>> =>
  Effect.flatMap(directory, (dir) =>
    Effect.try(() => Schema.decodeUnknownSync(Schema.fromJsonString(Recorded))(readFileSync(file(dir, runId), "utf8")))
  ).pipe(
    Effect.map((value) => {
      const same =
        value.files === input.files && value.lines === input.counts.lines && value.bytes === input.counts.bytes
      return same && value.seconds > 0 ? Option.some(value.seconds) : Option.none()
    }),
    Effect.orElseSucceed(() => Option.none())
  )
