import { type ChildProcess, spawn } from "node:child_process"
import { appendFileSync, readFileSync } from "node:fs"
import { join } from "node:path"
import * as Lease from "@dla/hdfs/Lease"
import { type NatsServer, startNatsServer, waitFor } from "@dla/testing"
import { afterEach, describe, expect, it } from "@effect/vitest"
import type { NatsConnection } from "@nats-io/nats-core"
import { connect } from "@nats-io/transport-node"
import { Effect, Exit, Scope } from "effect"
import { removeDir, tempDir, withCopier } from "./support/helpers.ts"
import { startWebHdfsCluster, type WebHdfsCluster } from "./support/WebHdfsServer.ts"

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

let nats: NatsServer | undefined
let cluster: WebHdfsCluster | undefined
const children: Array<ChildProcess> = []
const dirs: Array<string> = []

afterEach(async () => {
  for (const child of children.splice(0)) {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once("exit", resolve))
      child.kill("SIGKILL")
      await exited
    }
  }
  await cluster?.stop()
  await nats?.stop()
  for (const dir of dirs.splice(0)) removeDir(dir)
})

describe("Lease", () => {
  const withNats = <A, E>(body: (connection: NatsConnection) => Effect.Effect<A, E, Scope.Scope>) =>
    Effect.gen(function* () {
      nats = yield* Effect.promise(() => startNatsServer())
      const connection = yield* Effect.acquireRelease(
        Effect.promise(() => connect({ servers: nats!.url })),
        (c) => Effect.promise(() => c.close())
      )
      return yield* body(connection)
    }).pipe(Effect.scoped)
  const held = (lease: Lease.Lease, timeoutMs = 5_000) =>
    Effect.promise(() => waitFor("the lease", () => lease.isHeld(), { timeoutMs }))

  it("keys copy names safely", () => {
    expect(Lease.keyFor("my copy/1")).toBe("hdfs.my_copy/1")
  })

  it.live("one holder at a time: renewals keep it past the ttl", () =>
    withNats((connection) =>
      Effect.gen(function* () {
        const first = yield* Lease.make({ nats: connection, key: "k", owner: "a", ttlSeconds: 1 })
        yield* held(first)
        const second = yield* Lease.make({ nats: connection, key: "k", owner: "b", ttlSeconds: 1 })
        yield* Effect.sleep("1500 millis")
        expect([first.isHeld(), second.isHeld()]).toEqual([true, false])
        expect([first.term(), second.term()]).toEqual([1, 0]) // renewals do not start a new term
        expect((yield* Effect.flip(second.assertHeld)).reason).toBe("Lease")
      })
    )
  )

  it.live("runs out while NATS is down, and the same holder continues its term when NATS is back", () =>
    withNats((connection) =>
      Effect.gen(function* () {
        const lease = yield* Lease.make({ nats: connection, key: "k", owner: "a", ttlSeconds: 1 })
        yield* held(lease)
        yield* Effect.promise(() => nats!.kill())
        yield* Effect.promise(() => waitFor("the lease to run out", () => !lease.isHeld(), { timeoutMs: 5_000 }))
        yield* Effect.promise(() => nats!.restart())
        yield* held(lease, 20_000)
        expect(lease.term()).toBe(1)
      })
    )
  )

  it.live("a released lease passes to the next contender long before the ttl", () =>
    withNats((connection) =>
      Effect.gen(function* () {
        const scope = yield* Scope.make()
        const first = yield* Lease.make({ nats: connection, key: "k", owner: "a", ttlSeconds: 60 }).pipe(
          Scope.provide(scope)
        )
        yield* held(first)
        const second = yield* Lease.make({ nats: connection, key: "k", owner: "b", ttlSeconds: 60 })
        expect(first.term()).toBe(1)
        yield* Scope.close(scope, Exit.void)
        expect(first.isHeld()).toBe(false)
        yield* held(second, 10_000)
        expect(second.term()).toBe(1)
      })
    )
  )
})

describe("copiers in lease mode", () => {
  it.live("the second copier of a name stands by and copies nothing", () =>
    Effect.gen(function* () {
      nats = yield* Effect.promise(() => startNatsServer())
      cluster = yield* Effect.promise(() => startWebHdfsCluster())
      const connection = yield* Effect.acquireRelease(
        Effect.promise(() => connect({ servers: nats!.url })),
        (c) => Effect.promise(() => c.close())
      )
      const source = tempDir("standby-src")
      dirs.push(source)
      appendFileSync(join(source, "a.log"), "a\n")
      const options = (owner: string) => ({
        env: {},
        nats: connection,
        owner,
        stateDir: join(source, `state-${owner}`),
        webhdfs: { namenodes: cluster!.namenodes, user: owner }
      })
      const copy = {
        copyName: "shared",
        pathPatterns: `${source}/*.log`,
        destination: "webhdfs://c/d",
        intervalSeconds: 3600
      }
      let once: unknown
      const [first, second] = yield* withCopier(options("first"), (a) =>
        Effect.gen(function* () {
          yield* a.startCopy(copy)
          yield* Effect.promise(() => waitFor("the first copy", () => cluster!.read("/d/a.log") !== undefined))
          return yield* withCopier(options("second"), (b) =>
            Effect.gen(function* () {
              yield* b.startCopy(copy)
              yield* Effect.sleep("500 millis")
              once = yield* b.copyOnce({ ...copy, copyName: "shared" }, 0.5)
              return [yield* a.runOnce("shared"), yield* b.runOnce("shared")] as const
            })
          )
        })
      )
      expect(first).toMatchObject({ leaseHeld: true, state: "waiting", filesCopied: 1 })
      expect(once).toMatchObject({ leaseHeld: false, state: "standby", runs: 0 })
      expect(second).toMatchObject({ leaseHeld: false, state: "standby", filesCopied: 0, runs: 0 })
      expect(new Set(cluster.requests.map((r) => r.user))).toEqual(new Set(["first"]))
    }).pipe(Effect.scoped)
  )
})

describe("three copier processes in NATS lease mode", () => {
  it("exactly one copies; after SIGKILL another takes over; no duplicates or partial files", async () => {
    nats = await startNatsServer()
    cluster = await startWebHdfsCluster()
    const source = tempDir("lease-src")
    dirs.push(source)
    const log = join(source, "train.log")
    let line = 0
    const write = (n: number) => {
      for (let i = 0; i < n; i++) appendFileSync(log, `line ${++line} ${"x".repeat(40)}\n`)
    }
    write(5)
    const destination = "/jobs/lease/train.log"
    const script = join(import.meta.dirname, "support", "copierProcess.ts")
    const users = ["copier-0", "copier-1", "copier-2"]
    for (const user of users) {
      const state = tempDir("lease-state")
      dirs.push(state)
      // Only what the copier needs: no role variables, so env gating alone would let all three copy.
      const env = {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        NATS_URL: nats.url,
        SOURCE_DIR: source,
        HDFS_LOG_DEST: "webhdfs://cluster/jobs/lease",
        HDFS_NAMENODES: cluster.namenodes.join(","),
        HADOOP_USER_NAME: user,
        DLA_HDFS_STATE_DIR: state,
        LEASE_TTL_SECONDS: "2"
      }
      const child = spawn(process.execPath, ["--conditions=source", script], {
        env,
        stdio: ["ignore", "inherit", "inherit"]
      })
      children.push(child)
    }

    // The destination is only ever a whole prefix of the source: never a duplicate, never a torn line.
    let violation: string | undefined
    const watcher = setInterval(() => {
      const copied = cluster?.read(destination)?.toString()
      if (copied === undefined) return
      const sourceNow = readFileSync(log, "utf8")
      if (!sourceNow.startsWith(copied) || !copied.endsWith("\n"))
        violation ??= `destination is not a prefix: ${copied.length} bytes`
      const partial = cluster?.files().filter((f) => f !== destination && !f.endsWith("._COPYING_"))
      if (partial !== undefined && partial.length > 0) violation ??= `unexpected files ${partial}`
    }, 20)
    const writers = () =>
      new Set(cluster!.requests.filter((r) => r.node === "datanode" && r.op !== "OPEN").map((r) => r.user))
    const upToDate = () => cluster!.read(destination)?.toString() === readFileSync(log, "utf8")

    try {
      await waitFor("the first copy", upToDate)
      for (let i = 0; i < 4; i++) {
        write(3)
        await sleep(400)
      }
      await waitFor("the appended lines", upToDate)
      expect(writers().size).toBe(1)
      const [holder] = [...writers()]
      const victim = children[users.indexOf(holder!)]!
      const killed = new Promise((resolve) => victim.once("exit", resolve))
      victim.kill("SIGKILL")
      await killed
      const killedAt = cluster.requests.length
      write(5)
      await waitFor("a new holder to copy the new lines", upToDate, { timeoutMs: 20_000 })
      const after = new Set(
        cluster.requests
          .slice(killedAt)
          .filter((r) => r.node === "datanode" && r.op !== "OPEN")
          .map((r) => r.user)
      )
      expect(after.size).toBe(1)
      expect(after.has(holder!)).toBe(false)
      // The new holder resumed from the destination (APPEND), it did not re-send the file.
      const newWrites = cluster.requests.slice(killedAt).filter((r) => r.node === "datanode" && r.op !== "OPEN")
      expect(newWrites.every((r) => r.op === "APPEND")).toBe(true)
    } finally {
      clearInterval(watcher)
    }
    expect(violation).toBeUndefined()
    expect(cluster.read(destination)?.toString()).toBe(readFileSync(log, "utf8"))
  })
})
