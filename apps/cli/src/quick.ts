/**
 * The launcher's quick path for the commonest command, `dla analyse <path>` with at most `--json` and `--by-file`:
 * an input too small to pay for a counting thread (under `Embedded.threadBytes`, or any input on two cores or fewer)
 * is counted here by the sequential analyser, as `--sequential` counts it, without loading the CLI framework
 * (effect/cli) or the analyser engine: that loading was most of a small run's time (docs/benchmarks.md). Every other
 * invocation, a bigger input, a path that cannot be listed, a file that cannot be read, a launcher's rank environment
 * or `NATS_URL` go to the full program.
 */
import { availableParallelism } from "node:os"
import { threadBytes } from "@dla/analyser/Embedded"
import { DistributedContext, type FileError, LogFiles } from "@dla/core"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Result from "effect/Result"
import * as Diagnostics from "./internal/Diagnostics.ts"
import * as Exit from "./internal/Exit.ts"
import * as RunId from "./internal/RunId.ts"
import * as Sequential from "./internal/Sequential.ts"
import * as Stdio from "./internal/Stdio.ts"

/** What the launcher found in the arguments: `analyse <path>` with at most `--json` and `--by-file`. */
export interface Plain {
  readonly path: string
  readonly json: boolean
  readonly byFile: boolean
}

/** Whether the environment asks for more than this process alone: a rank of a launch, or NATS at `NATS_URL`. */
const shared = (env: NodeJS.ProcessEnv) => {
  if (env.NATS_URL) return true
  const decoded = DistributedContext.decode(env)
  // A malformed variable: the program says which.
  return Result.isFailure(decoded) || decoded.success.worldSize > 1
}

/**
 * The files to count: without a stat each (sizes are only wanted to choose a thread or not) unless a progress bar,
 * which shows bytes, is drawn.
 */
const listing = (path: string, onSkip: (error: FileError.FileError) => void) =>
  Stdio.stderrIsTerminal() ? LogFiles.list(path, { onSkip }) : LogFiles.find(path, { onSkip })

/** The results are written at once, without building stdout's stream (Stdio.ts); they are strings. */
const results: Console.Console = Object.assign(Object.create(console), {
  log: (...parts: ReadonlyArray<unknown>) => Stdio.out(`${parts.join(" ")}\n`)
})

/**
 * Cores above which counting threads pay for a big input. Since the scan kernel reads the levels, one thread counts
 * the 1.1 GB file in ~0.6 s (0.72 s of CPU) while the embedded engine's two threads spend 1.35-1.67 s of CPU on it
 * (thread start, engine, tasks): on two cores it cannot come out ahead (0.64 s against 1.06 s, median of 5, load 5;
 * docs/benchmarks.md).
 */
const THREADS_PAY_ABOVE = 2

/** Runs `dla analyse` on the quick path and returns its exit code, or undefined when it is the full program's. */
export const run = async (given: Plain, env = process.env): Promise<number | undefined> => {
  if (shared(env)) return undefined
  const skipped: Array<FileError.FileError> = []
  const listed = await Effect.runPromise(listing(given.path, (error) => skipped.push(error)).pipe(Effect.option))
  if (Option.isNone(listed)) return undefined
  const files = listed.value
  if (availableParallelism() > THREADS_PAY_ABOVE && LogFiles.holdsAtLeast(files, threadBytes)) return undefined
  const none = Option.none()
  const options = { ...given, format: none, include: [], exclude: [], baseline: none }
  const runId = RunId.runId(none, given.path, [], [])
  return Effect.runPromise(
    Sequential.run(options, runId, { files, skipped }).pipe(
      Effect.as<number | undefined>(Exit.ExitCode.ok),
      // A file that cannot be read stops the sequential analyser before it prints anything; the engine counts the
      // other files and names it, as a plain `dla analyse` always did: the program's job, then.
      Effect.catchTag("FileError", () => Effect.succeed(undefined)),
      Effect.catchCause((cause) => Exit.report(cause)),
      Effect.provideService(Console.Console, results),
      // The warnings (skipped files, mostly unread ones) wait for the logger's import: written before the exit.
      Effect.ensuring(Diagnostics.written)
    )
  )
}
