/**
 * The store on a 3-node cluster whose stream has no leader: nats-server 2.9 then answers STREAM.INFO from any member
 * of the stream with that member's own state, which may be far behind (a node just restarted). A reader must wait
 * for the leader's answer, never take a member's stale one for what the store holds.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Shipper, Store } from "@dla/store"
import { type NatsCluster, startNatsCluster } from "@dla/testing"
import { jetstreamManager } from "@nats-io/jetstream"
import type { NatsConnection } from "@nats-io/nats-core"
import { connect } from "@nats-io/transport-node"
import { afterAll, describe, expect, it } from "vitest"

let cluster: NatsCluster | undefined
const connections: Array<NatsConnection> = []
const dir = mkdtempSync(join(tmpdir(), "dla-store-leaderless-"))

afterAll(async () => {
  for (const nc of connections) await nc.close()
  await cluster?.stop()
  rmSync(dir, { recursive: true, force: true })
})

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

describe("Store on a stream without a leader", () => {
  it("does not take a stale member's answer for the store's: a file shipped while it was down is Unavailable, not NotFound", async () => {
    // Five nodes, the stream on three of them: the meta group keeps a quorum when two of the stream's die.
    cluster = await startNatsCluster(5)
    writeFileSync(join(dir, "a.log"), "[2025-01-01T00:00:00] [INFO] one\n")
    const first = await connect({ servers: [...cluster.urls] })
    connections.push(first)
    await Shipper.shipOnce(first, dir, { node: "n", replicas: 3 })
    const placed = (await (await jetstreamManager(first)).streams.info("DLA_LOGS")).cluster!
    const byName = (name: string | undefined) => cluster!.servers.find((s) => s.name === name)!
    const leader = byName(placed.leader)
    const [stale, other] = (placed.replicas ?? []).map((peer) => byName(peer.name))
    // One replica is frozen while b.log is stored by the two others; they die; it wakes, alone and stale.
    process.kill(stale!.pid, "SIGSTOP")
    const nc = await connect({ servers: leader.url })
    connections.push(nc)
    writeFileSync(join(dir, "b.log"), "[2025-01-01T00:00:00] [WARN] two\n")
    await Shipper.shipOnce(nc, dir, { node: "n", retryForMs: 30_000 })
    await leader.kill("SIGKILL")
    await other!.kill("SIGKILL")
    process.kill(stale!.pid, "SIGCONT")

    const alone = await connect({ servers: stale!.url })
    connections.push(alone)
    const jsm = await jetstreamManager(alone, { timeout: 2_000, checkAPI: false })
    let answers = false
    for (const deadline = Date.now() + 30_000; !answers && Date.now() < deadline; await sleep(250)) {
      // JetStream answers (the meta group has a leader) while the stream has none.
      answers = await Promise.all([jsm.getAccountInfo(), jsm.streams.info("DLA_LOGS")]).then(
        ([, info]) => info.cluster?.leader === undefined,
        () => false
      )
    }
    expect(answers, "the stale replica answers STREAM.INFO itself, without a leader").toBe(true)

    const read = await Store.reader(alone, { retryForMs: 1_500 })
      .then((reader) => reader.read({ node: "n", file: "b.log" }, () => {}))
      .then(
        (bytes) => ({ bytes }),
        (error: unknown) => ({ error })
      )
    expect(read).toMatchObject({
      error: { _tag: "StoreError", reason: "Unavailable", message: expect.stringContaining("has no leader") }
    })
  }, 90_000)
})
