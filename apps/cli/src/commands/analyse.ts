/**
 * `dla analyse <path>`: count the levels of a log file or of every file under a directory. By default on every core
 * of this machine (the embedded master/worker engine on worker threads, no NATS needed); `--nats` runs the same
 * master and workers over NATS JetStream (other machines' `dla worker`s may join); `--sequential` counts in one thread.
 */
import { availableParallelism } from "node:os"
import { type AnalyserError, Distributed, Embedded, Fence } from "@dla/analyser"
import { DirectoryAnalysis, type FileError, type LogFormat } from "@dla/core"
import * as Console from "effect/Console"
import * as Argument from "effect/cli/Argument"
import * as CliError from "effect/cli/CliError"
import * as Command from "effect/cli/Command"
import * as Flag from "effect/cli/Flag"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import * as Flags from "../Flags.ts"
import type * as Failure from "../internal/Failure.ts"
import * as FollowRun from "../internal/FollowRun.ts"
import * as Nats from "../internal/Nats.ts"
import * as Progress from "../internal/Progress.ts"
import * as Results from "../internal/Results.ts"
import * as Run from "../internal/Run.ts"
import * as Watch from "../internal/Watch.ts"
import * as Report from "../Report.ts"

export class NoLogFiles extends Schema.TaggedError<NoLogFiles>()("NoLogFiles", {
  path: Schema.String,
  skipped: Schema.Number
}) {
  override get message(): string {
    const why = this.skipped > 0 ? `${this.skipped} skipped, see above` : "check --include and --exclude"
    return `${this.path}: no log files to analyse (${why})`
  }
}

export const analyse = Command.make(
  "analyse",
  {
    path: Argument.String("path").pipe(Argument.withDescription("A log file, or a directory searched recursively")),
    format: Flags.format,
    include: Flags.include,
    exclude: Flags.exclude,
    json: Flags.json,
    workers: Run.atLeastOne(Flag.Int("workers").pipe(Flag.optional), "workers").pipe(
      Flag.withDescription("Workers (threads) counting in parallel (default: one per core)")
    ),
    sequential: Run.toggle("sequential", "Count in this thread, one file after another (the baseline)"),
    nats: Flag.String("nats").pipe(
      Flag.optional,
      Flag.withDescription(
        "Run the master and the workers over NATS JetStream at these URL(s) (with --follow: publish the live counts there)"
      )
    ),
    ...Nats.options,
    ...Run.flags,
    checkpointDir: Flag.String("checkpoint-dir").pipe(
      Flag.optional,
      Flag.withDescription("Also save checkpoints under this directory (resumable with the same arguments)")
    ),
    ...Watch.flags,
    follow: Run.toggle("follow", "Keep counting as files grow, rotate and appear (tail -F) until Ctrl-C or --for"),
    interval: Run.positive("interval", 1, "With --follow: seconds between two looks at the files"),
    for: Flag.Finite("for").pipe(
      Flag.filter(
        (n: number) => n > 0,
        (n: number) => `--for must be above 0, got ${n}`
      ),
      Flag.optional,
      Flag.withDescription("With --follow: stop after this many seconds and print the results")
    )
  },
  (
    args
  ): Effect.Effect<
    void,
    | AnalyserError.AnalyserError
    | FileError.FileError
    | NoLogFiles
    | Nats.NatsUnavailable
    | Run.IncompleteCounts
    | CliError.ValidationError
    | Failure.Failure
  > => {
    if (args.sequential && args.dashboard) {
      return new CliError.ValidationError({
        message: "--dashboard watches the master/worker engine: drop --sequential"
      })
    }
    if (args.follow) return FollowRun.run(args)
    if (Option.isSome(args.for)) return new CliError.ValidationError({ message: "--for goes with --follow" })
    if (args.sequential) return sequential(args)
    const workers = Option.getOrElse(args.workers, availableParallelism)
    return Effect.gen(function* () {
      const progress = Run.progress()
      const runId = Run.runId(args.run, args.path, args.include, args.exclude)
      const watched = Watch.make(runId, progress.onEvent)
      yield* Watch.dashboard(watched, args)
      const options = {
        ...Run.masterOptions(args, watched.onEvent),
        runId,
        root: args.path,
        include: args.include,
        exclude: args.exclude,
        checkpointDir: Option.getOrUndefined(args.checkpointDir)
      }
      const format = Option.getOrUndefined(Option.map(args.format, Run.formatSpec))
      const summary = yield* Option.match(args.nats, {
        onNone: () => Embedded.run({ ...options, workers, format }),
        onSome: (servers) =>
          Effect.gen(function* () {
            const nc = yield* Nats.connection(servers, args)
            yield* Watch.publish(nc, watched)
            // This process's own workers, each on its own thread; workers elsewhere may join the run too.
            const local = yield* Effect.forEach(Array.from({ length: workers }), (_, i) =>
              Distributed.worker(nc, {
                runId: options.runId,
                once: true,
                format,
                thread: true,
                workerId: `${options.runId}-local-${i + 1}`
              }).pipe(Effect.forkScoped)
            )
            const summary = yield* Distributed.master(nc, options).pipe(Effect.provide(Fence.layerUnfenced))
            // Every task has its result and the queue is gone: nothing is left for them (and a local worker that
            // never got to join, other workers being quicker, must not keep the command from returning).
            yield* Fiber.interruptAll(local)
            return summary
          }).pipe(Effect.scoped)
      }).pipe(watched.track, (e) => Run.ensureFinished(e, progress.finish))
      if (summary.filesProcessed === 0) {
        return yield* new NoLogFiles({ path: args.path, skipped: summary.failedTasks.length })
      }
      yield* Run.report(summary, {
        json: args.json,
        baseline: args.baseline,
        mode: Option.isSome(args.nats) ? "nats" : "embedded",
        workers
      })
      yield* Run.failOnUnreadable(summary)
      // On a terminal the page of the finished run stays up until Ctrl-C; scripts go on at once.
      if (args.dashboard && process.stdin.isTTY && process.stdout.isTTY) {
        yield* Console.error("dla: run finished; the dashboard stays up until Ctrl-C")
        yield* Effect.never
      }
    }).pipe(Effect.scoped)
  }
).pipe(
  Command.withAlias("analyze"),
  Command.withDescription("Count log levels of a file or directory, on every core (or over NATS with --nats).")
)

/** The sequential analyser (core's), in this thread: the baseline the parallel engines are measured against. */
const sequential = (args: {
  readonly path: string
  readonly format: Option.Option<LogFormat.LogFormat>
  readonly include: ReadonlyArray<string>
  readonly exclude: ReadonlyArray<string>
  readonly json: boolean
  readonly baseline: Option.Option<number>
}) =>
  Effect.gen(function* () {
    const { path, format, include, exclude, json } = args
    const progress = Progress.make()
    const result = yield* DirectoryAnalysis.analyse(path, {
      format: Option.getOrUndefined(format),
      include,
      exclude,
      onProgress: (p) => progress.update(p.bytes, p.totalBytes, `${p.files}/${p.totalFiles} files`)
    }).pipe(Effect.ensuring(Effect.sync(progress.finish)))
    for (const skipped of result.skipped) yield* Console.error(`dla: skipped ${skipped.message}`)
    if (result.files.length === 0) return yield* new NoLogFiles({ path, skipped: result.skipped.length })
    const results: Report.Results = {
      counts: result.counts,
      filesProcessed: result.files.length,
      durationMs: result.durationMs,
      extra:
        result.skipped.length > 0 ? [{ label: "Files skipped", key: "filesSkipped", value: result.skipped.length }] : []
    }
    yield* Console.log(
      json
        ? Results.print({
            mode: "sequential",
            ...results,
            filesSkipped: result.skipped.length,
            workers: 1,
            baseline: args.baseline
          })
        : Report.render(results)
    )
  })
