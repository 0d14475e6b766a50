/**
 * `dla analyse` started by a launcher (mpirun, srun, torchrun --no-python, RANK/WORLD_SIZE by hand): every rank runs
 * the same command, and `@dla/core`'s `DistributedContext` says which part each one plays. With `--nats`, global rank
 * 0 is the master (the assignment's layout), ranks 1..k stand by as masters with `--standbys k`, every other rank is
 * a worker; without `--nats` (or with `--sequential`/`--follow`), rank 0 analyses alone and the others say so and
 * exit 0.
 *
 * Ranks that are not the master must also end when the run ends, even when it ended before they joined (a fast run,
 * a slow node). The run's state on NATS cannot tell them: a finished run of an earlier launch on the same directory
 * (same run id) looks the same. So the master of this launch answers `dla.launch.<runId>` requests with its phase
 * (starting, running, done): it starts the run once every rank has asked (a barrier, at most {@link BARRIER}) and,
 * once done, waits (at most {@link LINGER}) until every rank has heard it.
 */
import * as Master from "@dla/analyser/Master"
import type { Distributed } from "@dla/analyser/nats"
import * as RunMonitor from "@dla/analyser/RunMonitor"
import * as WorkerId from "@dla/analyser/WorkerId"
import { DistributedContext } from "@dla/core"
import type { NatsConnection } from "@nats-io/nats-core"
import * as Clock from "effect/Clock"
import type * as CliError from "effect/cli/CliError"
import * as Flag from "effect/cli/Flag"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Result from "effect/Result"
import * as Schedule from "effect/Schedule"
import * as Schema from "effect/Schema"
import * as Diagnostics from "./Diagnostics.ts"
import { Failure } from "./Failure.ts"
import * as Nats from "./Nats.ts"
import * as Run from "./Run.ts"
import * as Verbose from "./Verbose.ts"

export type Role = "single" | "master" | "standby" | "worker" | "idle"

export interface Plan {
  readonly role: Role
  readonly rank: number
  readonly worldSize: number
  readonly standbys: number
}

/** What this rank does: `single` outside a multi-rank launch (the command as usual). */
export const plan = (
  context: Pick<DistributedContext.DistributedContext, "rank" | "worldSize">,
  options: { readonly nats: boolean; readonly standbys: number; readonly alone: boolean }
): Plan => {
  const { rank, worldSize } = context
  const standbys = Math.min(options.standbys, Math.max(0, worldSize - 1))
  const role: Role =
    worldSize <= 1
      ? "single"
      : !options.nats || options.alone
        ? rank === 0
          ? "single"
          : "idle"
        : rank === 0
          ? "master"
          : rank <= standbys
            ? "standby"
            : "worker"
  return { role, rank, worldSize, standbys }
}

export const flags = {
  standbys: Flag.Int("standbys").pipe(
    Flag.withDefault(0),
    Flag.filter(
      (n: number) => n >= 0,
      (n: number) => `--standbys must be 0 or more, got ${n}`
    ),
    Flag.withDescription(
      "Under a launcher (mpirun, srun, torchrun) with --nats: ranks 1..k wait as standby masters (default 0)"
    )
  )
}

/** This process's plan from `analyse`'s arguments and the environment, or the failure of a malformed variable. */
export const detect = (
  args: {
    readonly nats: Option.Option<string>
    readonly standbys: number
    readonly sequential: boolean
    readonly follow: boolean
  },
  env: DistributedContext.Env = process.env
): Plan | Failure => {
  const decoded = DistributedContext.decode(env)
  if (Result.isFailure(decoded)) return new Failure({ message: decoded.failure.message })
  return plan(decoded.success, {
    nats: Option.isSome(args.nats),
    standbys: args.standbys,
    alone: args.sequential || args.follow
  })
}

/** A rank with nothing to do says so in one stderr line, and ends (exit 0). */
export const idle = (p: Plan) =>
  Effect.sync(() =>
    Diagnostics.info(`rank ${p.rank} of ${p.worldSize}: without --nats rank 0 analyses alone; nothing to do here`)
  )

const Phase = Schema.Struct({ status: Schema.Literals(["starting", "running", "done"]) })
type Phase = typeof Phase.Type

const subject = (runId: string) => `dla.launch.${runId}`
const encode = (value: unknown) => new TextEncoder().encode(JSON.stringify(value))

/** How long a finished master waits for the other ranks to hear that the run is done. */
export const LINGER = "10 seconds"
/** How long a rank waits for an answer from the master before it gives up (exit 1). */
export const MASTER_SILENCE = "60 seconds"
/** How long the master waits for the other ranks to come up before it starts the run without the missing ones. */
export const BARRIER = "30 seconds"
const decodeHello = Schema.decodeUnknownOption(Schema.fromJsonString(Schema.Struct({ rank: Schema.Number })))
const POLL = "250 millis"

/** The master's phase as the other ranks hear it; undefined while no master answers. */
const ask = (nc: NatsConnection, runId: string, rank: number): Effect.Effect<Phase | undefined> =>
  Effect.tryPromise(() => nc.request(subject(runId), encode({ rank }), { timeout: 1000 })).pipe(
    Effect.flatMap((msg) => Schema.decodeUnknownEffect(Schema.fromJsonString(Phase))(msg.string())),
    Effect.orElseSucceed(() => undefined)
  )

/** Tells the master this rank is done: asks until it says done or no longer answers (bounded by {@link LINGER}). */
const confirmDone = (nc: NatsConnection, runId: string, rank: number) =>
  ask(nc, runId, rank).pipe(
    Effect.repeat({ until: (phase) => phase?.status !== "running", schedule: Schedule.spaced(POLL) }),
    Effect.timeoutOption(LINGER),
    Effect.asVoid
  )

/**
 * Asks until the master's phase is one of `wanted`. With `silence`, fails once no master has answered for that long
 * in a row: rank 0 never came up (another directory, another NATS), or died with no standby to take over.
 */
export const awaitPhase = (
  nc: NatsConnection,
  runId: string,
  rank: number,
  wanted: ReadonlyArray<Phase["status"]>,
  silence: Duration.Input | undefined
): Effect.Effect<Phase["status"], Failure> =>
  Effect.gen(function* () {
    const limit =
      silence === undefined ? Number.POSITIVE_INFINITY : Duration.toMillis(Duration.fromInputUnsafe(silence))
    let lastHeard = yield* Clock.currentTimeMillis
    while (true) {
      const phase = yield* ask(nc, runId, rank)
      const now = yield* Clock.currentTimeMillis
      if (phase !== undefined) {
        if (wanted.includes(phase.status)) return phase.status
        lastHeard = now
      } else if (now - lastHeard > limit) {
        return yield* new Failure({
          message: `rank ${rank}: no answer from the master (rank 0) on ${subject(runId)} for ${Duration.format(
            Duration.fromInputUnsafe(silence!)
          )}: is it running, on the same directory and NATS?`
        })
      }
      yield* Effect.sleep(POLL)
    }
  })

/** The analyser's NATS side, loaded only by launched ranks (a plain `dla analyse` starts without it). */
const loadNats = Effect.promise(() => import("@dla/analyser/nats"))

/**
 * Runs the master of this launch (rank 0), answering the other ranks, then lingers until they all heard the run is
 * done. Undefined when a standby finished the run.
 */
export const master = (
  nc: NatsConnection,
  p: Plan,
  options: Distributed.MasterOptions
): Effect.Effect<Master.Summary | undefined, Failure> =>
  Effect.gen(function* () {
    let status: Phase["status"] = "starting"
    /** Every rank that asked (checked in), and those told the run is done. */
    const checkedIn = new Set<number>()
    const heardDone = new Set<number>()
    const subscription = nc.subscribe(subject(options.runId), {
      callback: (_error, msg) => {
        const rank = Option.getOrUndefined(decodeHello(msg.string()))?.rank
        if (rank !== undefined) {
          checkedIn.add(rank)
          if (status === "done") heardDone.add(rank)
        }
        msg.respond(encode({ status }))
      }
    })
    yield* Effect.addFinalizer(() => Effect.sync(() => subscription.unsubscribe()))
    // Like MPI_Init, a barrier: the run starts once every rank is up (or after {@link BARRIER}), so that no rank can
    // come up after the master has finished and gone, with nobody left to tell it the run is over.
    const others = p.worldSize - 1
    const arrived = yield* Effect.sleep(POLL).pipe(
      Effect.repeat({ until: () => checkedIn.size >= others }),
      Effect.timeoutOption(BARRIER)
    )
    if (Option.isNone(arrived)) {
      Diagnostics.warn(
        `${others - checkedIn.size} of ${others} other rank(s) not up after ${BARRIER}: starting without them`
      )
    }
    // The run's events, when it is watched (`Watch.track`): the ranks waiting for it learn it is running.
    const events = yield* Effect.serviceOption(Master.Events)
    if (Option.isSome(events)) {
      yield* RunMonitor.consume(events.value, (event) =>
        Effect.sync(() => {
          if (event._tag === "Started" || event._tag === "Resumed") status = "running"
        })
      )
    }
    // Always a candidate of the run's election, as `dla master` is: terms only grow, so a run elected before (with
    // standbys, or by `dla master`) never fences this one out. The run's state is made this launch's ("running")
    // before the election starts: a "done" left by an earlier run of the same directory would otherwise read as
    // "finished by another master". Standbys start only once this rank says the run is running.
    const { Distributed } = yield* loadNats
    const run = Distributed.setupRun(nc, options.runId, options.root, options).pipe(
      Effect.andThen(
        Distributed.masterWithStandbys(nc, {
          ...options,
          fresh: false,
          priority: 1,
          candidateId: `rank-${p.rank}`
        })
      )
    )
    const summary = yield* run.pipe(Effect.mapError((error) => new Failure({ message: error.message })))
    status = "done"
    yield* Effect.sleep(POLL).pipe(
      Effect.repeat({ until: () => [...checkedIn].every((rank) => heardDone.has(rank)) }),
      Effect.timeoutOption(LINGER)
    )
    return summary
  }).pipe(Effect.scoped)

export interface FollowArgs extends Nats.Settings {
  readonly path: string
  readonly verbose: boolean
  readonly nats: Option.Option<string>
  readonly json: boolean
  readonly byFile: boolean
  readonly baseline: Option.Option<number>
  readonly workers: Option.Option<number>
}

/**
 * A rank that is not the master: a worker serves the run until it ends (one worker inline, or `--workers` threads);
 * a standby waits to take the run over, and prints the results only if it finished the run.
 */
export const follow = (
  p: Plan,
  args: FollowArgs,
  options: Distributed.MasterOptions & { readonly format?: string | undefined }
): Effect.Effect<void, Failure | Nats.NatsUnavailable | CliError.ValidationError | Run.IncompleteCounts> =>
  Effect.gen(function* () {
    const { Distributed } = yield* loadNats
    const nc = yield* Nats.connection(Option.getOrThrow(args.nats), args)
    const runId = options.runId
    if ((yield* awaitPhase(nc, runId, p.rank, ["running", "done"], MASTER_SILENCE)) === "done") return
    if (p.role === "standby") {
      const summary = yield* Distributed.masterWithStandbys(nc, {
        ...options,
        standby: true,
        priority: 0,
        candidateId: `rank-${p.rank}`
      }).pipe(Effect.mapError((error) => new Failure({ message: error.message })))
      yield* confirmDone(nc, runId, p.rank)
      if (summary === undefined) return
      yield* Run.report(summary, {
        json: args.json,
        baseline: args.baseline,
        mode: "nats",
        workers: summary.workers.length,
        byFile: args.byFile
      })
      return yield* Run.failOnUnreadable(summary)
    }
    const threads = Option.getOrElse(args.workers, () => 1)
    const workers = Effect.forEach(
      Array.from({ length: threads }, (_, i) => WorkerId.ofRank(p.rank, threads > 1 ? i + 1 : undefined)),
      (workerId) =>
        Distributed.worker(nc, {
          runId,
          once: true,
          format: options.format,
          thread: threads > 1,
          // The worker's name in the master's events and report: its rank, as the assignment names workers.
          workerId,
          onTask: Verbose.workerTasks(args.verbose, args.path, workerId)
        }),
      { concurrency: "unbounded", discard: true }
    ).pipe(Effect.mapError((error) => new Failure({ message: error.message })))
    // The run may end before this rank joins it: the master's "done" ends the wait too. Without standbys, a master
    // that stops answering is gone for good: the rank fails rather than wait for a run nobody finishes.
    const silence = p.standbys === 0 ? MASTER_SILENCE : undefined
    yield* Effect.raceFirst(workers, awaitPhase(nc, runId, p.rank, ["done"], silence).pipe(Effect.asVoid))
    yield* confirmDone(nc, runId, p.rank)
  }).pipe(Effect.scoped)
