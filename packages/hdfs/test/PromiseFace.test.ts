import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Destination, HdfsCopier, HdfsError, Lease, WebHdfs } from "@dla/hdfs/promise"
import { natsPerFile, waitFor } from "@dla/testing"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { startWebHdfsCluster, type WebHdfsCluster } from "./support/WebHdfsServer.ts"

// The Promise face (`@dla/hdfs/promise`): the copier, the lease and the WebHDFS client without Effect, against the
// WebHDFS test cluster and a real nats-server.
const nats = natsPerFile()
let cluster: WebHdfsCluster
beforeAll(async () => {
  cluster = await startWebHdfsCluster()
})
afterAll(() => cluster.stop())

describe("@dla/hdfs/promise", () => {
  it("HdfsCopier.make copies on the coordinator and says false on a worker", async () => {
    const dir = mkdtempSync(join(tmpdir(), "dla-hdfs-promise-"))
    try {
      mkdirSync(join(dir, "logs"))
      writeFileSync(join(dir, "logs", "train.log"), "line\n")
      const copy = {
        copyName: "promise",
        pathPatterns: [join(dir, "logs", "*.log")],
        destination: `webhdfs://${new URL(cluster.namenodes[0]!).host}/promise`
      }
      const coordinator = await HdfsCopier.make({ env: {}, stateDir: join(dir, "state-0") })
      try {
        expect(await coordinator.startCopy(copy)).toBe(true)
        expect((await coordinator.runOnce("promise")).filesCopied).toBe(1)
        expect(cluster.read("/promise/train.log")?.toString()).toBe("line\n")
      } finally {
        await coordinator.close()
      }
      const worker = await HdfsCopier.make({ env: { RANK: "1", WORLD_SIZE: "2" }, stateDir: join(dir, "state-1") })
      try {
        expect(await worker.startCopy(copy)).toBe(false)
        expect((await worker.getStatus()).enabled).toBe(false)
      } finally {
        await worker.close()
      }
      const rejection = await HdfsCopier.make({ env: { DLA_HDFS_COPY: "sometimes" } }).catch((e: unknown) => e)
      expect(rejection).toBeInstanceOf(HdfsError.HdfsError)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it("WebHdfs.make's operations return Promises", async () => {
    const parsed = Destination.parse(`webhdfs://${new URL(cluster.namenodes[0]!).host}/client`)
    if (parsed._tag !== "Success" || parsed.success.kind !== "webhdfs") throw new Error("not a webhdfs destination")
    const storage = WebHdfs.make(parsed.success)
    await storage.mkdirs("/client")
    await storage.create("/client/a.txt", new TextEncoder().encode("hello"))
    await storage.append("/client/a.txt", new TextEncoder().encode(" world"))
    expect(await storage.status("/client/a.txt")).toMatchObject({ type: "FILE", length: 11 })
    expect(new TextDecoder().decode(await storage.read("/client/a.txt", 6, 5))).toBe("world")
    expect(await storage.status("/client/missing")).toBeUndefined()
  })

  it("Lease.make's assertHeld rejects with an HdfsError on the contender that does not hold it", async () => {
    const options = { nats: nats.nc(), key: Lease.keyFor("promise"), ttlSeconds: 2 }
    const holder = await Lease.make({ ...options, owner: "holder" })
    await waitFor("the lease", () => holder.isHeld())
    const other = await Lease.make({ ...options, owner: "other" })
    await expect(other.assertHeld()).rejects.toMatchObject({ _tag: "HdfsError", reason: "Lease" })
    await expect(holder.assertHeld()).resolves.toBeUndefined()
    await Promise.all([holder.close(), other.close()])
  })
})
