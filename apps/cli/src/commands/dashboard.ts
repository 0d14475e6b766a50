/**
 * `dla dashboard`: serves the live web page of a run that publishes its state on NATS, until Ctrl-C.
 */
import { Source } from "@dla/dashboard"
import * as Command from "effect/cli/Command"
import * as Flag from "effect/cli/Flag"
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
    port: Flag.Int("port").pipe(
      Flag.withDefault(8080),
      Flag.withDescription("Port of the dashboard on 127.0.0.1 (0: any free port)")
    )
  },
  ({ nats, run, port, ...settings }) =>
    Effect.gen(function* () {
      const nc = yield* Failure.fromError(Nats.connection(nats, settings))
      const runId = Option.getOrUndefined(run)
      const source = yield* Source.fromNats(nc, runId)
      const what = runId === undefined ? "the latest run" : `run ${runId}`
      yield* Watch.serve(
        () => source,
        port,
        (url) => `dla: dashboard of ${what} at ${url} (Ctrl-C to stop)`
      )
      return yield* Effect.never
    }).pipe(Effect.scoped)
).pipe(
  Command.withDescription(
    "Serve a live web page of a run on NATS: workers, tasks, counts, throughput, recoveries, checkpoints, leader."
  )
)
