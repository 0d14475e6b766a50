import { RunMonitor } from "@dla/analyser"
import { RunsKv } from "@dla/analyser/nats"
import * as Source from "@dla/dashboard/Source"
import { describe, expect, it } from "@effect/vitest"
import { Kvm } from "@nats-io/kv"
import { Effect } from "effect"
import { natsConnection } from "./support/run.ts"

/** Waits (bounded) until `check` holds. */
const until = (check: () => boolean) =>
  Effect.sleep("20 millis").pipe(
    Effect.repeat({ until: check, times: 250 }),
    Effect.andThen(Effect.sync(() => expect(check()).toBe(true)))
  )

describe("Source.fromNats", () => {
  it.live("without a run id follows the run that started last; with one, only that run", () =>
    Effect.gen(function* () {
      const { nc } = yield* natsConnection
      const latest = yield* Source.fromNats(nc)
      // The sources above wait for the runs bucket, which a master creates when it sets a run up.
      yield* Effect.promise(() => new Kvm(nc).create(RunsKv.runsBucket, { history: 1 }))
      const pinned = yield* Source.fromNats(nc, "first")
      let clock = 1000
      const first = RunMonitor.make("first", () => clock)
      yield* RunMonitor.publish(nc, first, { interval: "20 millis" })
      first.push({ _tag: "Started", files: 1, tasks: 1, bytes: 1 })
      yield* until(() => latest.current()?.runId === "first")

      clock = 2000
      const second = RunMonitor.make("second", () => clock)
      yield* RunMonitor.publish(nc, second, { interval: "20 millis" })
      second.push({ _tag: "Started", files: 2, tasks: 2, bytes: 2 })
      yield* until(() => latest.current()?.runId === "second")

      // An update of the older run does not take the page back.
      first.push({ _tag: "RunFailed", message: "x" })
      yield* until(() => pinned.current()?.status === "failed")
      expect(latest.current()?.runId).toBe("second")
      expect(pinned.current()?.runId).toBe("first")
    }).pipe(Effect.scoped)
  )
})
