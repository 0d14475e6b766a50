/**
 * `dla runs prune`: removes what finished runs leave on NATS (their task and result streams, their `dla_runs` KV
 * entries: lifecycle record, checkpoint, dashboard snapshot) once they are older than a given age. Running runs are
 * never touched, whatever their age.
 */
import { RunMonitor } from "@dla/analyser"
import { RunsKv } from "@dla/analyser/nats"
import { ErrorMessage } from "@dla/core"
import { jetstreamManager } from "@nats-io/jetstream"
import { Kvm } from "@nats-io/kv"
import type { NatsConnection } from "@nats-io/nats-core"
import * as Clock from "effect/Clock"
import * as Console from "effect/Console"
import * as Command from "effect/cli/Command"
import * as Flag from "effect/cli/Flag"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Failure from "../internal/Failure.ts"
import * as Nats from "../internal/Nats.ts"
import * as Progress from "../internal/Progress.ts"

const units: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 }

/**
 * `7d`, `12h`, `30m`, `90s`, `2w` in ms. Hand-written: Duration's own parser wants `7 days`, not the short forms
 * `find -mtime` and log tools use.
 */
export const parseAge = (text: string): number | undefined => {
  const match = /^(\d+(?:\.\d+)?)\s*([smhdw])$/.exec(text.trim())
  return match === null ? undefined : Number(match[1]) * units[match[2]!]!
}

/** What prune knows of one run: when it finished (or, without a snapshot, started), and whether it is over. */
export interface RunRecord {
  readonly runId: string
  readonly over: boolean
  /** Epoch ms the run's age counts from. */
  readonly at: number
  readonly status: string
}

/** The runs to remove: over, and finished (or started) more than `olderThanMs` before `now`; oldest first. */
export const stale = (runs: ReadonlyArray<RunRecord>, now: number, olderThanMs: number): Array<RunRecord> =>
  runs.filter((r) => r.over && now - r.at > olderThanMs).sort((a, b) => a.at - b.at)

/**
 * Every run NATS knows of, from both records a run may leave: the lifecycle record (`<run>.state`, every master
 * writes one) and the dashboard snapshot (`<run>.snapshot`; a `dla analyse --follow --nats` leaves only this).
 */
const known = (nc: NatsConnection) =>
  Effect.gen(function* () {
    const records = yield* RunsKv.runs(nc)
    const snapshots = yield* RunMonitor.list(nc)
    const byId = new Map<string, RunRecord>()
    for (const { runId, state } of records) {
      byId.set(runId, { runId, over: state.status === "done", at: Date.parse(state.startedAt), status: state.status })
    }
    for (const s of snapshots) {
      const record = byId.get(s.runId)
      const over = s.status === "done" || s.status === "failed"
      // A lifecycle record still "running" means a master may come back to it: keep it whatever the snapshot says.
      if (record !== undefined && !record.over) continue
      byId.set(s.runId, { runId: s.runId, over, at: s.finishedAt ?? s.updatedAt, status: s.status })
    }
    return [...byId.values()]
  })

const ignoreMissing = (error: unknown) => {
  // 10059: stream not found. Gone already is what we want.
  if (typeof error === "object" && error !== null && "code" in error && String(error.code) === "404") return
  if (error instanceof Error && /not found/i.test(error.message)) return
  throw error
}

/** Deletes the run's streams and purges its KV keys (no history left behind); returns how many of each existed. */
const remove = (nc: NatsConnection, runId: string) =>
  Effect.tryPromise({
    try: async () => {
      const n = RunsKv.names(runId)
      const jsm = await jetstreamManager(nc)
      let streams = 0
      for (const stream of [n.tasks, n.results]) {
        if (await jsm.streams.delete(stream).catch(ignoreMissing)) streams++
      }
      const kv = await new Kvm(nc).open(RunsKv.runsBucket)
      let keys = 0
      for (const key of [n.stateKey, n.checkpointKey, RunMonitor.subjects(runId).snapshotKey]) {
        const entry = await kv.get(key)
        if (entry === null || entry.operation !== "PUT") continue
        await kv.purge(key)
        keys++
      }
      return { streams, keys }
    },
    catch: (cause) =>
      new Failure.Failure({
        message: `cannot remove run ${runId}: ${ErrorMessage.describe(cause)}`
      })
  })

const prune = Command.make(
  "prune",
  {
    nats: Nats.servers,
    ...Nats.options,
    olderThan: Flag.String("older-than").pipe(
      Flag.filterMap(
        (text) => Option.fromUndefinedOr(parseAge(text)),
        (text) => `'${text}' is not an age: use a number and s, m, h, d or w (7d, 12h)`
      ),
      Flag.withDescription("Remove runs finished longer ago than this: 90s, 30m, 12h, 7d, 2w")
    ),
    dryRun: Flag.Boolean("dry-run").pipe(
      Flag.withDefault(false),
      Flag.withDescription("Only list what would be removed")
    )
  },
  ({ nats, olderThan, dryRun, ...settings }) =>
    Effect.gen(function* () {
      const nc = yield* Failure.fromError(Nats.connection(nats, settings))
      const runs = yield* Failure.fromError(known(nc))
      const now = yield* Clock.currentTimeMillis
      const old = stale(runs, now, olderThan)
      for (const run of old) {
        const age = `${run.status} ${Progress.duration((now - run.at) / 1000)} ago`
        if (dryRun) {
          yield* Console.log(`would remove run ${run.runId} (${age})`)
          continue
        }
        const { streams, keys } = yield* remove(nc, run.runId)
        yield* Console.log(
          `removed run ${run.runId} (${age}): ${streams} stream(s), ${keys} KV entr${keys === 1 ? "y" : "ies"}`
        )
      }
      const kept = runs.length - old.length
      yield* Console.log(
        `${dryRun ? "would prune" : "pruned"} ${old.length} run(s); kept ${kept} (running, or finished within ${Progress.duration(olderThan / 1000)})`
      )
    }).pipe(Effect.scoped)
).pipe(
  Command.withDescription(
    "Remove the streams and KV entries (state, checkpoint, snapshot) of finished runs older than --older-than."
  ),
  Command.withExamples([
    { command: "dla runs prune --nats nats://nats:4222 --older-than 7d", description: "Runs finished over a week ago" },
    {
      command: "dla runs prune --nats nats://nats:4222 --older-than 12h --dry-run",
      description: "Only list what would go"
    }
  ])
)

export const runs = Command.make("runs").pipe(
  Command.withDescription("Housekeeping of the runs kept on NATS."),
  Command.withSubcommands([prune]),
  Command.withExamples([
    { command: "dla runs prune --nats nats://nats:4222 --older-than 7d", description: "Free what old runs hold" }
  ])
)
