/**
 * `dla analyse <path>`: count the levels of a log file or of every file under a directory. By default on every core
 * of this machine (the embedded master/worker engine on worker threads, no NATS needed); `--nats` runs the same
 * master and workers over NATS JetStream (other machines' `dla worker`s may join); `--sequential` counts in one thread.
 */
import { availableParallelism } from "node:os"
import { type AnalyserError, Distributed, Embedded, Fence } from "@dla/analyser"
import { DirectoryAnalysis, type FileError, LogFormat } from "@dla/core"
import { Console, Effect, Fiber, Option, Schema } from "effect"
import { Argument, CliError, Command, Flag } from "effect/cli"
import type * as Failure from "../internal/Failure.ts"
import * as Nats from "../internal/Nats.ts"
import * as Progress from "../internal/Progress.ts"
import * as Run from "../internal/Run.ts"
import * as Watch from "../internal/Watch.ts"
import * as Report from "../Report.ts"

export class NoLogFiles extends Schema.TaggedError<NoLogFiles>()("NoLogFiles", { path: Schema.String }) {
  override get message(): string {
    return `${this.path}: no log files to analyse (check --include and --exclude)`
  }
}

/** The `--format` spec, checked at parse time; kept as text because workers (threads, processes) rebuild it. */
export const format = Flag.String("format").pipe(
  Flag.mapTryCatch(
    (spec) => {
      LogFormat.fromSpec(spec)
      return spec
    },
    (error) => (error instanceof Error ? error.message : String(error))
  ),
  Flag.optional,
  Flag.withDescription(
    `Log format: ${LogFormat.named.map((f) => f.name).join(", ")}, or a regular expression with a named group (?<level>...). Default: detected per file`
  )
)

export const analyse = Command.make(
  "analyse",
  {
    path: Argument.String("path").pipe(Argument.withDescription("A log file, or a directory searched recursively")),
    format,
    include: Flag.String("include").pipe(
      Flag.atLeast(0),
      Flag.withDescription("Only files matching this glob (repeatable; '*.log' matches at any depth)")
    ),
    exclude: Flag.String("exclude").pipe(
      Flag.atLeast(0),
      Flag.withDescription("Leave out files matching this glob (repeatable)")
    ),
    workers: Flag.Int("workers").pipe(
      Flag.optional,
      Flag.filter(
        (n: Option.Option<number>) => Option.getOrElse(n, () => 1) >= 1,
        () => "--workers must be at least 1"
      ),
      Flag.withDescription("Workers (threads) counting in parallel (default: one per core)")
    ),
    sequential: Flag.Boolean("sequential").pipe(
      Flag.withDefault(false),
      Flag.withDescription("Count in this thread, one file after another (the baseline)")
    ),
    nats: Flag.String("nats").pipe(
      Flag.optional,
      Flag.withDescription("Run the master and the workers over NATS JetStream at these URL(s)")
    ),
    ...Nats.options,
    ...Run.flags,
    checkpointDir: Flag.String("checkpoint-dir").pipe(
      Flag.optional,
      Flag.withDescription("Also save checkpoints under this directory (resumable with the same arguments)")
    ),
    ...Watch.flags
  },
  (
    args
  ): Effect.Effect<
    void,
    AnalyserError.AnalyserError | FileError.FileError | NoLogFiles | Failure.Failure | CliError.ValidationError
  > => {
    if (args.sequential && args.dashboard) {
      return new CliError.ValidationError({
        message: "--dashboard watches the master/worker engine: drop --sequential"
      })
    }
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
      const format = Option.getOrUndefined(args.format)
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
            yield* Fiber.joinAll(local)
            return summary
          }).pipe(Effect.scoped)
      }).pipe(watched.track, (e) => Run.ensureFinished(e, progress.finish))
      yield* Run.report(summary, { json: args.json, baseline: args.baseline, workers })
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

const sequential = (args: {
  readonly path: string
  readonly format: Option.Option<string>
  readonly include: ReadonlyArray<string>
  readonly exclude: ReadonlyArray<string>
  readonly json: boolean
}) =>
  Effect.gen(function* () {
    const { path, include, exclude, json } = args
    const progress = Progress.make()
    const result = yield* DirectoryAnalysis.analyse(path, {
      format: Option.getOrUndefined(Option.map(args.format, LogFormat.fromSpec)),
      include,
      exclude,
      onProgress: (p) => progress.update(p.bytes, p.totalBytes, `${p.files}/${p.totalFiles} files`)
    }).pipe(Effect.ensuring(Effect.sync(progress.finish)))
    for (const skipped of result.skipped) yield* Console.error(`dla: skipped ${skipped.message}`)
    if (result.files.length === 0) return yield* new NoLogFiles({ path })
    const results: Report.Results = {
      counts: result.counts,
      filesProcessed: result.files.length,
      durationMs: result.durationMs
    }
    yield* Console.log(json ? JSON.stringify(Report.toJson(results), null, 2) : Report.render(results))
  })
