/**
 * `dla ship <path> --nats URL`: append every complete line of a node's log files to the replicated log store on
 * NATS JetStream, exactly once across restarts and crashes; `--follow` keeps shipping as files grow and rotate.
 */
import { DistributedContext } from "@dla/core"
import { Shipper } from "@dla/store"
import * as Clock from "effect/Clock"
import * as Argument from "effect/cli/Argument"
import * as Command from "effect/cli/Command"
import * as Flag from "effect/cli/Flag"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import * as Flags from "../Flags.ts"
import * as Diagnostics from "../internal/Diagnostics.ts"
import * as Failure from "../internal/Failure.ts"
import * as Nats from "../internal/Nats.ts"
import * as StoreFlags from "../internal/StoreFlags.ts"

const MB = 1e6
/** Without a terminal, a progress line at most this often (logs, CI). */
const PLAIN_EVERY_MS = 10_000

/** A progress line on stderr: redrawn in place on a terminal, an occasional line elsewhere. */
const progressLine = (clock: Clock.Clock, stream: NodeJS.WriteStream = process.stderr) => {
  const now = () => clock.currentTimeMillisUnsafe()
  const began = now()
  let drawnAt = began // no line before there is something to say
  const text = (p: Shipper.Progress) => {
    const seconds = Math.max((now() - began) / 1000, 0.001)
    return `shipped ${p.lines} lines, ${(p.bytes / MB).toFixed(1)} MB in ${p.messages} messages (${(p.bytes / MB / seconds).toFixed(1)} MB/s), ${p.files} files`
  }
  return {
    update: (p: Shipper.Progress) => {
      const at = now()
      if (at - drawnAt < (stream.isTTY ? 100 : PLAIN_EVERY_MS)) return
      drawnAt = at
      if (stream.isTTY) stream.write(`\r${text(p)}\x1b[K`)
      else Diagnostics.info(text(p))
    },
    finish: (p: Shipper.Progress) => {
      if (stream.isTTY) stream.write("\r\x1b[K")
      Diagnostics.info(text(p))
    }
  }
}

const report = (pass: Shipper.PassResult) =>
  Effect.forEach(pass.events, (event) =>
    event._tag === "Skipped"
      ? Effect.sync(() => Diagnostics.warn(`skipped ${event.path}: ${event.reason}`))
      : Effect.void
  )

export const ship = Command.make(
  "ship",
  {
    path: Argument.String("path").pipe(Argument.withDescription("A log file, or a directory searched recursively")),
    nats: Nats.servers,
    ...Nats.options,
    node: StoreFlags.node("Name the files are stored under (default: this node's id, DLA_NODE_ID or the host name)"),
    include: Flags.include,
    exclude: Flags.exclude,
    replicas: Flags.replicas(
      "Replicas of the store when this shipper creates it (3 survives the loss of a NATS server)"
    ),
    follow: Flag.Boolean("follow").pipe(
      Flag.withDefault(false),
      Flag.withDescription("Keep shipping as files grow, rotate and appear (tail -F) until Ctrl-C")
    ),
    interval: Flag.Finite("interval").pipe(
      Flag.withDefault(1),
      Flag.filter(
        (n: number) => n > 0,
        (n: number) => `--interval must be above 0, got ${n}`
      ),
      Flag.withDescription("With --follow: seconds between two looks at the files")
    ),
    noCompress: Flag.Boolean("no-compress").pipe(
      Flag.withDefault(false),
      Flag.withDescription(
        "Store the lines as they are (by default each message is zstd-compressed: fewer bytes to replicate)"
      )
    ),
    stream: StoreFlags.stream
  },
  (args) =>
    Effect.gen(function* () {
      const nc = yield* Nats.connection(args.nats, args)
      // The shipper's callbacks are synchronous: they read the Effect's Clock taken here.
      const progress = progressLine(yield* Clock.Clock)
      const options: Shipper.Options = {
        node: Option.isSome(args.node)
          ? args.node.value
          : (yield* Failure.fromError(DistributedContext.fromEnv)).nodeId,
        include: args.include,
        exclude: args.exclude,
        replicas: args.replicas,
        compress: !args.noCompress,
        onProgress: progress.update,
        ...StoreFlags.options(args.stream)
      }
      let last: Shipper.Progress = { bytes: 0, lines: 0, messages: 0, files: 0 }
      const passes = args.follow
        ? Shipper.follow(nc, args.path, { ...options, interval: Duration.seconds(args.interval) })
        : Stream.fromEffect(Shipper.ship(nc, args.path, options))
      yield* passes.pipe(
        Stream.runForEach((pass) => {
          last = pass
          return report(pass)
        }),
        StoreFlags.failure,
        // The totals once done, or when Ctrl-C ends --follow; a failure says only what failed.
        Effect.onExit((exit) =>
          Exit.hasInterrupts(exit) || Exit.isSuccess(exit) ? Effect.sync(() => progress.finish(last)) : Effect.void
        )
      )
    }).pipe(Effect.scoped)
).pipe(
  Command.withDescription(
    "Ship every complete line of log files to the replicated log store on NATS JetStream, exactly once (--follow: keep shipping)."
  ),
  Command.withExamples([
    {
      command: "dla ship /var/log/train --nats nats://127.0.0.1:4222",
      description: "Ship this node's logs once (node name from the launcher's environment or the host)"
    },
    {
      command: "dla ship /var/log/train --nats nats://nats:4222 --node node-7 --include '*.log' --replicas 3 --follow",
      description: "Keep shipping as the files grow and rotate, into an R3 store"
    }
  ])
)
