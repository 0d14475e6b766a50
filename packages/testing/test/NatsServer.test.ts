import { fileURLToPath } from "node:url"
import { eventually, type NatsCluster, type NatsServer, startNatsCluster, startNatsServer } from "@dla/testing"
import { jetstreamManager } from "@nats-io/jetstream"
import { Kvm } from "@nats-io/kv"
import { connect } from "@nats-io/transport-node"
import { afterEach, describe, expect, it } from "vitest"

const roundTrip = async (servers: string | Array<string>) => {
  const nc = await connect({ servers, timeout: 5_000 })
  try {
    const sub = nc.subscribe("echo", {
      max: 1,
      callback: (_e, m) => {
        m.respond(m.data)
      }
    })
    const reply = await nc.request("echo", "ping", { timeout: 5_000 })
    sub.unsubscribe()
    return reply.string()
  } finally {
    await nc.close()
  }
}

describe("startNatsServer", () => {
  let server: NatsServer | undefined
  afterEach(async () => server?.stop())

  it("serves on a loopback port and can be killed and restarted with its store", async () => {
    server = await startNatsServer()
    expect(server.url).toMatch(/^nats:\/\/127\.0\.0\.1:\d+$/)
    expect(await roundTrip(server.url)).toBe("ping")
    const pid = server.pid
    await server.kill()
    await expect(roundTrip(server.url)).rejects.toThrow()
    await server.restart()
    expect(server.pid).not.toBe(pid)
    expect(await roundTrip(server.url)).toBe("ping")
  })

  it("a port already taken fails with nats-server's own words, which start-up retries on fresh ports rely on", async () => {
    server = await startNatsServer()
    const error = await startNatsServer({ port: server.port }).then(
      () => undefined,
      (e: unknown) => e
    )
    expect(String(error)).toContain("address already in use")
  })
})

describe("startNatsCluster", () => {
  let cluster: NatsCluster | undefined
  afterEach(async () => cluster?.stop())

  it("starts three routed nodes with JetStream", async () => {
    cluster = await startNatsCluster(3)
    expect(cluster.urls).toHaveLength(3)
    expect(new Set(cluster.servers.map((s) => s.pid)).size).toBe(3)
    expect(await roundTrip([...cluster.urls])).toBe("ping")
  })
})

/** Cluster recovery after a node loss takes seconds: look every 200 ms for up to 20 s. */
const patiently = { timeoutMs: 20_000, intervalMs: 200 }

describe("deploy/nats/nats.conf", () => {
  let cluster: NatsCluster | undefined
  afterEach(async () => cluster?.stop())

  it("runs as a 3-node JetStream cluster whose R3 data survives the loss of a node", async () => {
    const configFile = fileURLToPath(new URL("../../../deploy/nats/nats.conf", import.meta.url))
    cluster = await startNatsCluster(3, { configFile })
    const nc = await connect({ servers: [...cluster.urls], timeout: 5_000 })
    try {
      const bucket = `deploy_${Date.now()}`
      const kv = await new Kvm(nc).create(bucket, { replicas: 3 })
      await kv.put("k", "before")
      // Kill the node that leads the bucket's stream: the hardest case, a new leader must be elected.
      const info = await (await jetstreamManager(nc)).streams.info(`KV_${bucket}`)
      const leader = cluster.servers.find((s) => s.name === info.cluster?.leader)
      expect(leader, `stream leader ${info.cluster?.leader}`).toBeDefined()
      await leader!.kill()
      // While the survivors elect a leader JetStream answers "no responders" for a few seconds; clients retry.
      expect(await eventually(async () => (await kv.get("k"))?.string(), patiently)).toBe("before")
      await eventually(() => kv.put("k", "after"), patiently)
      // KV reads may be answered by a replica that has not applied the write yet (direct get): poll for it.
      const read = () =>
        eventually(async () => {
          const value = (await kv.get("k"))?.string()
          if (value !== "after") throw new Error(`read ${value}`)
          return value
        }, patiently)
      expect(await read()).toBe("after")
      expect((await kv.status()).replicas).toBe(3)
    } finally {
      await nc.close()
    }
  })
})
