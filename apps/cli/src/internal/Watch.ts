/**
 * Making a run watchable from the CLI: a `RunMonitor` fed by the master's events (its `Master.Events` hub), published
 * to NATS when the run has a connection (for `dla status` and `dla dashboard` elsewhere), served as a live page with
 * `--dashboard`.
 */
// Modules, not the package root: `dla analyse` loads this.
import * as Master from "@dla/analyser/Master"
import type { Distributed } from "@dla/analyser/nats"
import * as RunMonitor from "@dla/analyser/RunMonitor"
import type { Source } from "@dla/dashboard"
import type { NatsConnection } from "@nats-io/nats-core"
import * as Clock from "effect/Clock"
import * as Config from "effect/Config"
import * as CliError from "effect/cli/CliError"
import * as Flag from "effect/cli/Flag"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type * as Scope from "effect/Scope"
import * as Diagnostics from "./Diagnostics.ts"
import * as Failure from "./Failure.ts"

/** The port of a dashboard page (`--port` of `dla dashboard`, `--dashboard-port` beside `--dashboard`). */
export const portFlag = (name: string) =>
  Flag.Int(name).pipe(
    Flag.withDefault(8080),
    Flag.withDescription("Port of the dashboard page (0: any free port; a port in use is replaced by a free one)")
  )

/** The address a dashboard page listens on. */
export const hostFlag = (name: string) =>
  Flag.String(name).pipe(
    Flag.withDefault("127.0.0.1"),
    Flag.withDescription("Address of the dashboard page; any other than loopback needs --dashboard-token")
  )

export const flags = {
  dashboard: Flag.Boolean("dashboard").pipe(
    Flag.withDefault(false),
    Flag.withDescription("Serve a live web page of the run on 127.0.0.1 while it works")
  ),
  dashboardPort: portFlag("dashboard-port"),
  dashboardHost: hostFlag("dashboard-host"),
  dashboardToken: Flag.String("dashboard-token").pipe(
    Flag.withFallbackConfig(Config.String("DLA_DASHBOARD_TOKEN")),
    Flag.optional,
    Flag.withDescription(
      "Token every request to the page must carry (?token= or Authorization: Bearer), also for /metrics. Default: DLA_DASHBOARD_TOKEN"
    )
  )
}

/** 127.0.0.1, ::1, localhost: addresses only this machine reaches. */
export const isLoopback = (host: string) => /^(?:127\.\d+\.\d+\.\d+|::1|\[::1\]|localhost)$/i.test(host)

export interface Access {
  readonly host: string
  readonly token?: string
}

/**
 * Where a dashboard listens and the token it asks for (the flag, else DLA_DASHBOARD_TOKEN). A page beyond this
 * machine without a token is a usage error: anyone on the network could read the run.
 */
export const access = (
  host: string,
  token: Option.Option<string>,
  hostFlag: string
): Effect.Effect<Access, CliError.ValidationError> => {
  const given = Option.getOrUndefined(token)
  if (!isLoopback(host) && given === undefined) {
    return Effect.fail(
      new CliError.ValidationError({
        message: `${hostFlag} ${host} serves the dashboard beyond this machine: give it a --dashboard-token (or DLA_DASHBOARD_TOKEN)`
      })
    )
  }
  return Effect.succeed(given === undefined ? { host } : { host, token: given })
}

/** One reader of the master's events (the progress bar, --verbose's lines), run off the master's fiber. */
export type Reader = (event: Master.Event) => Effect.Effect<void>

export interface Watched {
  readonly monitor: RunMonitor.Monitor
  /** Give this to an elected master: the monitor learns the leader and its term. */
  readonly onLeadership: (event: Distributed.LeadershipEvent) => void
  /** Whether this process publishes the run on NATS now: always, or with `elected` only while it leads. */
  readonly publishing: () => boolean
  /**
   * Runs the master's effect with a fresh `Master.Events` hub that the monitor and the readers read from before it
   * starts; once it ends and they have read every event, tells the monitor how it ended (no summary: another master
   * finished the run).
   */
  readonly track: <A extends Master.Summary | undefined, E extends { readonly message: string }, R>(
    master: Effect.Effect<A, E, R>
  ) => Effect.Effect<A, E, Exclude<R, Master.Events>>
}

/**
 * `elected`: this process is one candidate of several masters of the run, which all watch it but publish only while
 * leading, so `dla status` and dashboards see the current leader's state alone (a standby that takes over
 * publishes the same run's snapshot from then on).
 */
export const make = (runId: string, readers: ReadonlyArray<Reader>, options: { elected?: boolean } = {}): Watched => {
  const monitor = RunMonitor.make(runId)
  let leading = options.elected !== true
  return {
    monitor,
    onLeadership: (event) => {
      // Before the push: a leader's election is published, a stand-by's is not.
      leading = event._tag === "Leading"
      if (event.leader !== undefined) monitor.push({ _tag: "LeaderElected", leaderId: event.leader, term: event.term })
    },
    publishing: () => leading,
    track: (master) =>
      Effect.gen(function* () {
        const events = yield* Master.events
        yield* RunMonitor.feed(monitor, events)
        yield* Effect.forEach(readers, (read) => RunMonitor.consume(events, read), { discard: true })
        return yield* Effect.provideService(master, Master.Events, events)
      }).pipe(
        // Closing the scope has every reader read the events left, before the end is told.
        Effect.scoped,
        Effect.tap((summary) =>
          Effect.sync(() => {
            if (summary !== undefined) monitor.push({ _tag: "Finished", summary })
          })
        ),
        Effect.tapError((error) => Effect.sync(() => monitor.push({ _tag: "RunFailed", message: error.message })))
      )
  }
}

/**
 * Serves the page of the run `source` makes on host:port (default 127.0.0.1) for the scope's lifetime and says where
 * on stderr with `say(url)`; with a token, the URL said carries it (`?token=`), so it opens the page as printed. The
 * dashboard's code (HTTP server, page) is loaded here, only by the runs that serve it.
 */
export const serve = (
  source: (dashboard: typeof import("@dla/dashboard")) => Effect.Effect<Source.Source, never, Scope.Scope>,
  port: number,
  say: (url: string) => string,
  options: { readonly host?: string; readonly token?: string } = {}
): Effect.Effect<string, Failure.Failure, Scope.Scope> =>
  Effect.gen(function* () {
    const dashboard = yield* Effect.promise(() => import("@dla/dashboard"))
    const { Handler, Server } = dashboard
    const clock = yield* Clock.Clock
    const handler = Handler.make(yield* source(dashboard), {
      now: () => clock.currentTimeMillisUnsafe(),
      ...(options.token === undefined ? {} : { token: options.token })
    })
    const served = yield* Failure.fromError(
      Server.serve(handler, { port, ...(options.host ? { host: options.host } : {}) })
    )
    const url = options.token === undefined ? served.url : `${served.url}?token=${encodeURIComponent(options.token)}`
    Diagnostics.info(say(url))
    return url
  })

/** The live page of this process's run, when `--dashboard` asks for it. */
export const dashboard = (
  watched: Watched,
  options: {
    readonly dashboard: boolean
    readonly dashboardPort: number
    readonly dashboardHost: string
    readonly dashboardToken: Option.Option<string>
  }
) =>
  options.dashboard
    ? access(options.dashboardHost, options.dashboardToken, "--dashboard-host").pipe(
        Effect.flatMap((where) =>
          serve(
            ({ Source }) => Source.fromMonitor(watched.monitor),
            options.dashboardPort,
            (url) => `live dashboard of run ${watched.monitor.runId} at ${url}`,
            where
          )
        ),
        Effect.asVoid
      )
    : Effect.void

/** Publishes the run's state and events on NATS for the scope's lifetime (see RunMonitor.publish). */
export const publish = (nc: NatsConnection, watched: Watched) =>
  RunMonitor.publish(nc, watched.monitor, { active: watched.publishing })
