import { natsPerFile } from "@dla/testing"
import { describe, expect, it } from "@effect/vitest"
import { AckPolicy, jetstream, jetstreamManager, RetentionPolicy } from "@nats-io/jetstream"
import { Effect } from "effect"
import * as Pull from "../src/nats/internal/pull.ts"

const nats = natsPerFile()
const decoder = new TextDecoder()

let streams = 0
/** A work-queue stream with one durable pull consumer, as a run's task queue has them. */
const queue = () =>
  Effect.promise(async () => {
    const stream = `PULL_${++streams}`
    const subject = `pull.${streams}`
    const jsm = await jetstreamManager(nats.nc())
    await jsm.streams.add({ name: stream, subjects: [subject], retention: RetentionPolicy.Workqueue })
    await jsm.consumers.add(stream, { durable_name: "workers", ack_policy: AckPolicy.Explicit, ack_wait: 30e9 })
    const js = jetstream(nats.nc())
    return { stream, publish: (text: string) => js.publish(subject, text) }
  })

const puller = (stream: string, expiresMs = 2000) =>
  Effect.acquireRelease(
    Effect.sync(() => Pull.make(nats.nc(), stream, "workers", { expiresMs, graceMs: 500 })),
    (p) => Effect.sync(() => p.close())
  )

const text = (delivered: Pull.Delivered | null) => (delivered === null ? null : decoder.decode(delivered.data))
const never = () => new AbortController().signal

describe("Pull: one message per pull, every pull answered on one inbox", () => {
  it("reads the delivery count from both shapes of ack subject, and nothing else", () => {
    expect(Pull.deliveryCount("$JS.ACK.TASKS.workers.3.17.12.1796140094274309142.5")).toBe(3)
    expect(Pull.deliveryCount("$JS.ACK._.AHASH.TASKS.workers.2.17.12.1796140094274309142.5.tok")).toBe(2)
    expect(Pull.deliveryCount("$JS.ACK._.AHASH.TASKS.workers.1.17.12.1796140094274309142.5")).toBe(1)
    expect(Pull.deliveryCount("_INBOX.abc.def")).toBeUndefined()
    expect(Pull.deliveryCount("$JS.ACK.TASKS.workers.x.17.12.0.5")).toBeUndefined()
  })

  it.live("takers waiting side by side each get a task of their own, first delivery", () =>
    Effect.gen(function* () {
      const { stream, publish } = yield* queue()
      const p = yield* puller(stream)
      const taken = [p.next(never()), p.next(never())]
      yield* Effect.promise(() => publish("a"))
      yield* Effect.promise(() => publish("b"))
      const delivered = yield* Effect.promise(() => Promise.all(taken))
      expect(delivered.map(text).sort()).toEqual(["a", "b"])
      expect(delivered.map((d) => d?.deliveryCount)).toEqual([1, 1])
      expect(delivered.every((d) => d?.reply.startsWith("$JS.ACK.") === true)).toBe(true)
    }).pipe(Effect.scoped)
  )

  it.live("a pull that finds nothing ends empty when it expires", () =>
    Effect.gen(function* () {
      const { stream } = yield* queue()
      const p = yield* puller(stream, 300)
      const began = Date.now()
      expect(yield* Effect.promise(() => p.next(never()))).toBeNull()
      expect(Date.now() - began).toBeGreaterThanOrEqual(250)
    }).pipe(Effect.scoped)
  )

  it.live("a task answering a taker that gave up is handed back, and delivered again", () =>
    Effect.gen(function* () {
      const { stream, publish } = yield* queue()
      const p = yield* puller(stream)
      const gaveUp = new AbortController()
      const abandoned = p.next(gaveUp.signal)
      gaveUp.abort()
      expect(yield* Effect.promise(() => abandoned)).toBeNull()
      // Its pull is still open on the server: the task goes to it, finds no taker, and is handed back (seen here
      // before pulling again: a taker waiting by then would be given it, as pulls are interchangeable).
      const handedBack = new Promise<void>((resolve) => {
        const spy = nats.nc().subscribe(`$JS.ACK.${stream}.workers.>`, {
          callback: (_error, msg) => {
            if (decoder.decode(msg.data) !== "-NAK") return
            spy.unsubscribe()
            resolve()
          }
        })
      })
      yield* Effect.promise(() => nats.nc().flush())
      yield* Effect.promise(() => publish("t"))
      yield* Effect.promise(() => handedBack)
      const again = yield* Effect.promise(() => p.next(never()))
      expect([text(again), again?.deliveryCount]).toEqual(["t", 2])
    }).pipe(Effect.scoped)
  )

  it.live("a pull on a stream that does not exist is not answered: it ends after its expiry and grace", () =>
    Effect.gen(function* () {
      const p = yield* puller("NO_SUCH_STREAM", 200)
      const began = Date.now()
      expect(yield* Effect.promise(() => p.next(never()))).toBeNull()
      expect(Date.now() - began).toBeGreaterThanOrEqual(650) // 200 ms expiry, 500 ms grace
    }).pipe(Effect.scoped)
  )
})
