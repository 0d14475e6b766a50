/**
 * `dla analyse <path>`: count the levels of a log file or of every file under a directory. By default on every core
 * of this machine (the embedded master/worker engine on worker threads, no NATS needed); `--nats` runs the same
 * master and workers over NATS JetStream (other machines' `dla worker`s may join); `--sequential` counts in one thread.
 */
import { stat } from "node:fs/promises"
import { availableParallelism } from "node:os"
import type { AnalyserError } from "@dla/analyser"
// Only the embedded engine statically: NATS (Distributed, Fence), following and the dashboard load with the flags
// that need them, so a plain `dla analyse` starts without their code.
import * as Counter from "@dla/analyser/Counter"
import * as Embedded from "@dla/analyser/Embedded"
import type * as Master from "@dla/analyser/Master"
import { FileAnalysis, FileError, type LogFormat } from "@dla/core"
import * as Argument from "effect/cli/Argument"
import * as CliError from "effect/cli/CliError"
import * as Command from "effect/cli/Command"
import * as Flag from "effect/cli/Flag"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Scope from "effect/Scope"
import * as Flags from "../Flags.ts"
import * as Baseline from "../internal/Baseline.ts"
import * as Diagnostics from "../internal/Diagnostics.ts"
import * as Failure from "../internal/Failure.ts"
import * as FromStore from "../internal/FromStore.ts"
import * as Launch from "../internal/Launch.ts"
import * as Nats from "../internal/Nats.ts"
import * as Run from "../internal/Run.ts"
import * as Sequential from "../internal/Sequential.ts"
import * as StoreFlags from "../internal/StoreFlags.ts"
import * as Verbose from "../internal/Verbose.ts"
import * as Watch from "../internal/Watch.ts"
import type * as Report from "../Report.ts"

export const analyse = Command.make(
  "analyse",
  {
    path: Argument.String("path").pipe(
      Argument.withDefault(""),
      Argument.withDescription(
        "A log file, a directory searched recursively, or - for standard input (none with --from-store)"
      )
    ),
    format: Flags.format,
    include: Flags.include,
    exclude: Flags.exclude,
    json: Flags.json,
    byFile: Flags.byFile,
    workers: Flags.workers,
    sequential: Run.toggle("sequential", "Count in this thread, one file after another (the baseline)"),
    nats: Flag.String("nats").pipe(
      Nats.fromEnv,
      Flag.optional,
      Flag.withDescription(
        "Run the master and the workers over NATS JetStream at these URL(s) (with --follow: publish the live counts there)"
      )
    ),
    ...Nats.options,
    fromStore: StoreFlags.fromStore,
    node: StoreFlags.node("With --from-store: only this node's files"),
    stream: StoreFlags.stream,
    ...Run.flags,
    ...Launch.flags,
    ...Verbose.flags,
    checkpointDir: Flag.String("checkpoint-dir").pipe(
      Flag.optional,
      Flag.withDescription(
        "Also save checkpoints under this directory, one directory each (<dir>/<run>/<sequence>/; resumable with the same arguments)"
      )
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
    | Sequential.NoLogFiles
    | Nats.NatsUnavailable
    | Run.IncompleteCounts
    | CliError.ValidationError
    | Failure.Failure
  > => {
    if (args.fromStore) return FromStore.analyse(args)
    if (args.path === "") return new CliError.ValidationError({ message: "give a path to analyse (or --from-store)" })
    if (args.sequential && args.dashboard) {
      return new CliError.ValidationError({
        message: "--dashboard watches the master/worker engine: drop --sequential"
      })
    }
    if (args.path === STDIN) {
      const alone = ["follow", "nats", "dashboard", "checkpointDir"] as const
      const extra = alone.find((flag) => (typeof args[flag] === "boolean" ? args[flag] : Option.isSome(args[flag])))
      if (extra !== undefined) {
        return new CliError.ValidationError({ message: `reading standard input (-) goes without --${kebab(extra)}` })
      }
      return standardInput(args)
    }
    // Under a launcher every rank runs this command: the rank decides its part (internal/Launch.ts).
    const launch = Launch.detect(args)
    if (launch instanceof Failure.Failure) return launch
    if (launch.role === "idle") return Launch.idle(launch)
    if (args.follow) {
      return Effect.promise(() => import("../internal/FollowRun.ts")).pipe(
        Effect.flatMap((FollowRun) => FollowRun.run(args))
      )
    }
    if (Option.isSome(args.for)) return new CliError.ValidationError({ message: "--for goes with --follow" })
    if (args.sequential) return Sequential.run(args, Run.runId(args.run, args.path, args.include, args.exclude))
    const workers = Option.getOrElse(args.workers, availableParallelism)
    return Effect.gen(function* () {
      yield* Flags.warnAboveCores(workers)
      // Before any NATS or dashboard work: a missing path is the first thing to say, once.
      yield* ensureExists(args.path)
      const progress = Run.progress()
      const runId = Run.runId(args.run, args.path, args.include, args.exclude)
      const watched = Watch.make(runId, [progress.read, ...Verbose.readers(args.verbose, args)])
      yield* Watch.dashboard(watched, args)
      const options = {
        // Stragglers are re-run over NATS only: this machine's threads are alike.
        ...Run.masterOptions({ ...args, speculate: args.speculate && Option.isSome(args.nats) }),
        runId,
        root: args.path,
        include: args.include,
        exclude: args.exclude,
        checkpointDir: Option.getOrUndefined(args.checkpointDir)
      }
      const format = Option.getOrUndefined(Option.map(args.format, Run.formatSpec))
      if (launch.role === "worker" || launch.role === "standby") {
        return yield* Launch.follow(launch, args, { ...options, format })
      }
      // The master's part of the run, watched: its events reach the progress line, the page and NATS, then its end.
      const tracked = <A extends Master.Summary | undefined, E extends { readonly message: string }, R>(
        master: Effect.Effect<A, E, R>
      ) => master.pipe(watched.track, (e) => Run.ensureFinished(e, progress.finish))
      const summary = yield* Option.match(args.nats, {
        // One worker per core by default, its threads only as many as the input pays for; --workers starts them all.
        onNone: () =>
          tracked(
            Embedded.run({
              ...options,
              workers,
              format,
              threadBytes: Option.isNone(args.workers) ? Embedded.threadBytes : 0
            })
          ),
        onSome: (servers) =>
          Effect.gen(function* () {
            // This process's own workers, as the embedded engine has them: the first counts on this thread, each other
            // one on a thread of its own, each holding its next task beside the current one. Workers elsewhere may
            // join the run too. The threads load first, on their own cores, while this one loads the NATS client and
            // sets the run up: counting starts with the first task out. (A launcher's master rank counts nothing.)
            const counters = yield* Effect.forEach(
              Array.from({ length: launch.role === "master" ? 0 : workers }),
              (_, i) =>
                Layer.build(i === 0 ? Counter.layerInline(format) : Counter.layerThread(format)).pipe(
                  Effect.forkScoped,
                  Effect.map((built) => Layer.effectContext(Fiber.join(built)))
                )
            )
            const [Distributed, Fence] = yield* Effect.promise(() =>
              Promise.all([import("@dla/analyser/nats/Distributed"), import("@dla/analyser/Fence")])
            )
            // Made in the command's scope, outside the watched master, and so is the publisher: the run's end (told
            // once the master has returned) reaches NATS before the publisher writes its last snapshot, else that says
            // "running" (Ops.test.ts).
            const scope = yield* Effect.scope
            const connecting = Nats.connection(servers, args).pipe(
              Effect.tap((nc) => Watch.publish(nc, watched)),
              Scope.provide(scope)
            )
            if (launch.role === "master") {
              return yield* tracked(connecting.pipe(Effect.flatMap((nc) => Launch.master(nc, launch, options))))
            }
            // The master's workers count while it connects.
            return yield* tracked(
              Distributed.master(connecting, {
                ...options,
                localWorkers: {
                  counters,
                  concurrency: Embedded.tasksPerWorker,
                  onTask: (workerId) => Verbose.workerTasks(args.verbose, args.path, workerId)
                }
              }).pipe(Effect.provide(Fence.layerUnfenced))
            )
          })
      })
      if (summary === undefined) return // a standby master of the launch finished the run, and printed it
      if (summary.filesProcessed === 0) {
        return yield* new Sequential.NoLogFiles({ path: args.path, skipped: summary.failedTasks.length })
      }
      // Speedup: from --baseline, else from a recorded sequential run of the same input.
      const input = { files: summary.filesProcessed, counts: summary.counts }
      const baseline = Option.isSome(args.baseline) ? args.baseline : yield* Baseline.recorded(runId, input)
      yield* Run.report(summary, {
        json: args.json,
        baseline,
        mode: Option.isSome(args.nats) ? "nats" : "embedded",
        workers,
        byFile: args.byFile
      })
      yield* Run.failOnUnreadable(summary)
      // On a terminal the page of the finished run stays up until Ctrl-C; scripts go on at once.
      if (args.dashboard && process.stdin.isTTY && process.stdout.isTTY) {
        Diagnostics.info("run finished; the dashboard stays up until Ctrl-C")
        yield* Effect.never
      }
    }).pipe(Effect.scoped)
  }
).pipe(
  Command.withAlias("analyze"),
  Command.withDescription(
    "Count log levels of a file or directory: on every core when it is big, in this thread when not (or over NATS with --nats)."
  ),
  Command.withExamples([
    {
      command: "dla analyse samples/logs",
      description: "Count the levels of every log under a directory, on every core"
    },
    {
      command: "dla analyse /var/log/app --include '*.log' --include '*.gz' --json",
      description: "Only some files, results as JSON"
    },
    {
      command: "dla analyse app.log --format '^(?<time>\\S+) (?<level>[A-Z]+) '",
      description: "A format of your own: a regex with a (?<level>...) group"
    },
    {
      command: "dla analyse /data/logs --nats nats://127.0.0.1:4222 --dashboard",
      description: "Over NATS (other machines' 'dla worker's may join), with a live page"
    },
    {
      command: "dla analyse --from-store --nats nats://nats:4222 --node gpu-07",
      description: "Count what 'dla ship' stored (one node's files), over workers ('dla worker's may join)"
    },
    {
      command: "dla analyse /var/log/app --follow --for 60",
      description: "Keep counting as the files grow for a minute (tail -F)"
    }
  ])
)

/** Fails with core's one-line FileError when `path` does not exist. */
const ensureExists = (path: string) =>
  Effect.tryPromise({ try: () => stat(path), catch: (cause) => FileError.fromSystemError(path, cause) })

const STDIN = "-"
const kebab = (flag: string) => flag.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`)

/** `dla analyse -`: the lines of standard input (plain or compressed), counted in this thread as they arrive. */
const standardInput = (args: {
  readonly format: Option.Option<LogFormat.LogFormat>
  readonly json: boolean
  readonly byFile: boolean
}) =>
  Effect.gen(function* () {
    const result = yield* Effect.tryPromise({
      try: () =>
        FileAnalysis.analyseStream("standard input", process.stdin, { format: Option.getOrUndefined(args.format) }),
      catch: (cause) => FileError.fromSystemError("standard input", cause)
    })
    const results: Report.Results = { counts: result, filesProcessed: 1, durationMs: result.durationMs, extra: [] }
    const { format, levels, lines, unmatched, bytes } = result
    const files = [{ path: STDIN, format, levels, lines, unmatched, bytes }]
    yield* Sequential.print(args, { mode: "sequential", ...results, filesSkipped: 0, workers: 1 }, files)
  })
