import * as CheckpointStore from "@dla/analyser/CheckpointStore"
import * as Fence from "@dla/analyser/Fence"
import { CheckpointKv, Distributed, RunsKv } from "@dla/analyser/nats"
import * as RunMonitor from "@dla/analyser/RunMonitor"
import { natsPerFile } from "@dla/testing"
import { describe, expect, it } from "@effect/vitest"
import { jetstream, jetstreamManager } from "@nats-io/jetstream"
import { Kvm } from "@nats-io/kv"
import { connect } from "@nats-io/transport-node"
import { Effect, Option } from "effect"
import { checkpoint } from "./support/checkpoint.ts"

const nats = natsPerFile()

/**
 * Everything a reader of the runs bucket does: the calls a worker, a standby, `dla status` and a dashboard make
 * before and after a master creates the bucket.
 */
const readEverything = (runId: string) =>
  Effect.gen(function* () {
    const nc = nats.nc()
    return {
      runs: (yield* RunsKv.runs(nc)).map((r) => [r.runId, r.state.status]),
      snapshot: Option.map(yield* RunMonitor.read(nc, runId), (s) => s.runId),
      snapshots: (yield* RunMonitor.list(nc)).map((s) => s.runId),
      checkpoint: Option.map(yield* CheckpointKv.read(nc, runId), (c) => c.sequence)
    }
  })

describe("readers of the runs bucket (nats-server 2.9.10 panics on a STREAM.MSG.GET racing the stream's creation)", () => {
  it.live("read with direct gets, never STREAM.MSG.GET, before and after the bucket exists, and read right", () =>
    Effect.gen(function* () {
      // Another connection sees every MSG.GET request sent to the bucket's stream.
      const spy = yield* Effect.acquireRelease(
        Effect.promise(() => connect({ servers: nats.server().url })),
        (nc) => Effect.promise(() => nc.close())
      )
      const msgGets: Array<string> = []
      spy.subscribe(`$JS.API.STREAM.MSG.GET.KV_${RunsKv.runsBucket}`, {
        callback: (_e, m) => {
          msgGets.push(m.subject)
        }
      })
      yield* Effect.promise(() => spy.flush())

      expect(yield* readEverything("r1")).toEqual({
        runs: [],
        snapshot: Option.none(),
        snapshots: [],
        checkpoint: Option.none()
      })

      // A master sets the run up, checkpoints and publishes a snapshot.
      const nc = nats.nc()
      yield* Distributed.setupRun(nc, "r1", "/logs")
      const store = yield* CheckpointStore.CheckpointStore.pipe(
        Effect.provide(CheckpointKv.layer(nc, "r1")),
        Effect.provide(Fence.layerUnfenced)
      )
      yield* store.save(checkpoint("r1", 7))
      const kv = yield* Effect.promise(() => new Kvm(nc).open(RunsKv.runsBucket))
      yield* Effect.promise(() =>
        kv.put(RunMonitor.subjects("r1").snapshotKey, JSON.stringify(RunMonitor.make("r1").current()))
      )

      // (The master reads what it wrote itself with MSG.GET: its stream is made by then.)
      yield* Effect.promise(() => spy.flush())
      const byReaders = msgGets.length
      expect(yield* readEverything("r1")).toEqual({
        runs: [["r1", "running"]],
        snapshot: Option.some("r1"),
        snapshots: ["r1"],
        checkpoint: Option.some(7)
      })
      yield* Effect.promise(() => spy.flush())
      expect(msgGets.slice(byReaders)).toEqual([])
    }).pipe(Effect.scoped)
  )
})

describe("Distributed.setupRun with fresh", () => {
  it.live("makes an earlier run's streams again, so the message ids they remember drop nothing of this run", () =>
    Effect.gen(function* () {
      const nc = nats.nc()
      const n = RunsKv.names("f1")
      const js = jetstream(nc)
      const jsm = yield* Effect.promise(() => jetstreamManager(nc))
      // The results stream: no consumer of its own to give the earlier run away, only what it stored.
      const publish = () => Effect.promise(() => js.publish(n.resultSubject, "{}", { msgID: "f1/t1" }))
      yield* Distributed.setupRun(nc, "f1", "/logs", { fresh: true })
      expect((yield* publish()).duplicate).toBe(false)
      // Emptied (as a work queue empties as its tasks are acked), the stream still knows the id.
      yield* Effect.promise(() => jsm.streams.purge(n.results))
      expect((yield* publish()).duplicate).toBe(true)
      yield* Distributed.setupRun(nc, "f1", "/logs", { fresh: true })
      expect((yield* publish()).duplicate).toBe(false)
    })
  )

  it.live("keeps a stream no run has used (no message, no consumer): nothing to delete", () =>
    Effect.gen(function* () {
      const nc = nats.nc()
      const jsm = yield* Effect.promise(() => jetstreamManager(nc))
      const created = (stream: string) => Effect.promise(() => jsm.streams.info(stream).then((info) => info.created))
      yield* Distributed.setupRun(nc, "f2", "/logs", { fresh: true })
      const n = RunsKv.names("f2")
      const [results, tasks] = [yield* created(n.results), yield* created(n.tasks)]
      yield* Distributed.setupRun(nc, "f2", "/logs", { fresh: true })
      // The results stream has neither yet; the task stream has the workers' consumer, made again with it.
      expect(yield* created(n.results)).toBe(results)
      expect(yield* created(n.tasks)).not.toBe(tasks)
    })
  )
})
