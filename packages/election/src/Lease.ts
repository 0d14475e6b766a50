/**
 * A time-bounded lease on one key of the JetStream KV bucket `dla_leases`: at most one holder per key across
 * processes and hosts (the HDFS copier holds one per copy name). The election's term keys live in the same bucket,
 * opened by {@link openBucket} with the same settings.
 *
 * nats-server 2.9 has no per-message TTL, so expiry is judged by each contender's own monotonic clock, which makes it
 * immune to clock skew between hosts: the holder renews (update with revision CAS) every ttl/3 and considers itself
 * the holder only until ttl after it *sent* its last successful renewal; a contender takes over (CAS on the revision it
 * saw) only after that same revision has stayed unchanged for a whole ttl since it first saw it. Both windows start
 * no earlier than the write itself, so the old holder has stopped before a new one starts. Releasing deletes the key
 * (with a revision check), so a clean stop hands over at once.
 *
 * @since 0.1.0
 */
import type { KV } from "@nats-io/kv"
import type { NatsConnection } from "@nats-io/nats-core"
import { Clock, Effect, Schedule, Schema, type Scope } from "effect"
import { describe } from "./internal/kv.ts"
import * as KvBucket from "./KvBucket.ts"

/**
 * The bucket of every dla lease and leader term.
 *
 * @since 0.1.0
 * @category constants
 */
export const defaultBucket = "dla_leases"

/**
 * A holder that stops renewing loses its lease after this long, by default.
 *
 * @since 0.1.0
 * @category constants
 */
export const DEFAULT_TTL_SECONDS = 6

/**
 * Where the leases live: the bucket (default `dla_leases`) and its replicas when this process creates it.
 *
 * @since 0.1.0
 * @category models
 */
export interface BucketOptions {
  readonly bucket?: string
  /** Replicas of the bucket when this call creates it (1 by default; 3 on a 3-node cluster). */
  readonly replicas?: number
  /** JetStream request timeout in ms. */
  readonly timeoutMs?: number
}

/**
 * Opens the lease bucket, creating it when missing: one value per key (leases and terms need no history).
 *
 * @since 0.1.0
 * @category constructors
 */
export const openBucket = (nc: NatsConnection, options: BucketOptions = {}): Effect.Effect<KV, KvBucket.BucketError> =>
  KvBucket.create(nc, options.bucket ?? defaultBucket, {
    history: 1,
    ...(options.replicas !== undefined ? { replicas: options.replicas } : {}),
    ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {})
  })

/**
 * A lease that cannot be used: its bucket is unreachable, or it is not held when a holder's action needs it.
 *
 * @since 0.1.0
 * @category errors
 */
export class LeaseError extends Schema.TaggedError<LeaseError>()("LeaseError", {
  key: Schema.String,
  detail: Schema.String,
  cause: Schema.optional(Schema.Unknown)
}) {
  override get message(): string {
    return `lease ${this.key}: ${this.detail}`
  }
}

/**
 * A contender for one key.
 *
 * @since 0.1.0
 * @category models
 */
export interface LeaseOptions extends BucketOptions {
  readonly nats: NatsConnection
  /** Lease key inside the bucket. */
  readonly key: string
  /** Who holds it, for people reading the bucket: host and pid, say. */
  readonly owner: string
  /** A holder that stops renewing loses the lease after this long (default 6 s). */
  readonly ttlSeconds?: number
  /** What the lease is for, naming it in warnings (default "KV lease"). */
  readonly purpose?: string
}

/**
 * A running contender.
 *
 * @since 0.1.0
 * @category models
 */
export interface Lease {
  readonly key: string
  /** True while this process holds the lease (renewed less than a ttl ago). */
  readonly isHeld: () => boolean
  /** Counts the times this process acquired the lease (renewals excluded): a new term means others may have held it. */
  readonly term: () => number
  /** Fails when the lease is not held: checked before every write so a paused holder never writes after expiry. */
  readonly assertHeld: Effect.Effect<void, LeaseError>
}

interface LeaseValue {
  readonly owner: string
  readonly ttlMs: number
  readonly renewedAt: string
}

/**
 * A lease contender whose renewal loop runs until the scope closes; then a held lease is released.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: LeaseOptions): Effect.Effect<Lease, LeaseError, Scope.Scope> =>
  Effect.gen(function* () {
    const ttlMs = (options.ttlSeconds ?? DEFAULT_TTL_SECONDS) * 1000
    const kv = yield* openBucket(options.nats, options).pipe(
      Effect.mapError((cause) => new LeaseError({ key: options.key, detail: cause.message, cause }))
    )
    // Time from the Effect's Clock (a TestClock in tests), read synchronously by the Promise code below: monotonic
    // milliseconds for the ttl, wall time only for the value's `renewedAt`.
    const clock = yield* Clock.Clock
    const monotonicMs = () => Number(clock.monotonicTimeNanosUnsafe()) / 1_000_000
    let heldRevision = 0
    let heldSince = Number.NEGATIVE_INFINITY // monotonic time the last successful write was sent
    let seen = { revision: 0, at: 0 } // another holder's revision, and when this process first saw it
    let released = false
    let lastWarning = ""
    let term = 0
    let inFlight: Promise<void> = Promise.resolve()

    const isHeld = () => heldRevision > 0 && monotonicMs() - heldSince < ttlMs
    const value = () =>
      JSON.stringify({
        owner: options.owner,
        ttlMs,
        renewedAt: new Date(clock.currentTimeMillisUnsafe()).toISOString()
      } satisfies LeaseValue)

    const write = async (revision: number | undefined) => {
      if (released) return
      const sentAt = monotonicMs()
      const renewing = heldRevision > 0
      try {
        heldRevision =
          revision === undefined
            ? await kv.create(options.key, value())
            : await kv.update(options.key, value(), revision)
        heldSince = sentAt
        if (!renewing) term++
      } catch {
        heldRevision = 0 // someone else wrote first: the CAS failed
      }
    }

    const contend = async () => {
      const entry = await kv.get(options.key)
      if (entry === null || entry.operation !== "PUT") return write(undefined)
      if (entry.revision === heldRevision) return write(entry.revision)
      heldRevision = 0
      const now = monotonicMs()
      if (entry.revision !== seen.revision) seen = { revision: entry.revision, at: now }
      else if (now - seen.at >= ttlMs) return write(entry.revision)
    }

    // Released before the renewal loop is interrupted (finalizers run in reverse order), and only after the
    // contention in flight settled, so a late create or update cannot take the lease back after the release.
    yield* Effect.addFinalizer(() =>
      Effect.promise(async () => {
        released = true
        await inFlight.catch(() => undefined)
        if (heldRevision === 0) return
        await kv.delete(options.key, { previousSeq: heldRevision }).catch(() => undefined)
        heldRevision = 0
      })
    )

    yield* Effect.tryPromise({
      try: () => {
        inFlight = contend()
        return inFlight
      },
      catch: (cause) => new LeaseError({ key: options.key, detail: describe(cause), cause })
    }).pipe(
      // NATS unreachable: the lease simply runs out (isHeld turns false after ttl). Its revision is kept, so when NATS
      // returns and nobody else wrote meanwhile, the CAS renewal succeeds and this process continues its term.
      Effect.tap(() => Effect.sync(() => (lastWarning = ""))),
      Effect.catch((error) =>
        error.message === lastWarning
          ? Effect.void // said once per outage is enough
          : Effect.sync(() => (lastWarning = error.message)).pipe(
              Effect.andThen(Effect.logWarning(`${options.purpose ?? "KV lease"}: ${error.message}`))
            )
      ),
      Effect.repeat(Schedule.spaced(ttlMs / 3)),
      Effect.forkScoped
    )

    return {
      key: options.key,
      isHeld,
      term: () => term,
      assertHeld: Effect.suspend(() =>
        isHeld() ? Effect.void : Effect.fail(new LeaseError({ key: options.key, detail: "not held by this process" }))
      )
    } satisfies Lease
  })
