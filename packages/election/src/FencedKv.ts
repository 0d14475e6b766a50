/**
 * Term-stamped values in JetStream KV: the storage side of fencing.
 *
 * A fence check (`Leadership.guard`) proves leadership at one instant; a leader paused right after it could still
 * write later. Values written here carry the writer's term and every write is a compare-and-set, so once a key holds
 * a value of term `t`, no write of a term below `t` is ever accepted: a stale leader's write either loses the CAS or
 * finds the newer term and fails with `Fenced`.
 *
 * @since 0.1.0
 */
import type { KV } from "@nats-io/kv"
import { Effect, Option, Schema } from "effect"
import { ElectionError, Fenced } from "./ElectionError.ts"
import { compareAndSet, describe, readCurrent } from "./internal/kv.ts"
import { jsonDecoder } from "./internal/protocol.ts"

/**
 * Who writes: the scope for messages, the writer's term and id.
 *
 * @since 0.1.0
 * @category models
 */
export interface Writer {
  readonly scope: string
  readonly term: number
  readonly leader: string
}

/**
 * A stored value with the term and leader that wrote it and the KV revision it has.
 *
 * @since 0.1.0
 * @category models
 */
export interface Stamped<A = unknown> {
  readonly term: number
  readonly leader: string
  readonly value: A
  readonly revision: number
}

const Envelope = Schema.Struct({ term: Schema.Number, leader: Schema.String, value: Schema.Unknown })
const parse: (text: string) => Option.Option<typeof Envelope.Type> = jsonDecoder(Envelope)

/**
 * What a write stored: the writer's term and the key's new revision.
 *
 * @since 0.1.0
 * @category models
 */
export interface Written {
  readonly term: number
  readonly revision: number
}

/** Lost CAS races in a row before giving up with `Unverified`: each loss is another write landing first. */
const maxAttempts = 10

const requestTimeoutMs = 2_000

const readStamped = (kv: KV, key: string) =>
  Effect.tryPromise({
    try: () => readCurrent(kv, key),
    catch: (e) => describe(e)
  }).pipe(
    Effect.map((current) => ({
      revision: current.revision,
      stamped: current.entry ? Option.getOrUndefined(parse(current.entry.string())) : undefined,
      raw: current.entry !== undefined
    }))
  )

/**
 * Reads a value written by {@link write}; `undefined` when the key is absent or deleted. Fails with `ElectionError`
 * when KV cannot be reached or the value was not written by {@link write}.
 *
 * @since 0.1.0
 * @category reading
 */
export const read = Effect.fn("FencedKv.read")(function* (kv: KV, key: string) {
  const current = yield* readStamped(kv, key).pipe(
    Effect.mapError((detail) => new ElectionError({ scope: key, detail: `cannot read ${key}: ${detail}` }))
  )
  if (!current.raw) return undefined
  if (current.stamped === undefined) {
    return yield* new ElectionError({ scope: key, detail: `${key} does not hold a term-stamped value` })
  }
  const stamped: Stamped = { ...current.stamped, revision: current.revision }
  return stamped
})

/**
 * The one compare-and-set loop behind {@link write} and {@link adopt}: reads the key, refuses a newer term, asks
 * `next` for the value to store (`undefined`: store nothing) and CASes it stamped with the writer's term; a lost race
 * reads again.
 */
const update = (
  kv: KV,
  key: string,
  writer: Writer,
  next: (current: Stamped | undefined) => { readonly value: unknown } | undefined
) =>
  Effect.gen(function* () {
    const unverified = (detail: string) =>
      new Fenced({ reason: "Unverified", scope: writer.scope, term: writer.term, detail: `${key}: ${detail}` })
    for (let attempt = 0; attempt < maxAttempts; attempt++) {
      const current = yield* readStamped(kv, key).pipe(Effect.mapError(unverified))
      if (current.raw && current.stamped === undefined) {
        return yield* unverified("holds a value that is not term-stamped; refusing to overwrite it")
      }
      if (current.stamped !== undefined && current.stamped.term > writer.term) {
        return yield* new Fenced({
          reason: "Superseded",
          scope: writer.scope,
          term: writer.term,
          currentTerm: current.stamped.term,
          currentLeader: current.stamped.leader
        })
      }
      const chosen = next(current.stamped && { ...current.stamped, revision: current.revision })
      if (chosen === undefined) return undefined
      const data = JSON.stringify({ term: writer.term, leader: writer.leader, value: chosen.value })
      const revision = yield* Effect.tryPromise({
        try: () => compareAndSet(kv, key, data, current.revision, requestTimeoutMs),
        catch: (e) => unverified(describe(e))
      })
      if (revision !== undefined) {
        const stamped: Stamped = { term: writer.term, leader: writer.leader, value: chosen.value, revision }
        return stamped
      }
    }
    return yield* unverified(`lost ${maxAttempts} compare-and-set races in a row`)
  })

/**
 * Writes `value` (JSON) stamped with the writer's term, by compare-and-set against the key's latest revision.
 * Refuses with `Fenced` (`Superseded`) when the key already holds a newer term; overwrites values of the same or
 * older terms (an older leader's last write is ordered before ours).
 *
 * @since 0.1.0
 * @category writing
 */
export const write = Effect.fn("FencedKv.write")(function* (kv: KV, key: string, value: unknown, writer: Writer) {
  const stored = yield* update(kv, key, writer, () => ({ value }))
  const written: Written = { term: writer.term, revision: stored?.revision ?? 0 }
  return written
})

/**
 * Takes a key over for a new term: re-stamps its current value with the writer's term (compare-and-set) and returns
 * it, so the new leader resumes from exactly the last value any older leader managed to store, and from then on no
 * older term can write the key at all. `undefined` (nothing stamped) when the key is absent.
 *
 * @since 0.1.0
 * @category writing
 */
export const adopt = Effect.fn("FencedKv.adopt")(function* (kv: KV, key: string, writer: Writer) {
  return yield* update(kv, key, writer, (current) => current && { value: current.value })
})
