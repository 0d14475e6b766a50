/**
 * `dla dashboard`: serves the live web page of a run that publishes its state on NATS, until Ctrl-C.
 */
import { Source } from "@dla/dashboard"
import type * as CliError from "effect/cli/CliError"
import * as Command from "effect/cli/Command"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Failure from "../internal/Failure.ts"
import * as Nats from "../internal/Nats.ts"
import * as Watch from "../internal/Watch.ts"
import { runFlag } from "./status.ts"

export const dashboard = Command.make(
  "dashboard",
  {
    nats: Nats.servers,
    ...Nats.options,
    run: runFlag,
    port: Watch.portFlag("port"),
    host: Watch.hostFlag("host"),
    dashboardToken: Watch.flags.dashboardToken
  },
  ({
    nats,
    run,
    port,
    host,
    dashboardToken,
    ...settings
  }): Effect.Effect<void, CliError.ValidationError | Failure.Failure> =>
    Effect.gen(function* () {
      const where = yield* Watch.access(host, dashboardToken, "--host")
      const nc = yield* Failure.fromError(Nats.connection(nats, settings))
      const runId = Option.getOrUndefined(run)
      const source = yield* Source.fromNats(nc, runId)
      const what = runId === undefined ? "the latest run" : `run ${runId}`
      yield* Watch.serve(
        () => Effect.succeed(source),
        port,
        (url) => `dla: dashboard of ${what} at ${url} (Ctrl-C to stop)`,
        where
      )
      return yield* Effect.never
    }).pipe(Effect.scoped)
).pipe(
  Command.withDescription(
    "Serve a live web page of the runs on NATS (workers, levels over time, throughput per worker, recoveries, checkpoints, leader, past runs) and their Prometheus /metrics."
  ),
  Command.withExamples([
    {
      command: "dla dashboard --nats nats://127.0.0.1:4222",
      description: "The latest run's live page on http://127.0.0.1:8080/ (and its /metrics)"
    },
    {
      command: "dla dashboard --nats nats://nats:4222 --run nightly --port 9000",
      description: "One run's page on another port"
    },
    {
      command: 'dla dashboard --nats nats://nats:4222 --host 0.0.0.0 --dashboard-token "$(openssl rand -hex 16)"',
      description: "Shared beyond this machine: every request needs the token (the printed URL carries it)"
    }
  ])
)
