import * as Counter from "@dla/analyser/Counter"
import * as Fence from "@dla/analyser/Fence"
import * as Heartbeats from "@dla/analyser/Heartbeats"
import { Distributed, RunsKv } from "@dla/analyser/nats"
import { natsPerFile } from "@dla/testing"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Stream } from "effect"
import { makeCorpus, sequentialCounts } from "./support/corpus.ts"

const nats = natsPerFile()
const beat = (workerId: string) => ({ workerId, inFlight: [], done: 0 })

describe("Heartbeats", () => {
  it.effect("merge: a listener hears the beats of both; its own beats go out through the first", () =>
    Effect.gen(function* () {
      const first = yield* Heartbeats.makeMemory
      const second = yield* Heartbeats.makeMemory
      const merged = Heartbeats.merge(first, second)
      const [heard, heardByFirst] = [yield* merged.listen, yield* first.listen]
      yield* first.beat(beat("a"))
      yield* second.beat(beat("b"))
      yield* merged.beat(beat("c"))
      const ids = yield* heard.pipe(Stream.take(3), Stream.runCollect)
      expect(ids.map((h) => h.workerId).sort()).toEqual(["a", "b", "c"])
      const firsts = yield* heardByFirst.pipe(Stream.take(2), Stream.runCollect)
      expect(firsts.map((h) => h.workerId)).toEqual(["a", "c"])
    }).pipe(Effect.scoped)
  )

  it.effect("listenNow: beats sent before the listener asks for them are heard", () =>
    Effect.gen(function* () {
      const hub = yield* Heartbeats.makeMemory
      const early = yield* Heartbeats.listenNow(hub)
      yield* hub.beat(beat("joined-early"))
      const heard = yield* early.listen
      yield* early.beat(beat("later"))
      const ids = yield* heard.pipe(Stream.take(2), Stream.runCollect)
      expect(ids.map((h) => h.workerId)).toEqual(["joined-early", "later"])
      // The plain hub's listener hears only what is beaten after it listens.
      const plain = yield* hub.listen
      yield* hub.beat(beat("last"))
      expect((yield* plain.pipe(Stream.take(1), Stream.runCollect)).map((h) => h.workerId)).toEqual(["last"])
    }).pipe(Effect.scoped)
  )

  it.live(
    "a master's own workers beat in process: none of their heartbeats goes over NATS, the master hears them",
    () =>
      Effect.gen(function* () {
        const root = makeCorpus({ files: 6, lines: 200 })
        const runId = "local-beats"
        const overNats: Array<string> = []
        const spy = nats.nc().subscribe(RunsKv.names(runId).heartbeats, {
          callback: (_error, msg) => void overNats.push(msg.subject)
        })
        yield* Effect.addFinalizer(() => Effect.sync(() => spy.unsubscribe()))
        yield* Effect.promise(() => nats.nc().flush())
        const summary = yield* Distributed.master(nats.nc(), {
          runId,
          root,
          fresh: true,
          localWorkers: { counters: [Counter.layerInline(), Counter.layerInline()] }
        }).pipe(Effect.provide(Fence.layerUnfenced))
        expect(summary.counts).toEqual(yield* Effect.promise(() => sequentialCounts(root)))
        expect([...summary.workers].sort()).toEqual([`${runId}-local-1`, `${runId}-local-2`])
        yield* Effect.promise(() => nats.nc().flush())
        expect(overNats).toEqual([])
      }).pipe(Effect.scoped)
  )
})
