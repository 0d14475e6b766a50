import * as CheckpointStore from "@dla/analyser/CheckpointStore"
import * as Fence from "@dla/analyser/Fence"
import { CheckpointKv, Distributed, RunsKv } from "@dla/analyser/nats"
import * as RunMonitor from "@dla/analyser/RunMonitor"
import { natsPerFile } from "@dla/testing"
import { describe, expect, it } from "@effect/vitest"
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
