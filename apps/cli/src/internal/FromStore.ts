/**
 * `--from-store`: `dla analyse` counting the lines stored by `dla ship`, and `dla copy` copying every stored node's
 * files (mirrored into a local directory first, which the copier then copies incrementally as it copies any logs).
 * `@dla/store` is loaded only when `--from-store` is given (or a worker gets a store task): `analyse`, `copy` and
 * `worker` start without it.
 */
import { createHash } from "node:crypto"
import { availableParallelism } from "node:os"
import { join } from "node:path"
import type * as Counter from "@dla/analyser/Counter"
import type { LogFormat } from "@dla/core"
import type { Store } from "@dla/store"
import type { NatsConnection } from "@nats-io/nats-core"
import * as CliError from "effect/cli/CliError"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import * as Flags from "../Flags.ts"
import * as Diagnostics from "./Diagnostics.ts"
import type * as Failure from "./Failure.ts"
import * as Nats from "./Nats.ts"
import * as Run from "./Run.ts"
import * as StoreFlags from "./StoreFlags.ts"
import * as Watch from "./Watch.ts"

const loadStore = Effect.promise(() => import("@dla/store"))

export interface AnalyseArgs extends Nats.Settings, MasterFlags {
  readonly path: string
  readonly nats: Option.Option<string>
  readonly node: Option.Option<string>
  readonly stream: Option.Option<string>
  readonly format: Option.Option<LogFormat.LogFormat>
  readonly workers: Option.Option<number>
  readonly run: Option.Option<string>
  readonly checkpointDir: Option.Option<string>
  readonly json: boolean
  readonly byFile: boolean
}

type MasterFlags = Parameters<typeof Run.masterOptions>[0]

const needsNats = (nats: Option.Option<string>) =>
  // `--nats` falls back to NATS_URL already (Nats.fromEnv).
  Option.match(nats, {
    onNone: () => Effect.fail(new Nats.NatsUnavailable({ detail: "--from-store needs --nats URL (or NATS_URL)" })),
    onSome: Effect.succeed
  })

/**
 * The run id of a count of the store: given, or derived from the stream, the node and what the store holds (each
 * file's last sequence), so the same command over the same stored lines resumes, and one over a store that has grown
 * since is another run (its plan differs: the counts of the old one must not be resumed into it).
 */
const runIdOf = (args: AnalyseArgs, stream: string, files: ReadonlyArray<Store.Layout>) =>
  Option.getOrElse(
    args.run,
    () =>
      `store-${createHash("sha256")
        .update(JSON.stringify([stream, Option.getOrNull(args.node), files.map((f) => [f.subject, f.lastSeq])]))
        .digest("hex")
        .slice(0, 12)}`
  )

/**
 * Counts the stored lines (of one node with `--node`) as the analyser counts files over NATS: a master plans tasks
 * of stored ranges from the store's layout, this process's `--workers` count them (other `dla worker`s may join), and
 * results, duplicates, checkpoints and resuming go the master's way. Prints the results block.
 */
export const analyse = (args: AnalyseArgs) =>
  Effect.gen(function* () {
    if (args.path !== "") {
      return yield* new CliError.ValidationError({
        message: `--from-store reads the store: drop the path '${args.path}'`
      })
    }
    if (Option.isSome(args.checkpointDir)) {
      // A checkpoint directory keeps the processed files (links or copies): stored files have no path to keep.
      return yield* new CliError.ValidationError({
        message: "--from-store keeps its checkpoints on NATS: drop --checkpoint-dir"
      })
    }
    const workers = Option.getOrElse(args.workers, availableParallelism)
    yield* Flags.warnAboveCores(workers)
    const servers = yield* needsNats(args.nats)
    // Loaded while connecting.
    const modules = Promise.all([
      import("@dla/store"),
      import("@dla/analyser/nats/Distributed"),
      import("@dla/analyser/Fence"),
      import("@dla/analyser/Task")
    ])
    const nc = yield* Nats.connection(servers, args)
    const [{ Store, StoreError }, Distributed, Fence, Task] = yield* Effect.promise(() => modules)
    const stream = Option.getOrElse(args.stream, () => "DLA_LOGS")
    const splitBytes = Math.round(args.splitMb * 1024 * 1024)
    // Cuts only when a file may be split: reading them is a read of every stored message's headers.
    const files = yield* StoreFlags.failure(
      Store.layout(nc, Option.isSome(args.node) ? { node: args.node.value } : {}, {
        ...StoreFlags.options(args.stream),
        splitBytes
      })
    )
    if (files.length === 0) {
      const what = Option.isSome(args.node) ? `node '${args.node.value}'` : "anything"
      return yield* StoreFlags.failure(
        Effect.fail(new StoreError.StoreError({ reason: "NotFound", message: `the store holds nothing for ${what}` }))
      )
    }
    const runId = runIdOf(args, stream, files)
    const progress = Run.progress()
    const watched = Watch.make(runId, [progress.read])
    const options = {
      ...Run.masterOptions(args),
      runId,
      root: Option.match(args.node, { onNone: () => `store:${stream}`, onSome: (node) => `store:${stream}/${node}` }),
      planned: {
        files: files.map((f) => ({ path: Task.storedName(f), size: f.bytes })),
        tasks: Task.planStore(runId, files, { splitBytes })
      }
    }
    const format = Option.getOrUndefined(Option.map(args.format, Run.formatSpec))
    const summary = yield* Effect.gen(function* () {
      const store = counter(nc)
      // This process's own workers: store ranges are counted on its main thread (NATS reads, zstd on the thread
      // pool), so they need no counting thread of their own.
      const local = yield* Effect.forEach(Array.from({ length: workers }), (_, i) =>
        Distributed.worker(nc, { runId, once: true, format, store, workerId: `${runId}-local-${i + 1}` }).pipe(
          Effect.forkScoped
        )
      )
      const summary = yield* Distributed.master(nc, options).pipe(Effect.provide(Fence.layerUnfenced))
      yield* Fiber.interruptAll(local)
      return summary
    }).pipe(Effect.scoped, watched.track, (e) => Run.ensureFinished(e, progress.finish))
    yield* Run.report(summary, {
      json: args.json,
      baseline: Option.none(),
      mode: "store",
      workers,
      byFile: args.byFile
    })
    yield* Run.failOnUnreadable(summary)
  }).pipe(Effect.scoped)

/**
 * A worker's counter of store ranges (`Counter.StoreCounter`), reading with `nc`: `@dla/store` loaded, and each
 * stream's reader opened, with the first store task. A range the store does not hold whole (not yet, or removed)
 * fails the count: the task is handed back and delivered again, and given up after the delivery limit.
 */
export const counter = (nc: NatsConnection): Counter.StoreCounter => {
  const readers = new Map<string, Promise<Store.Reader>>()
  const readerOf = async (stream: string) => {
    const { Store } = await import("@dla/store")
    let reader = readers.get(stream)
    if (reader === undefined) {
      reader = Store.reader(nc, { stream, retryForMs: 10_000 })
      reader.catch(() => readers.delete(stream))
      readers.set(stream, reader)
    }
    return reader
  }
  return async (parts, spec) => {
    const { Counts, Limited, LogFormat } = await import("@dla/core")
    const format = spec === undefined ? undefined : LogFormat.fromSpec(spec)
    const stored = parts.flatMap(({ path, range, store }) => (store === undefined ? [] : [{ path, range, store }]))
    const files: Array<Counter.Counted["files"][number]> = []
    const counts: Array<Counter.Counted["counts"]> = []
    // A task packs up to hundreds of small stored files, each a round trip or more: a few read at once; one failing
    // fails the task.
    await Limited.each(stored, PARTS_AT_ONCE, async ({ path, range, store }, i) => {
      const counted = await (await readerOf(store.stream)).countRange({ ...store, ...range }, format)
      counts[i] = counted.counts
      files[i] = { path, format: counted.format, ...counted.counts }
    })
    return { counts: Counts.mergeAll(counts), skipped: [], files }
  }
}

/** Parts of one store task read at once. */
const PARTS_AT_ONCE = 8

/** Where `dla copy --from-store` mirrors the store: under the copier's state directory. */
export const mirrorDir = (stateDir: string, copyName: string): string => join(stateDir, "store", copyName)

/** Brings the mirror of every stored node's files up to date; says what was new. */
export const mirror = (
  nc: NatsConnection,
  dir: string,
  stream: Option.Option<string>
): Effect.Effect<Store.MirrorResult, Failure.Failure> =>
  Effect.flatMap(loadStore, ({ Store }) =>
    StoreFlags.failure(Store.mirror(nc, dir, {}, StoreFlags.options(stream)))
  ).pipe(
    Effect.tap((done) =>
      done.files > 0
        ? Effect.sync(() => Diagnostics.info(`mirrored ${done.bytes} new bytes of ${done.files} stored files`))
        : Effect.void
    )
  )
