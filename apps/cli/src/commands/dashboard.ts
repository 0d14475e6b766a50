/**
 * `dla dashboard`: serves the live web page of a run that publishes its state on NATS, until Ctrl-C.
 */
import { Handler, Server, Source } from "@dla/dashboard"
import { Console, Effect, Option } from "effect"
import { Command, Flag } from "effect/cli"
import * as Failure from "../internal/Failure.ts"
import * as NatsClient from "../internal/NatsClient.ts"
import { runFlag } from "./status.ts"

export const portFlag = Flag.Int("port").pipe(
  Flag.withDefault(8080),
  Flag.withDescription("Port of the dashboard on 127.0.0.1 (0: any free port)")
)

/** Serves `source` on 127.0.0.1:port for the scope's lifetime and says where on stderr with `say(url)`. */
export const serve = (source: Source.Source, port: number, say: (url: string) => string) =>
  Effect.gen(function* () {
    const { url } = yield* Failure.fromError(Server.serve(Handler.make(source), { port }))
    yield* Console.error(say(url))
    return url
  })

export const dashboard = Command.make(
  "dashboard",
  { nats: NatsClient.flag, run: runFlag, port: portFlag },
  ({ nats, run, port }) =>
    Effect.gen(function* () {
      const nc = yield* NatsClient.connection(nats)
      const runId = Option.getOrUndefined(run)
      const source = yield* Source.fromNats(nc, runId)
      const what = runId === undefined ? "the latest run" : `run ${runId}`
      yield* serve(source, port, (url) => `dla: dashboard of ${what} at ${url} (Ctrl-C to stop)`)
      return yield* Effect.never
    }).pipe(Effect.scoped)
).pipe(
  Command.withDescription(
    "Serve a live web page of a run on NATS: workers, tasks, counts, throughput, recoveries, checkpoints, leader."
  )
)
