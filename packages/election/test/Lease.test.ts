import { KvBucket, Lease } from "@dla/election"
import { natsPerFile, waitFor } from "@dla/testing"
import { describe, expect, it } from "@effect/vitest"
import { Clock, Effect, Exit, Scope } from "effect"

const nats = natsPerFile()

describe("KvBucket.create", () => {
  it.live("creators racing on one bucket all get it, with the settings asked for", () =>
    Effect.gen(function* () {
      const buckets = yield* Effect.all(
        Array.from({ length: 5 }, () => KvBucket.create(nats.nc(), "race_test", { history: 2 })),
        { concurrency: "unbounded" }
      )
      const status = yield* Effect.promise(() => buckets[0]!.status())
      expect(status.history).toBe(2)
      expect(status.replicas).toBe(1)
    })
  )

  it.live("fails with a one-line BucketError naming the bucket", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(KvBucket.create(nats.nc(), "bad name!"))
      expect(error._tag).toBe("BucketError")
      expect(error.message).toMatch(/^cannot open KV bucket bad name!: /)
      expect(error.cause).toBeDefined()
    })
  )
})

describe("Lease", () => {
  it.live("openBucket opens dla_leases with one value per key", () =>
    Effect.gen(function* () {
      const kv = yield* Lease.openBucket(nats.nc())
      const status = yield* Effect.promise(() => kv.status())
      expect(status.bucket).toBe(Lease.defaultBucket)
      expect(status.history).toBe(1)
    })
  )

  it.live("one holder per key; assertHeld fails with a LeaseError for the other; closing hands it over", () =>
    Effect.gen(function* () {
      const first = yield* Scope.make()
      const a = yield* Lease.make({ nats: nats.nc(), key: "lease_test", owner: "a", ttlSeconds: 1 }).pipe(
        Scope.provide(first)
      )
      yield* Effect.promise(() => waitFor("a to hold the lease", a.isHeld, { timeoutMs: 5_000 }))
      const b = yield* Lease.make({ nats: nats.nc(), key: "lease_test", owner: "b", ttlSeconds: 1 })
      const refused = yield* Effect.flip(b.assertHeld)
      expect(refused.message).toBe("lease lease_test: not held by this process")
      expect(a.term()).toBe(1)
      yield* Scope.close(first, Exit.void)
      yield* Effect.promise(() => waitFor("b to take over", b.isHeld, { timeoutMs: 5_000 }))
      yield* b.assertHeld
      expect(b.term()).toBe(1)
    }).pipe(Effect.scoped)
  )

  it.live("holds for ttl on the Effect's clock: the clock moved past it, the lease is no longer held", () =>
    Effect.gen(function* () {
      // The live clock, shifted by `skipped`: moving it needs no wait and wakes no renewal (the ttl is long).
      const live = yield* Clock.Clock
      let skippedNanos = 0n
      const shifted: Clock.Clock = {
        ...live,
        monotonicTimeNanosUnsafe: () => live.monotonicTimeNanosUnsafe() + skippedNanos,
        currentTimeMillisUnsafe: () => live.currentTimeMillisUnsafe() + Number(skippedNanos / 1_000_000n)
      }
      const lease = yield* Lease.make({ nats: nats.nc(), key: "clock_test", owner: "a", ttlSeconds: 60 }).pipe(
        Effect.provideService(Clock.Clock, shifted)
      )
      yield* Effect.promise(() => waitFor("the lease", lease.isHeld, { timeoutMs: 5_000 }))
      skippedNanos = 59_000_000_000n
      expect(lease.isHeld()).toBe(true)
      skippedNanos = 61_000_000_000n
      expect(lease.isHeld()).toBe(false)
      expect((yield* Effect.flip(lease.assertHeld)).message).toBe("lease clock_test: not held by this process")
    }).pipe(Effect.scoped)
  )
})
