/**
 * `dla analyse <dir> --follow`: counts a directory as it grows (core's Follow), until Ctrl-C/SIGTERM or `--for`
 * seconds, then prints the results block of everything counted, held partial last lines included. While it runs:
 * a live line on a terminal, otherwise a `dla: N lines so far` line on stderr whenever the counts change, and one
 * `dla:` line for each file added, renamed, truncated, removed or skipped. With `--dashboard` the same counts feed
 * the live page; with `--nats` they are published as run `--run` (default `follow-<hash of path and filters>`), for
 * `dla status` and `dla dashboard` elsewhere. Counting stays in this process either way.
 */
import { RunsKv } from "@dla/analyser/nats"
import { Follow } from "@dla/core"
import * as Console from "effect/Console"
import * as CliError from "effect/cli/CliError"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import * as Report from "../Report.ts"
import * as Diagnostics from "./Diagnostics.ts"
import * as Nats from "./Nats.ts"
import * as Results from "./Results.ts"
import * as Run from "./Run.ts"
import type * as Sequential from "./Sequential.ts"
import * as Watch from "./Watch.ts"

export interface Args extends Nats.Settings, Sequential.Input {
  readonly interval: number
  readonly for: Option.Option<number>
  readonly dashboard: boolean
  readonly dashboardPort: number
  readonly dashboardHost: string
  readonly dashboardToken: Option.Option<string>
  readonly nats: Option.Option<string>
  readonly run: Option.Option<string>
  readonly replicas: number
}

const describe = (event: Follow.Event): string => {
  switch (event._tag) {
    case "Added":
      return `following ${event.path}`
    case "Renamed":
      return `${event.from} renamed to ${event.to} (rotated): still following it`
    case "Truncated":
      return `${event.path} was truncated: counting it again from its start`
    case "Removed":
      return `${event.path} is gone: its lines stay counted`
    case "Skipped":
      return `skipped ${event.path}: ${event.reason}`
  }
}

const summaryLine = (snapshot: Follow.Snapshot) => {
  const levels = Object.entries(snapshot.counts.levels)
    .map(([level, n]) => `${level} ${n}`)
    .join(", ")
  return `${snapshot.counts.lines} lines so far in ${snapshot.files} files${levels === "" ? "" : ` (${levels})`}`
}

export const run = (args: Args) =>
  Effect.gen(function* () {
    const began = Date.now()
    const live = process.stderr.isTTY === true
    const runId = Run.runId(args.run, args.path, args.include, args.exclude, "follow")
    const watched = Watch.make(runId, [])
    if (Option.isSome(args.nats)) {
      if (!RunsKv.isValidRunId(runId)) {
        return yield* new CliError.ValidationError({ message: `bad --run "${runId}": use letters, digits, - and _` })
      }
      const nc = yield* Nats.connection(args.nats.value, args)
      yield* RunsKv.createRuns(nc, args.replicas)
      yield* Watch.publish(nc, watched)
      Diagnostics.info(`following ${args.path} as run ${runId} (dla status --run ${runId})`)
    }
    yield* Watch.dashboard(watched, args)
    let lastLines = -1
    let final: Follow.Snapshot | undefined

    /** One line per change in the directory, below the live line on a terminal. */
    const sayEvents = (events: ReadonlyArray<Follow.Event>) => {
      if (live && events.length > 0) process.stderr.write("\r\x1b[K")
      for (const event of events) Diagnostics.info(describe(event))
      if (live && events.length > 0) Diagnostics.flush()
    }

    const show = (snapshot: Follow.Snapshot) => {
      sayEvents(snapshot.events)
      const { counts } = snapshot
      watched.monitor.push({ _tag: "Counted", files: snapshot.files, counts })
      if (live) process.stderr.write(`\r${summaryLine(snapshot)}\x1b[K`)
      else if (counts.lines !== lastLines) Diagnostics.info(summaryLine(snapshot))
      lastLines = counts.lines
    }

    const follow = Follow.stream(args.path, {
      format: Option.getOrUndefined(args.format),
      include: args.include,
      exclude: args.exclude,
      interval: Duration.seconds(args.interval),
      onClose: (last) => {
        final = last
      }
    }).pipe(Stream.runForEach((snapshot) => Effect.sync(() => show(snapshot))))

    // Stops at `--for`, or when interrupted (Ctrl-C, SIGTERM): either way the follower's last poll and close run
    // first, and the results of everything counted are printed.
    const printResults = Effect.suspend(() => {
      if (live) process.stderr.write("\r\x1b[K")
      if (final === undefined) return Effect.void
      sayEvents(final.events)
      const results: Report.Results = {
        counts: final.counts,
        filesProcessed: final.filesSeen,
        durationMs: Date.now() - began
      }
      // Watchers see the run end (the publisher writes this last state as it closes).
      watched.monitor.push({
        _tag: "Stopped",
        files: final.filesSeen,
        counts: final.counts,
        durationMs: results.durationMs
      })
      return Console.log(
        args.json
          ? Results.print({ mode: "follow", runId, ...results, filesSkipped: 0, workers: 1 })
          : Report.render(results)
      )
    })
    yield* Option.match(args.for, {
      onNone: () => follow,
      onSome: (seconds) => follow.pipe(Effect.timeoutOption(Duration.seconds(seconds)), Effect.asVoid)
    }).pipe(Effect.onExit(() => printResults))
  }).pipe(Effect.scoped)
