/**
 * `dla master <dir> --nats URL`: plan the run, hand tasks to workers over NATS JetStream, merge their results,
 * checkpoint, and print the results block. Started again with the same arguments, it resumes the run.
 */
import type { AnalyserError } from "@dla/analyser"
import * as Argument from "effect/cli/Argument"
import * as Command from "effect/cli/Command"
import * as Flag from "effect/cli/Flag"
import * as Effect from "effect/Effect"
import * as Flags from "../Flags.ts"
import type * as Failure from "../internal/Failure.ts"
import * as Nats from "../internal/Nats.ts"
import * as Run from "../internal/Run.ts"
import * as Watch from "../internal/Watch.ts"

export const master = Command.make(
  "master",
  {
    dir: Argument.String("dir").pipe(Argument.withDescription("Directory of logs (searched recursively)")),
    nats: Nats.servers,
    ...Nats.options,
    ...Run.flags,
    checkpointDir: Flag.String("checkpoint-dir").pipe(
      Flag.withDefault("checkpoints"),
      Flag.withDescription("Checkpoints go to <dir>/<run>/checkpoint.json with links to processed files")
    ),
    ackWait: Flag.Finite("ack-wait").pipe(
      Flag.withDefault(30),
      Flag.withDescription("A task not acked (nor reported in progress) this long is redelivered (seconds)")
    ),
    maxDeliveries: Flag.Int("max-deliveries").pipe(
      Flag.withDefault(3),
      Flag.withDescription("Give a task up after this many deliveries (a file that kills its workers)")
    ),
    include: Flags.include,
    exclude: Flags.exclude,
    json: Flags.json,
    ...Watch.flags
  },
  (
    args
  ): Effect.Effect<void, AnalyserError.AnalyserError | Nats.NatsUnavailable | Run.IncompleteCounts | Failure.Failure> =>
    Effect.gen(function* () {
      const { Distributed, Fence } = yield* Run.analyser
      const nc = yield* Nats.connection(args.nats, args)
      const progress = Run.progress()
      const runId = Run.runId(args.run, args.dir, args.include, args.exclude)
      // Its state and events on NATS for `dla status` and `dla dashboard`; its own page with --dashboard.
      const watched = Watch.make(runId, progress.onEvent)
      yield* Watch.publish(nc, watched)
      yield* Watch.dashboard(watched, args)
      const summary = yield* Distributed.master(nc, {
        ...Run.masterOptions(args, watched.onEvent),
        runId,
        root: args.dir,
        include: args.include,
        exclude: args.exclude,
        checkpointDir: args.checkpointDir,
        ackWait: `${args.ackWait} seconds`,
        maxDeliveries: args.maxDeliveries
      }).pipe(Effect.provide(Fence.layerUnfenced), watched.track, (e) => Run.ensureFinished(e, progress.finish))
      yield* Run.report(summary, { json: args.json, baseline: args.baseline, workers: summary.workers.length })
      yield* Run.failOnUnreadable(summary)
    }).pipe(Effect.scoped)
).pipe(
  Command.withDescription("Run the master of a distributed analysis over NATS JetStream (resumes from checkpoints).")
)
