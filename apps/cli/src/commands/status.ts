/**
 * `dla status`: a run's state from NATS (the snapshot its master publishes to KV), once or live with `--watch`.
 */
import { RunMonitor } from "@dla/analyser"
import { CheckpointKv, RunsKv } from "@dla/analyser/nats"
import type { NatsConnection } from "@nats-io/nats-core"
import * as Clock from "effect/Clock"
import * as Console from "effect/Console"
import * as Command from "effect/cli/Command"
import * as Flag from "effect/cli/Flag"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import * as Failure from "../internal/Failure.ts"
import * as Nats from "../internal/Nats.ts"
import * as StatusView from "../internal/StatusView.ts"
import * as Report from "../Report.ts"

export class NoRun extends Schema.TaggedError<NoRun>()("NoRun", { servers: Schema.String, runId: Schema.String }) {
  override get message(): string {
    return this.runId === ""
      ? `no run has published its state on NATS at ${this.servers} yet (is a master running there?)`
      : `no state for run "${this.runId}" on NATS at ${this.servers} (see 'dla status --nats ${this.servers}' for the latest run)`
  }
}

export const runFlag = Flag.String("run").pipe(
  Flag.optional,
  Flag.withDescription("Run id (default: the run that started last)")
)

const clearScreen = "\x1b[H\x1b[2J"

/** Without a snapshot, prints the run's lifecycle record and KV checkpoint if it has one; false when it has none. */
const lifecycle = (nc: NatsConnection, runId: string | undefined, json: boolean) =>
  Effect.gen(function* () {
    const runs = yield* RunsKv.runs(nc)
    const run = runId === undefined ? runs.at(-1) : runs.find((r) => r.runId === runId)
    if (run === undefined) return false
    const checkpoint = yield* CheckpointKv.read(nc, run.runId)
    yield* Console.log(
      json
        ? JSON.stringify({ runId: run.runId, run: run.state, checkpoint: Option.getOrNull(checkpoint) }, null, 2)
        : StatusView.renderLifecycle(run.runId, run.state, checkpoint)
    )
    return true
  })

export const status = Command.make(
  "status",
  {
    nats: Nats.servers,
    ...Nats.options,
    run: runFlag,
    watch: Flag.Boolean("watch").pipe(
      Flag.withDefault(false),
      Flag.withDescription("Keep printing as the run changes (redrawn in place on a terminal) until it ends")
    ),
    json: Flag.Boolean("json").pipe(
      Flag.withDefault(false),
      Flag.withDescription("Print the state as JSON (one line per update with --watch)")
    )
  },
  ({ nats, run, watch, json, ...settings }) =>
    Effect.gen(function* () {
      const nc = yield* Nats.connection(nats, settings)
      const runId = Option.getOrUndefined(run)
      const found =
        runId === undefined
          ? Option.fromNullishOr((yield* Failure.fromError(RunMonitor.list(nc)))[0])
          : yield* Failure.fromError(RunMonitor.read(nc, runId))
      if (Option.isNone(found)) {
        const printed = yield* Failure.fromError(lifecycle(nc, runId, json))
        if (printed) return
        return yield* new NoRun({ servers: Nats.withoutCredentials(nats), runId: runId ?? "" })
      }
      const tty = process.stdout.isTTY === true
      // "silent for", "ago": the time of each view from the Effect's Clock.
      const show = (state: RunMonitor.RunState) =>
        Effect.flatMap(Clock.currentTimeMillis, (now) =>
          json
            ? Console.log(
                JSON.stringify(
                  Report.stateJson({ ...state, masterSilentMs: RunMonitor.silentFor(state, now) ?? null }),
                  null,
                  watch ? undefined : 2
                )
              )
            : Console.log(
                `${watch && tty ? clearScreen : ""}${StatusView.render(state, now)}${watch && !tty ? "\n" : ""}`
              )
        )
      yield* show(found.value)
      if (!watch || StatusView.isOver(found.value)) return
      yield* RunMonitor.watch(nc, found.value.runId).pipe(
        Stream.filter((state) => state.updatedAt > found.value.updatedAt),
        Stream.takeUntil(StatusView.isOver),
        Stream.runForEach(show),
        Failure.fromError
      )
    }).pipe(Effect.scoped)
).pipe(
  Command.withDescription("Show a run's workers, progress, counts and leader from NATS (--watch to follow it)."),
  Command.withExamples([
    {
      command: "dla status --nats nats://127.0.0.1:4222",
      description: "The latest run's workers, progress, counts and leader"
    },
    {
      command: "dla status --nats nats://127.0.0.1:4222 --run nightly --watch",
      description: "Follow one run until it ends"
    },
    {
      command: "dla status --nats nats://127.0.0.1:4222 --json",
      description: "The state as JSON: every level, times as epoch ms and ISO 8601"
    }
  ])
)
