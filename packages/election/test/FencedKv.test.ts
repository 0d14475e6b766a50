import { FencedKv } from "@dla/election"
import { natsPerFile } from "@dla/testing"
import { describe, expect, it } from "@effect/vitest"
import { type KV, Kvm } from "@nats-io/kv"
import { Effect } from "effect"
import { beforeAll } from "vitest"

const nats = natsPerFile()
let kv: KV

beforeAll(async () => {
  kv = await new Kvm(nats.nc()).create("fenced_test", { history: 10 })
})

const writer = (term: number, leader = `n${term}`) => ({ scope: "run", term, leader })

describe("FencedKv", () => {
  it.live("read gives undefined for a missing key and the stamped value after a write", () =>
    Effect.gen(function* () {
      expect(yield* FencedKv.read(kv, "absent")).toBeUndefined()
      const written = yield* FencedKv.write(kv, "k1", { n: 1 }, writer(3))
      expect(yield* FencedKv.read(kv, "k1")).toEqual({
        term: 3,
        leader: "n3",
        value: { n: 1 },
        revision: written.revision
      })
    })
  )

  it.live("a newer term overwrites; an older term is refused with Superseded and leaves the value alone", () =>
    Effect.gen(function* () {
      yield* FencedKv.write(kv, "k2", "first", writer(1))
      yield* FencedKv.write(kv, "k2", "same term again", writer(1))
      yield* FencedKv.write(kv, "k2", "second", writer(2))
      const error = yield* FencedKv.write(kv, "k2", "stale", writer(1)).pipe(Effect.flip)
      expect(error).toMatchObject({
        _tag: "Fenced",
        reason: "Superseded",
        term: 1,
        currentTerm: 2,
        currentLeader: "n2"
      })
      expect((yield* FencedKv.read(kv, "k2"))?.value).toBe("second")
    })
  )

  it.live("adopt re-stamps the latest value with the new term, after which the old term cannot write", () =>
    Effect.gen(function* () {
      expect(yield* FencedKv.adopt(kv, "adopt-absent", writer(2))).toBeUndefined()
      yield* FencedKv.write(kv, "adopted", { done: 4 }, writer(1))
      // The old leader's last write lands just before the takeover: the new leader resumes from it.
      yield* FencedKv.write(kv, "adopted", { done: 5 }, writer(1))
      const taken = yield* FencedKv.adopt(kv, "adopted", writer(2))
      expect(taken).toMatchObject({ term: 2, leader: "n2", value: { done: 5 } })
      expect(yield* FencedKv.read(kv, "adopted")).toEqual(taken)
      const late = yield* FencedKv.write(kv, "adopted", { done: 6 }, writer(1)).pipe(Effect.flip)
      expect(late).toMatchObject({ reason: "Superseded", term: 1, currentTerm: 2 })
      const older = yield* FencedKv.adopt(kv, "adopted", writer(1)).pipe(Effect.flip)
      expect(older.reason).toBe("Superseded")
    })
  )

  it.live("a deleted key can be written again", () =>
    Effect.gen(function* () {
      yield* FencedKv.write(kv, "k3", 1, writer(1))
      yield* Effect.promise(() => kv.delete("k3"))
      expect(yield* FencedKv.read(kv, "k3")).toBeUndefined()
      yield* FencedKv.write(kv, "k3", 2, writer(1))
      expect((yield* FencedKv.read(kv, "k3"))?.value).toBe(2)
    })
  )

  it.live("a key holding a foreign value is neither read as stamped nor overwritten", () =>
    Effect.gen(function* () {
      yield* Effect.promise(() => kv.put("plain", "not json"))
      const readError = yield* FencedKv.read(kv, "plain").pipe(Effect.flip)
      expect(readError.message).toBe("election plain: plain does not hold a term-stamped value")
      const writeError = yield* FencedKv.write(kv, "plain", 1, writer(1)).pipe(Effect.flip)
      expect(writeError.reason).toBe("Unverified")
      expect(writeError.message).toBe(
        "election run: cannot verify term 1: plain: holds a value that is not term-stamped; refusing to overwrite it"
      )
    })
  )

  it.live("concurrent writers of increasing terms leave a history whose terms never go back", () =>
    Effect.gen(function* () {
      const stale = (term: number) =>
        FencedKv.write(kv, "race", term, writer(term)).pipe(Effect.catchTag("Fenced", () => Effect.void))
      yield* Effect.all([1, 2, 3, 4, 5, 6].map(stale), { concurrency: "unbounded" })
      const terms = yield* Effect.promise(async () => {
        const seen: Array<number> = []
        for await (const entry of await kv.history({ key: "race" })) seen.push(entry.json<{ term: number }>().term)
        return seen
      })
      expect(terms).toEqual([...terms].sort((a, b) => a - b))
      expect((yield* FencedKv.read(kv, "race"))?.term).toBe(6)
    })
  )
})
