/**
 * The Promise face of {@link EffectFace}: leadership of one scope among candidate processes, for code without Effect.
 *
 * @since 0.1.0
 */

import { PromiseFace } from "@dla/core"
import type { KV } from "@nats-io/kv"
import type { NatsConnection } from "@nats-io/nats-core"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import type * as Candidate from "../Candidate.ts"
import type * as FencedKv from "../FencedKv.ts"
import * as EffectFace from "../Leadership.ts"

/**
 * The same models as the Effect face.
 *
 * @since 0.1.0
 * @category models
 */
export type { Options, Role, State, Timing } from "../Leadership.ts"

/**
 * The default timing and term bucket, shared with the Effect face.
 *
 * @since 0.1.0
 * @category constants
 */
export { defaultBucket, defaultTiming } from "../Leadership.ts"

/**
 * This node's part in the election: the members of the Effect service, each returning a Promise. An action to fence
 * is a function returning a Promise; `whileLeading` passes it a signal that aborts when the term is lost. `close()`
 * resigns and stops every timer and subscription, as the end of the scope does in the Effect face.
 *
 * @since 0.1.0
 * @category models
 */
export interface Leadership extends PromiseFace.Closeable {
  readonly scope: string
  readonly self: Candidate.Candidate
  /** The current state, then every change: `for await` it, `break` to stop listening. */
  readonly changes: AsyncIterable<EffectFace.State>
  readonly state: () => Promise<EffectFace.State>
  readonly isLeader: () => Promise<boolean>
  /** Resolves when this node leads, to its term. */
  readonly awaitLeadership: () => Promise<number>
  /** Gives up leadership and candidacy for the rest of the scope. */
  readonly resign: () => Promise<void>
  /** Proves that this node leads the newest term and resolves to it; rejects with `Fenced` otherwise. */
  readonly guard: () => Promise<number>
  /** Runs `action` only after {@link guard} succeeds. */
  readonly fenced: <A>(action: () => Promise<A>) => Promise<A>
  /** {@link guard}, then `FencedKv.write` stamped with this node's term. */
  readonly writeFenced: (kv: KV, key: string, value: unknown) => Promise<FencedKv.Written>
  /** {@link guard}, then `FencedKv.adopt`: the key's current value re-stamped with this node's term. */
  readonly adoptFenced: (kv: KV, key: string) => Promise<FencedKv.Stamped | undefined>
  /**
   * Waits for leadership, runs `run(term, signal)`, aborts `signal` as soon as this node stops leading that term,
   * then waits to lead again; resolves to what `run` resolves to while still leading.
   */
  readonly whileLeading: <A>(run: (term: number, signal: AbortSignal) => Promise<A>) => Promise<A>
}

/** A Promise as an Effect whose failure is the rejection itself, interrupted through the signal it is given. */
const fromPromise = <A>(evaluate: (signal: AbortSignal) => Promise<A>) =>
  Effect.tryPromise({ try: evaluate, catch: (rejection) => rejection })

/**
 * Joins the election of `options.scope` ({@link EffectFace.make}); rejects with an `ElectionError` on bad options or
 * when the term bucket cannot be opened.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (nc: NatsConnection, options: EffectFace.Options): Promise<Leadership> =>
  PromiseFace.scoped(EffectFace.make(nc, options), (service, run) => ({
    changes: Stream.toAsyncIterable(service.changes),
    fenced: <A>(action: () => Promise<A>) => run(service.fenced(fromPromise(action))),
    whileLeading: <A>(lead: (term: number, signal: AbortSignal) => Promise<A>) =>
      run(service.whileLeading((term) => fromPromise((signal) => lead(term, signal))))
  }))
