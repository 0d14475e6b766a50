import { RunMonitor } from "@dla/analyser"
import { Distributed, RunsKv } from "@dla/analyser/nats"
import { type NatsServer, startNatsServer } from "@dla/testing"
import { jetstreamManager } from "@nats-io/jetstream"
import { Kvm } from "@nats-io/kv"
import type { NatsConnection } from "@nats-io/nats-core"
import { connect } from "@nats-io/transport-node"
import { Effect, Scope } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { parseAge, stale } from "../src/commands/runs.ts"
import { dla } from "./cli.ts"

describe("dla runs prune: what to remove", () => {
  it("reads ages as 90s, 30m, 12h, 7d, 2w", () => {
    expect([parseAge("90s"), parseAge("30m"), parseAge("12h"), parseAge("7d"), parseAge("2w")]).toEqual([
      90_000, 1_800_000, 43_200_000, 604_800_000, 1_209_600_000
    ])
    expect(parseAge("7 days")).toBeUndefined()
    expect(parseAge("-1d")).toBeUndefined()
  })

  it("keeps running runs whatever their age, and finished ones younger than the limit", () => {
    const runs = [
      { runId: "old-done", over: true, at: 0, status: "done" },
      { runId: "old-running", over: false, at: 0, status: "running" },
      { runId: "young-done", over: true, at: 9_000, status: "done" },
      { runId: "older-failed", over: true, at: -5, status: "failed" }
    ]
    expect(stale(runs, 10_000, 5_000).map((r) => r.runId)).toEqual(["older-failed", "old-done"])
  })
})

describe("dla runs prune on NATS", () => {
  let server: NatsServer
  let nc: NatsConnection
  const scope = Effect.runSync(Scope.make())
  const weekAgo = new Date(Date.now() - 8 * 86_400_000).toISOString()

  beforeAll(async () => {
    server = await startNatsServer()
    nc = await connect({ servers: server.url })
    // A run finished a week ago (its streams left behind), one still running since then, one that finished now.
    for (const runId of ["finished-old", "running-old", "finished-new"]) {
      await Effect.runPromise(Distributed.setupRun(nc, runId, `/logs/${runId}`))
    }
    const kv = await new Kvm(nc).open(RunsKv.runsBucket)
    const state = (status: string, startedAt: string) => JSON.stringify({ status, root: "/logs", startedAt })
    await kv.put("finished-old.state", state("done", weekAgo))
    await kv.put("finished-old.checkpoint", JSON.stringify({ sequence: 1 }))
    await kv.put("running-old.state", state("running", weekAgo))
    await kv.put("finished-new.state", state("done", new Date().toISOString()))
    // A run known only by its dashboard snapshot (dla analyse --follow --nats), failed a week ago.
    const followed = RunMonitor.make("followed-old", () => Date.parse(weekAgo))
    await Effect.runPromise(Scope.provide(scope)(RunMonitor.publish(nc, followed, { interval: "10 millis" })))
    followed.push({ _tag: "RunFailed", message: "stopped" })
    for (let i = 0; i < 100 && (await kv.get("followed-old.snapshot")) === null; i++)
      await new Promise((r) => setTimeout(r, 20))
    await Effect.runPromise(Scope.close(scope, Effect.void as never))
  })

  afterAll(async () => {
    await nc?.close()
    await server?.stop()
  })

  it("--dry-run lists the finished runs older than the limit and removes nothing", async () => {
    const run = dla("runs", "prune", "--nats", server.url, "--older-than", "7d", "--dry-run")
    expect(run.stderr).toBe("")
    expect(run.status).toBe(0)
    expect(run.stdout).toMatch(/^would remove run finished-old \(done 8 d 00 h ago\)$/m)
    expect(run.stdout).toMatch(/^would remove run followed-old \(failed 8 d 00 h ago\)$/m)
    expect(run.stdout).toMatch(/^would prune 2 run\(s\); kept 2 /m)
    const jsm = await jetstreamManager(nc)
    expect((await jsm.streams.info("DLA_TASKS_finished-old")).config.name).toBe("DLA_TASKS_finished-old")
  })

  it("removes their streams and KV entries, and nothing of the others", async () => {
    const run = dla("runs", "prune", "--nats", server.url, "--older-than", "7d")
    expect(run.status, run.stderr).toBe(0)
    expect(run.stdout).toMatch(/^removed run finished-old \(done 8 d 00 h ago\): 2 stream\(s\), 2 KV entries$/m)
    expect(run.stdout).toMatch(/^removed run followed-old \(failed 8 d 00 h ago\): 0 stream\(s\), 1 KV entry$/m)
    const jsm = await jetstreamManager(nc)
    const streams: Array<string> = []
    for await (const name of jsm.streams.names()) streams.push(name)
    expect(streams.filter((s) => s.startsWith("DLA_")).sort()).toEqual([
      "DLA_RESULTS_finished-new",
      "DLA_RESULTS_running-old",
      "DLA_TASKS_finished-new",
      "DLA_TASKS_running-old"
    ])
    const kv = await new Kvm(nc).open(RunsKv.runsBucket)
    const keys: Array<string> = []
    for await (const key of await kv.keys()) keys.push(key)
    expect(keys.sort()).toEqual(["finished-new.state", "running-old.state"])
  })

  it("refuses an age it cannot read, with exit 2", () => {
    const run = dla("runs", "prune", "--nats", server.url, "--older-than", "a week")
    expect(run.status).toBe(2)
    expect(run.stderr).toContain("'a week' is not an age: use a number and s, m, h, d or w (7d, 12h)")
  })
})
