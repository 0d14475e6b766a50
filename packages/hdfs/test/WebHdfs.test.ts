import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import * as Destination from "@dla/hdfs/Destination"
import * as WebHdfs from "@dla/hdfs/WebHdfs"
import { afterEach, describe, expect, it } from "@effect/vitest"
import { Effect, Result } from "effect"
import { startWebHdfsCluster, type WebHdfsCluster } from "./support/WebHdfsServer.ts"

let cluster: WebHdfsCluster | undefined
afterEach(async () => {
  await cluster?.stop()
  cluster = undefined
})

const bytes = (text: string) => new TextEncoder().encode(text)
/** The destination, when parsing succeeds. */
const parse = (...args: Parameters<typeof Destination.parse>) => Result.getOrThrow(Destination.parse(...args))
const client = (namenodes: ReadonlyArray<string>, extra: Destination.WebHdfsOptions = {}) => {
  const destination = parse("hdfs://cluster/logs", { namenodes, requestTimeoutSeconds: 5, ...extra })
  if (destination.kind !== "webhdfs") throw new Error("bad destination")
  return WebHdfs.make(destination)
}

describe("Destination.parse", () => {
  it("maps hdfs:// to the namenode HTTP port, keeps webhdfs:// ports, reads file://", () => {
    expect(parse("hdfs://nn1:8020/logs/")).toMatchObject({
      kind: "webhdfs",
      path: "/logs",
      namenodes: ["http://nn1:9870"]
    })
    expect(parse("webhdfs://nn1:50070/a b")).toMatchObject({
      namenodes: ["http://nn1:50070"],
      path: "/a b"
    })
    expect(parse("swebhdfs://nn1/x")).toMatchObject({ namenodes: ["https://nn1:9871"] })
    expect(parse("hdfs://ns/x", { namenodes: ["http://a:9870", "http://b:9870/"], user: "etl" })).toMatchObject({
      namenodes: ["http://a:9870", "http://b:9870"],
      user: "etl"
    })
    expect(parse("file:///mnt/logs")).toEqual({ kind: "file", path: "/mnt/logs" })
  })

  it("rejects what it cannot use with one-line errors", () => {
    const message = (url: string, options?: Destination.WebHdfsOptions) =>
      Result.getOrThrow(Result.flip(Destination.parse(url, options))).message
    expect(message("s3://bucket/x")).toContain("unsupported scheme 's3:'")
    expect(message("not a url")).toContain("is not a URL")
    expect(message("file://host/x")).toContain("file:// URLs take no host")
    expect(message("hdfs://nn/x", { namenodes: ["nn2:9870"] })).toContain("must look like http://host:9870")
  })
})

describe("WebHdfs client against the WebHDFS test cluster", () => {
  it.live("writes through the two-step CREATE / APPEND, reads with OPEN, renames over an existing file", () =>
    Effect.gen(function* () {
      cluster = yield* Effect.promise(() => startWebHdfsCluster())
      const storage = client(cluster.namenodes, { user: "etl" })
      yield* storage.mkdirs("/logs")
      yield* storage.create("/logs/.a._COPYING_", bytes("hello "))
      yield* storage.append("/logs/.a._COPYING_", bytes("world"))
      yield* storage.create("/logs/a", bytes("old"))
      yield* storage.rename("/logs/.a._COPYING_", "/logs/a")
      expect(cluster.read("/logs/a")?.toString()).toBe("hello world")
      expect(cluster.files()).toEqual(["/logs/a"])
      expect(yield* storage.status("/logs/a")).toEqual({ type: "FILE", length: 11 })
      expect(yield* storage.status("/logs")).toEqual({ type: "DIRECTORY", length: 0 })
      expect(yield* storage.status("/nothing")).toBeUndefined()
      expect(new TextDecoder().decode(yield* storage.read("/logs/a", 6, 3))).toBe("wor")
      const data = cluster.requests.filter((r) => r.node === "datanode")
      expect(data.map((r) => `${r.method} ${r.op} ${r.bytes}`)).toEqual([
        "PUT CREATE 6",
        "POST APPEND 5",
        "PUT CREATE 3",
        "GET OPEN 0"
      ])
      expect(cluster.requests.every((r) => r.user === "etl")).toBe(true)
    })
  )

  it.live("reports RemoteExceptions by their Java name", () =>
    Effect.gen(function* () {
      cluster = yield* Effect.promise(() => startWebHdfsCluster())
      const storage = client(cluster.namenodes)
      const error = yield* Effect.flip(storage.append("/missing", bytes("x")))
      expect(error).toMatchObject({ reason: "Remote", exception: "FileNotFoundException" })
      expect(error.message).toBe("APPEND /missing: HTTP 404 FileNotFoundException: File does not exist: /missing")
    })
  )

  it.live("fails over to the next namenode on StandbyException and on a dead namenode", () =>
    Effect.gen(function* () {
      cluster = yield* Effect.promise(() => startWebHdfsCluster({ namenodes: 2, active: 1 }))
      const storage = client(cluster.namenodes)
      yield* storage.create("/f", bytes("abc"))
      const first = cluster.requests.filter((r) => r.node === "namenode").map((r) => r.index)
      expect(first).toEqual([0, 1]) // nn0 standby, nn1 active
      yield* storage.append("/f", bytes("d")) // starts at the remembered active namenode
      expect(cluster.requests.filter((r) => r.node === "namenode").map((r) => r.index)).toEqual([0, 1, 1])
      cluster.activate(0)
      cluster.inject({ at: "namenode", kind: "drop", op: "GETFILESTATUS" })
      expect(yield* storage.status("/f")).toEqual({ type: "FILE", length: 4 })
    })
  )

  it.live("fails with Standby when every namenode is standby, Connection when none answers", () =>
    Effect.gen(function* () {
      cluster = yield* Effect.promise(() => startWebHdfsCluster({ namenodes: 2, active: 5 }))
      const standby = yield* Effect.flip(client(cluster.namenodes).status("/x"))
      expect(standby.reason).toBe("Standby")
      const nobody = yield* Effect.flip(client(["http://127.0.0.1:1"]).status("/x"))
      expect(nobody.reason).toBe("Connection")
      expect(nobody.message).toContain("no active namenode answered")
    })
  )

  it.live("reports answers that are not WebHDFS (a proxy's HTML page) as one-line Remote errors", () =>
    Effect.gen(function* () {
      const proxy = createServer((req, res) => {
        const ok = req.url?.includes("GETFILESTATUS")
        res.writeHead(ok ? 200 : 502, { "Content-Type": "text/html" }).end("<html>bad gateway</html>")
      })
      yield* Effect.acquireRelease(
        Effect.promise(() => new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve))),
        () => Effect.promise(() => new Promise<void>((resolve) => proxy.close(() => resolve())))
      )
      const storage = client([`http://127.0.0.1:${(proxy.address() as AddressInfo).port}`])
      const status = yield* Effect.flip(storage.status("/x"))
      expect(status).toMatchObject({
        reason: "Remote",
        message: "GETFILESTATUS /x: unexpected answer <html>bad gateway</html>"
      })
      const mkdirs = yield* Effect.flip(storage.mkdirs("/x"))
      expect(mkdirs.message).toBe("MKDIRS /x: HTTP 502 <html>bad gateway</html>")
    }).pipe(Effect.scoped)
  )

  it.live("sends a delegation token instead of user.name", () =>
    Effect.gen(function* () {
      cluster = yield* Effect.promise(() => startWebHdfsCluster({ delegationTokens: { tok123: "svc" } }))
      yield* client(cluster.namenodes, { delegationToken: "tok123", user: "ignored" }).create("/t", bytes("x"))
      expect(cluster.requests.every((r) => r.user === null)).toBe(true)
      const denied = yield* Effect.flip(client(cluster.namenodes, { delegationToken: "bad" }).create("/u", bytes("x")))
      expect(denied.exception).toBe("InvalidToken")
    })
  )
})

describe("WebHDFS test cluster (raw HTTP, as the Hadoop spec describes)", () => {
  it("answers CREATE with a 307 to a datanode, 201 on write, FileAlreadyExistsException without overwrite", async () => {
    cluster = await startWebHdfsCluster()
    const nn = cluster.namenodes[0]!
    const redirect = await fetch(`${nn}/webhdfs/v1/d/f?op=CREATE&user.name=u&overwrite=false`, {
      method: "PUT",
      redirect: "manual"
    })
    expect(redirect.status).toBe(307)
    const location = redirect.headers.get("location")!
    expect(location.startsWith(`${cluster.datanode}/webhdfs/v1/d/f?`)).toBe(true)
    const created = await fetch(location, { method: "PUT", body: "data" })
    expect(created.status).toBe(201)
    expect(created.headers.get("location")).toBe("hdfs://localhost:8020/d/f")
    const again = await fetch(location, { method: "PUT", body: "data" })
    expect(again.status).toBe(403)
    expect(((await again.json()) as { RemoteException: unknown }).RemoteException).toMatchObject({
      exception: "FileAlreadyExistsException",
      javaClassName: "org.apache.hadoop.fs.FileAlreadyExistsException"
    })
    const noredirect = await fetch(`${nn}/webhdfs/v1/d/f?op=APPEND&noredirect=true`, { method: "POST" })
    expect(Object.keys((await noredirect.json()) as object)).toEqual(["Location"])
  })

  it("serves FileStatus, FileStatuses, booleans, and the plain RENAME's false on an existing target", async () => {
    cluster = await startWebHdfsCluster()
    const nn = cluster.namenodes[0]!
    const call = async (method: string, query: string) => {
      const response = await fetch(`${nn}/webhdfs/v1${query}`, { method, redirect: "manual" })
      return { status: response.status, body: await response.text() }
    }
    expect(await call("PUT", "/a/b?op=MKDIRS")).toEqual({ status: 200, body: '{"boolean":true}' })
    const location = (
      await fetch(`${nn}/webhdfs/v1/a/b/f?op=CREATE`, { method: "PUT", redirect: "manual" })
    ).headers.get("location")!
    await fetch(location, { method: "PUT", body: "12345" })
    const status = JSON.parse((await call("GET", "/a/b/f?op=GETFILESTATUS")).body)
    expect(status.FileStatus).toMatchObject({
      type: "FILE",
      length: 5,
      pathSuffix: "",
      replication: 3,
      permission: "644"
    })
    const listing = JSON.parse((await call("GET", "/a/b?op=LISTSTATUS")).body)
    expect(listing.FileStatuses.FileStatus.map((s: { pathSuffix: string }) => s.pathSuffix)).toEqual(["f"])
    await call("PUT", "/a/g?op=MKDIRS")
    expect((await call("PUT", "/a/b/f?op=RENAME&destination=/a/b/f")).body).toBe('{"boolean":false}')
    expect((await call("PUT", "/a/b/f?op=RENAME&destination=/a/g")).body).toBe('{"boolean":true}') // into the directory
    expect(cluster.files()).toEqual(["/a/g/f"])
    expect((await call("DELETE", "/a?op=DELETE")).status).toBe(403) // non-empty without recursive
    expect(await call("DELETE", "/a?op=DELETE&recursive=true")).toEqual({ status: 200, body: '{"boolean":true}' })
    expect((await call("GET", "/a?op=GETFILESTATUS")).status).toBe(404)
    expect((await call("GET", "/?op=NOPE")).status).toBe(400)
  })
})
