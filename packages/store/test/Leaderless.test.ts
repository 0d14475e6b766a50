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
  it("lists nothing from a replica's own state: Unavailable at the listing, never a NotFound for a stored file", async () => {
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
    // The reader is opened on a node outside the stream's group, which stays up throughout.
    const bystander = cluster.servers.find((s) => ![leader, stale, other].includes(s))!
    const watching = await connect({ servers: bystander.url })
    connections.push(watching)
    const reader = await Store.reader(watching, { retryForMs: 3_000 })
    // One replica is frozen while b.log is stored by the two others; they die; it wakes, alone and stale.
    process.kill(stale!.pid, "SIGSTOP")
    const nc = await connect({ servers: leader.url })
    connections.push(nc)
    writeFileSync(join(dir, "b.log"), "[2025-01-01T00:00:00] [WARN] two\n")
    await Shipper.shipOnce(nc, dir, { node: "n", retryForMs: 30_000 })
    await leader.kill("SIGKILL")
    await other!.kill("SIGKILL")
    process.kill(stale!.pid, "SIGCONT")

    const jsm = await jetstreamManager(watching, { timeout: 2_000, checkAPI: false })
    let answers = false
    for (const deadline = Date.now() + 30_000; !answers && Date.now() < deadline; await sleep(250)) {
      answers = await jsm.streams.info("DLA_LOGS").then(
        (info) => info.cluster?.leader === undefined,
        () => false
      )
    }
    expect(answers, "the stale replica answers STREAM.INFO itself, without a leader").toBe(true)

    // The listing waits for a leader that never comes (or for an answer at all), and says so.
    const read = await reader
      .read({ node: "n", file: "b.log" }, () => {})
      .then(
        (bytes) => ({ bytes }),
        (error: unknown) => ({ error: { ...(error as object), message: (error as Error).message } })
      )
    expect(read).toMatchObject({
      error: { _tag: "StoreError", reason: "Unavailable", message: expect.stringMatching(/^listing DLA_LOGS: /) }
    })
  }, 90_000)
})
