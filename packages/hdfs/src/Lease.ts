/**
 * One copier per copy name across processes and hosts: a lease in the JetStream KV bucket `dla_leases`.
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
import { type KV, Kvm } from "@nats-io/kv"
import type { NatsConnection } from "@nats-io/nats-core"
import { Effect, Schedule } from "effect"
import { fromUnknown, HdfsError } from "./HdfsError.ts"

export const BUCKET = "dla_leases"
export const DEFAULT_TTL_SECONDS = 6

export interface LeaseOptions {
  readonly nats: NatsConnection
  /** Lease key inside the bucket (one per copy name). */
  readonly key: string
  /** Who holds it, for people reading the bucket: host and pid by default. */
  readonly owner: string
  /** A holder that stops renewing loses the lease after this long (default 6 s). */
  readonly ttlSeconds?: number
  readonly bucket?: string
}

export interface Lease {
  readonly key: string
  /** True while this process holds the lease (renewed less than a ttl ago). */
  readonly isHeld: () => boolean
  /** Counts the times this process acquired the lease (renewals excluded): a new term means others may have copied. */
  readonly term: () => number
  /** Fails when the lease is not held: checked before every write so a paused holder never writes after expiry. */
  readonly assertHeld: Effect.Effect<void, HdfsError>
}

interface LeaseValue {
  readonly owner: string
  readonly ttlMs: number
  readonly renewedAt: string
}

/** KV keys allow only [-/_=.A-Za-z0-9]: anything else in a copy name becomes '_'. */
export const keyFor = (copyName: string) => `hdfs.${copyName.replace(/[^-/_=.A-Za-z0-9]/g, "_")}`

const openBucket = async (nats: NatsConnection, bucket: string): Promise<KV> => {
  const kvm = new Kvm(nats)
  // Another dla component may have created the bucket with its own settings: then open it as it is.
  return kvm.create(bucket, { history: 1 }).catch(() => kvm.open(bucket))
}

/** A lease contender whose renewal loop runs until the scope closes; then a held lease is released. */
export const make = (options: LeaseOptions) =>
  Effect.gen(function* () {
    const ttlMs = (options.ttlSeconds ?? DEFAULT_TTL_SECONDS) * 1000
    const bucket = options.bucket ?? BUCKET
    const kv = yield* Effect.tryPromise({
      try: () => openBucket(options.nats, bucket),
      catch: fromUnknown("Lease", `open KV bucket ${bucket}`)
    })
    let heldRevision = 0
    let heldSince = Number.NEGATIVE_INFINITY // monotonic time the last successful write was sent
    let seen = { revision: 0, at: 0 } // another holder's revision, and when this process first saw it
    let released = false
    let lastWarning = ""
    let term = 0
    let inFlight: Promise<void> = Promise.resolve()

    const isHeld = () => heldRevision > 0 && performance.now() - heldSince < ttlMs
    const value = () =>
      JSON.stringify({ owner: options.owner, ttlMs, renewedAt: new Date().toISOString() } satisfies LeaseValue)

    const write = async (revision: number | undefined) => {
      if (released) return
      const sentAt = performance.now()
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
      const now = performance.now()
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
      catch: fromUnknown("Lease", `lease ${options.key}`)
    }).pipe(
      // NATS unreachable: the lease simply runs out (isHeld turns false after ttl). Its revision is kept, so when NATS
      // returns and nobody else wrote meanwhile, the CAS renewal succeeds and this process continues its term.
      Effect.tap(() => Effect.sync(() => (lastWarning = ""))),
      Effect.catch((error) =>
        error.message === lastWarning
          ? Effect.void // said once per outage is enough
          : Effect.sync(() => (lastWarning = error.message)).pipe(
              Effect.andThen(Effect.logWarning(`HDFS copy lease: ${error.message}`))
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
        isHeld()
          ? Effect.void
          : Effect.fail(new HdfsError({ reason: "Lease", message: `lease ${options.key} is not held by this process` }))
      )
    } satisfies Lease
  })
