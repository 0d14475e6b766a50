/**
 * The fencing seam: every state-changing action of the master (publishing tasks, writing a checkpoint, closing the
 * run) runs through `guard`, so a master that lost leadership writes nothing. `@dla/election` provides a layer that
 * checks the leader's term (compare-and-set in KV); a master without standbys uses `layerUnfenced`.
 *
 * A guard proves leadership at one instant: a master paused right after it could still write later. So the one value
 * masters overwrite in KV, the checkpoint, goes through `writeKv`/`adoptKv` instead: stamped with the writer's term
 * and written by compare-and-set, so once a newer master has adopted the key, no older one can ever write it again.
 *
 * @since 0.1.0
 */
import type { Leadership } from "@dla/election"
// The modules, not the package's index: that one also loads Leadership and with it the NATS client.
import * as ElectionError from "@dla/election/ElectionError"
import * as FencedKv from "@dla/election/FencedKv"
import type { KV } from "@nats-io/kv"
import { Context, Effect, Layer } from "effect"
import * as AnalyserError from "./AnalyserError.ts"

/**
 * Runs a master's writes only while it leads the run, so a deposed master cannot overwrite its successor's.
 *
 * @since 0.1.0
 * @category services
 */
export class Fence extends Context.Service<
  Fence,
  {
    /**
     * Runs `action` only while this process holds leadership; otherwise fails with an `AnalyserError` of reason
     * "Fenced" and runs nothing.
     */
    readonly guard: <A, E, R>(action: Effect.Effect<A, E, R>) => Effect.Effect<A, E | AnalyserError.AnalyserError, R>
    /** Writes `value` to `key` stamped with this master's term; refused ("Fenced") once a newer term holds the key. */
    readonly writeKv: (kv: KV, key: string, value: unknown) => Effect.Effect<void, AnalyserError.AnalyserError>
    /**
     * Reads `key` when taking a run over, re-stamping its value with this master's term so that no older master can
     * write it afterwards; `undefined` when the key is absent.
     */
    readonly adoptKv: (kv: KV, key: string) => Effect.Effect<unknown, AnalyserError.AnalyserError>
  }
>()("@dla/analyser/Fence") {}

/** A term that could not be checked (NATS unreachable) is a transport error the master rides out; a lost one stops it. */
const fromFenced = (e: ElectionError.Fenced) =>
  AnalyserError.make(e.reason === "Unverified" ? "Transport" : "Fenced", e.message)

const isFenced = (e: unknown): e is ElectionError.Fenced => e instanceof ElectionError.Fenced

/** A lone master writes as term 0: below every elected master's, so it never overwrites one of theirs. */
const unfencedWriter: FencedKv.Writer = { scope: "unfenced", term: 0, leader: "unfenced" }

/**
 * No standby masters: every action runs.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerUnfenced = Layer.succeed(
  Fence,
  Fence.of({
    guard: (action) => action,
    writeKv: (kv, key, value) =>
      FencedKv.write(kv, key, value, unfencedWriter).pipe(Effect.asVoid, Effect.mapError(fromFenced)),
    adoptKv: (kv, key) =>
      FencedKv.adopt(kv, key, unfencedWriter).pipe(
        Effect.map((stamped) => stamped?.value),
        Effect.mapError(fromFenced)
      )
  })
)

/**
 * Fenced by `@dla/election`: an action runs only after this process proved (a compare-and-set on the term key) that
 * it leads the run's current term. A term lost to another master fails with reason "Fenced" and runs nothing; a
 * term that could not be checked because NATS is unreachable fails with "Transport", which the master rides out.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerLeadership = (leadership: Leadership.Leadership["Service"]) =>
  Layer.succeed(
    Fence,
    Fence.of({
      guard: (action) => leadership.fenced(action).pipe(Effect.catchIf(isFenced, fromFenced)),
      writeKv: (kv, key, value) =>
        leadership.writeFenced(kv, key, value).pipe(Effect.asVoid, Effect.mapError(fromFenced)),
      adoptKv: (kv, key) =>
        leadership.adoptFenced(kv, key).pipe(
          Effect.map((stamped) => stamped?.value),
          Effect.mapError(fromFenced)
        )
    })
  )
