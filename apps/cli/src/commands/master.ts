/**
 * `dla master <dir> --nats URL`: plan the run, hand tasks to workers over NATS JetStream, merge their results,
 * checkpoint, and print the results block. Started again with the same arguments, it resumes the run.
 *
 * Every master is a candidate of the run's leader election (`@dla/election`), with or without `--standby`: a lone
 * master simply wins it, and a master started next to a `--standby` (or a second master started by mistake) never
 * runs unfenced beside it. Only the leader works; the others wait and take over, resuming, when it dies.
 */
import type { AnalyserError } from "@dla/analyser"
import { Distributed, RunsKv } from "@dla/analyser/nats"
import * as Console from "effect/Console"
import * as Argument from "effect/cli/Argument"
import type * as CliError from "effect/cli/CliError"
import * as Command from "effect/cli/Command"
import * as Flag from "effect/cli/Flag"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
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
      Flag.withDescription(
        "Each checkpoint goes to <dir>/<run>/<sequence>/checkpoint.json with links to the processed files (the newest --keep-checkpoints kept)"
      )
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
    byFile: Flags.byFile,
    standby: Run.toggle(
      "standby",
      "Wait as a standby master: take over the run (resuming from the checkpoint) when its leader dies"
    ),
    priority: Flag.Int("priority").pipe(
      Flag.optional,
      Flag.withDescription("Election priority: the highest live candidate leads (default 1, or 0 with --standby)")
    ),
    candidateId: Flag.String("candidate-id").pipe(
      Flag.optional,
      Flag.withDescription("This master's name in the election, the report and dla status (default: <host>/<pid>)")
    ),
    keepAlive: Run.toggle(
      "keep-alive",
      "Stay up once the run has ended, and on a restart never analyse a finished run again (for Kubernetes Deployments, which restart a container that exits)"
    ),
    ...Watch.flags
  },
  (
    args
  ): Effect.Effect<
    void,
    | AnalyserError.AnalyserError
    | Nats.NatsUnavailable
    | CliError.ValidationError
    | Run.IncompleteCounts
    | Failure.Failure
  > =>
    Effect.gen(function* () {
      const nc = yield* Nats.connection(args.nats, args)
      const progress = Run.progress()
      const runId = Run.runId(args.run, args.dir, args.include, args.exclude)
      /** With --keep-alive the process outlives its run: a Deployment would otherwise restart it and redo the run. */
      const stayUp = (why: string) =>
        args.keepAlive
          ? Effect.sync(() => progress.say(`${why}: staying up until stopped (--keep-alive)`)).pipe(
              Effect.andThen(Effect.never)
            )
          : Effect.void
      if (args.keepAlive && !args.fresh) {
        const finished = (yield* RunsKv.runs(nc)).find((r) => r.runId === runId && r.state.status === "done")
        if (finished !== undefined) {
          yield* stayUp(
            `run ${runId} (started ${finished.state.startedAt}) has already finished; --fresh analyses it again`
          )
        }
      }
      // Its state and events on NATS for `dla status` and `dla dashboard` while it leads; its own page with --dashboard.
      const watched = Watch.make(runId, [progress.read], { elected: true })
      yield* Watch.publish(nc, watched)
      yield* Watch.dashboard(watched, args)
      let leader: string | undefined
      const summary = yield* Distributed.masterWithStandbys(nc, {
        ...Run.masterOptions(args),
        runId,
        root: args.dir,
        include: args.include,
        exclude: args.exclude,
        checkpointDir: args.checkpointDir,
        ackWait: `${args.ackWait} seconds`,
        maxDeliveries: args.maxDeliveries,
        standby: args.standby,
        priority: Option.getOrElse(args.priority, () => (args.standby ? 0 : 1)),
        candidateId: Option.getOrUndefined(args.candidateId),
        onLeadership: (event) => {
          leader = event.leader ?? leader
          watched.onLeadership(event)
          progress.say(describeLeadership(runId, event))
        }
      }).pipe(watched.track, (e) => Run.ensureFinished(e, progress.finish))
      if (summary === undefined) {
        const finishedBy = leader ?? "unknown"
        yield* Console.log(
          args.json ? JSON.stringify({ runId, finishedBy }) : `run ${runId} finished by another master (${finishedBy})`
        )
        return yield* stayUp(`run ${runId} has ended`)
      }
      yield* Run.report(summary, {
        json: args.json,
        baseline: args.baseline,
        mode: "nats",
        workers: summary.workers.length,
        leadership: summary,
        byFile: args.byFile
      })
      yield* stayUp(`run ${runId} has ended`)
      yield* Run.failOnUnreadable(summary)
    }).pipe(Effect.scoped)
).pipe(
  Command.withDescription(
    "Run the master of a distributed analysis over NATS JetStream (resumes from checkpoints; --standby waits to take over)."
  ),
  Command.withExamples([
    {
      command: "dla master /data/logs --nats nats://nats:4222",
      description: "Plan the run, hand tasks to workers, print the results"
    },
    {
      command: "dla master /data/logs --nats nats://nats:4222 --standby",
      description: "A second master that takes over if the leader dies"
    }
  ])
)

/** One `dla:` line per change of leadership, for the operator watching this candidate. */
const describeLeadership = (runId: string, event: Distributed.LeadershipEvent) => {
  if (event._tag === "Standing") {
    return `standing by: run ${runId} is led by ${event.leader ?? "another master"} (term ${event.term})`
  }
  return event.previousLeader === undefined
    ? `leading run ${runId} as ${event.leader} (term ${event.term})`
    : `taking over run ${runId} from ${event.previousLeader} as ${event.leader} (term ${event.term}): resuming`
}
