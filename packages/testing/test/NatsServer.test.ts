import { fileURLToPath } from "node:url"
import { Kvm } from "@nats-io/kv"
import { connect } from "@nats-io/transport-node"
import { afterEach, describe, expect, it } from "vitest"
import { type NatsCluster, type NatsServer, startNatsCluster, startNatsServer } from "../src/index.ts"

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

describe("deploy/nats/nats.conf", () => {
  let cluster: NatsCluster | undefined
  afterEach(async () => cluster?.stop())

  it("runs as a 3-node JetStream cluster whose R3 data survives the loss of a node", async () => {
    const configFile = fileURLToPath(new URL("../../../deploy/nats/nats.conf", import.meta.url))
    cluster = await startNatsCluster(3, { configFile })
    const nc = await connect({ servers: [...cluster.urls], timeout: 5_000 })
    try {
      const kv = await new Kvm(nc).create(`deploy_${Date.now()}`, { replicas: 3 })
      await kv.put("k", "before")
      const [first] = cluster.servers
      await first!.kill()
      await kv.put("k", "after")
      expect((await kv.get("k"))?.string()).toBe("after")
      expect((await kv.status()).replicas).toBe(3)
    } finally {
      await nc.close()
    }
  })
})
