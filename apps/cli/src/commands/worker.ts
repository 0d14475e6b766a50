/**
 * `dla worker --nats URL`: count tasks for masters over NATS JetStream, one at a time, until stopped (or, with
 * `--once`, until the run it joined ends).
 */
import type { AnalyserError } from "@dla/analyser"
import { Distributed } from "@dla/analyser/nats"
import * as Console from "effect/Console"
import type * as CliError from "effect/cli/CliError"
import * as Command from "effect/cli/Command"
import * as Flag from "effect/cli/Flag"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Flags from "../Flags.ts"
import * as Diagnostics from "../internal/Diagnostics.ts"
import * as FromStore from "../internal/FromStore.ts"
import * as Nats from "../internal/Nats.ts"
import * as Run from "../internal/Run.ts"

export const worker = Command.make(
  "worker",
  {
    nats: Nats.servers,
    ...Nats.options,
    run: Flag.String("run").pipe(Flag.optional, Flag.withDescription("Serve only this run (default: any running run)")),
    once: Run.toggle("once", "Exit when the run ends"),
    format: Flags.format,
    taskDelayMs: Flag.Int("task-delay-ms").pipe(Flag.optional, Flag.withHidden)
  },
  (args): Effect.Effect<void, AnalyserError.AnalyserError | Nats.NatsUnavailable | CliError.ValidationError> =>
    Effect.gen(function* () {
      const nc = yield* Nats.connection(args.nats, args)
      const served = yield* Distributed.worker(nc, {
        runId: Option.getOrUndefined(args.run),
        once: args.once,
        format: Option.getOrUndefined(Option.map(args.format, Run.formatSpec)),
        // Tasks of `dla analyse --from-store` read the log store: no files on this machine needed.
        store: FromStore.counter(nc),
        taskDelay: Option.getOrUndefined(Option.map(args.taskDelayMs, Duration.millis)),
        onTask: (event) => {
          if (event._tag === "TaskRetrying") {
            Diagnostics.warn(
              `NATS did not take the result of task ${event.taskId} (${event.reason}): holding it, retrying`
            )
          }
          if (event._tag === "TaskDeferred") {
            Diagnostics.warn(
              `handing task ${event.taskId} back, delivered again in ${event.retryIn / 1000} s (${event.reason})`
            )
          }
        },
        onEvent: (event) => {
          if (event._tag === "WaitingForRun") Diagnostics.info("waiting for a run to join")
          if (event._tag === "RunJoined") Diagnostics.info(`joined run ${event.runId}`)
          if (event._tag === "RunEnded") {
            Diagnostics.info(`run ${event.runId} ended: ${event.summary.tasks} tasks counted here`)
          }
        }
      })
      yield* Console.log(`Tasks counted: ${served.reduce((n, s) => n + s.tasks, 0)}`)
    }).pipe(Effect.scoped)
).pipe(
  Command.withDescription("Run a worker of distributed analyses over NATS JetStream."),
  Command.withExamples([
    { command: "dla worker --nats nats://nats:4222", description: "Serve every run on the server, until stopped" },
    {
      command: "srun dla worker --nats nats://$HEAD:4222 --once",
      description: "One worker per Slurm task, gone when the run ends"
    }
  ])
)
