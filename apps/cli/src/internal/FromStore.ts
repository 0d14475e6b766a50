/**
 * `--from-store`: `dla analyse` counting the lines stored by `dla ship`, and `dla copy` copying every stored node's
 * files (mirrored into a local directory first, which the copier then copies incrementally as it copies any logs).
 * `@dla/store` is loaded only when `--from-store` is given: `analyse` and `copy` start without it.
 */
import { join } from "node:path"
import type { LogFormat } from "@dla/core"
import type { Store } from "@dla/store"
import type { NatsConnection } from "@nats-io/nats-core"
import * as Console from "effect/Console"
import * as CliError from "effect/cli/CliError"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Report from "../Report.ts"
import * as Diagnostics from "./Diagnostics.ts"
import type * as Failure from "./Failure.ts"
import * as Nats from "./Nats.ts"
import * as Progress from "./Progress.ts"
import * as Results from "./Results.ts"
import * as StoreFlags from "./StoreFlags.ts"

const loadStore = Effect.promise(() => import("@dla/store"))

export interface AnalyseArgs extends Nats.Settings {
  readonly path: string
  readonly nats: Option.Option<string>
  readonly node: Option.Option<string>
  readonly stream: Option.Option<string>
  readonly format: Option.Option<LogFormat.LogFormat>
  readonly json: boolean
}

const needsNats = (nats: Option.Option<string>) =>
  // `--nats` falls back to NATS_URL already (Nats.fromEnv).
  Option.match(nats, {
    onNone: () => Effect.fail(new Nats.NatsUnavailable({ detail: "--from-store needs --nats URL (or NATS_URL)" })),
    onSome: Effect.succeed
  })

/** Counts the stored lines (of one node with `--node`) in this process and prints the results block. */
export const analyse = (args: AnalyseArgs) =>
  Effect.gen(function* () {
    if (args.path !== "") {
      return yield* new CliError.ValidationError({
        message: `--from-store reads the store: drop the path '${args.path}'`
      })
    }
    const nc = yield* Nats.connection(yield* needsNats(args.nats), args)
    const { Store } = yield* loadStore
    const progress = Progress.make()
    const began = performance.now()
    const counts = yield* StoreFlags.failure(
      Store.count(nc, Option.isSome(args.node) ? { node: args.node.value } : {}, {
        ...StoreFlags.options(args.stream),
        ...(Option.isSome(args.format) ? { format: args.format.value } : {}),
        onProgress: (done, total) => progress.update(done, total, "from the store")
      })
    ).pipe(Effect.ensuring(Effect.sync(progress.finish)))
    const results: Report.Results = { counts, filesProcessed: counts.files, durationMs: performance.now() - began }
    yield* Console.log(
      args.json ? Results.print({ mode: "store", ...results, filesSkipped: 0, workers: 1 }) : Report.render(results)
    )
  }).pipe(Effect.scoped)

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
