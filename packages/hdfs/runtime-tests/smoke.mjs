// Runtime smoke test of the BUILT @dla/hdfs (run `pnpm build` first) on Node, Bun or Deno: copies a growing log to
// a file:// directory and, through a minimal WebHDFS namenode/datanode on node:http, to webhdfs:// (the two-step
// CREATE with `redirect: "manual"`, then APPEND). Exits non-zero on any failure.
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { createServer } from "node:http"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { check } from "../../../scripts/smoke-support.mjs"
import { PromiseCopier } from "../dist/index.js"

// WebHDFS as Hadoop answers it: 307 to the data URL for CREATE/APPEND, 201/200 there, JSON for metadata operations.
const files = new Map()
const server = createServer((req, res) => {
  const url = new URL(req.url, "http://x")
  const path = decodeURIComponent(url.pathname.replace("/webhdfs/v1", ""))
  const op = url.searchParams.get("op")
  const chunks = []
  req.on("data", (c) => chunks.push(c))
  req.on("end", () => {
    const json = (status, body) =>
      res.writeHead(status, { "Content-Type": "application/json" }).end(JSON.stringify(body))
    if ((op === "CREATE" || op === "APPEND") && !url.searchParams.has("datanode")) {
      url.searchParams.set("datanode", "1")
      return res
        .writeHead(307, { Location: `http://127.0.0.1:${server.address().port}${url.pathname}?${url.searchParams}` })
        .end()
    }
    const body = Buffer.concat(chunks)
    if (op === "CREATE") return files.set(path, body) && res.writeHead(201).end()
    if (op === "APPEND") return files.set(path, Buffer.concat([files.get(path), body])) && res.writeHead(200).end()
    if (op === "MKDIRS") return json(200, { boolean: true })
    if (op === "RENAME") {
      files.set(url.searchParams.get("destination"), files.get(path))
      files.delete(path)
      return res.writeHead(200).end()
    }
    if (op === "GETFILESTATUS") {
      if (path === "/smoke") return json(200, { FileStatus: { type: "DIRECTORY", length: 0 } })
      if (files.has(path)) return json(200, { FileStatus: { type: "FILE", length: files.get(path).length } })
      return json(404, {
        RemoteException: { exception: "FileNotFoundException", message: `File does not exist: ${path}` }
      })
    }
    json(400, { RemoteException: { exception: "IllegalArgumentException", message: `op ${op}` } })
  })
})
await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve))

const dir = mkdtempSync(join(tmpdir(), "dla-hdfs-smoke-"))
const log = join(dir, "logs", "train.log")
try {
  mkdirSync(join(dir, "logs"))
  writeFileSync(log, "first line\n")
  const copier = await PromiseCopier.createCopier({ env: {}, stateDir: join(dir, "state") })
  const port = server.address().port
  await copier.startCopy({
    copyName: "file",
    pathPatterns: [join(dir, "logs", "*.log")],
    destination: `file://${dir}/out`,
    intervalSeconds: 3600
  })
  await copier.startCopy({
    copyName: "webhdfs",
    pathPatterns: [join(dir, "logs", "*.log")],
    destination: `webhdfs://127.0.0.1:${port}/smoke`,
    intervalSeconds: 3600,
    retryDelaySeconds: 0
  })
  for (const name of ["file", "webhdfs"])
    check((await copier.runOnce(name)).lastError === null, `${name}: first pass failed`)
  appendFileSync(log, "second line\n")
  for (const name of ["file", "webhdfs"]) {
    const status = await copier.runOnce(name)
    check(status.lastError === null, `${name}: ${status.lastError}`)
  }
  await copier.close()
  const expected = "first line\nsecond line\n"
  check(readFileSync(join(dir, "out", "train.log"), "utf8") === expected, "file:// copy differs from the source")
  check(files.get("/smoke/train.log")?.toString() === expected, "webhdfs:// copy differs from the source")
  console.log("hdfs smoke: ok")
} catch (error) {
  console.error(`hdfs smoke: FAILED: ${error instanceof Error ? error.message : error}`)
  process.exitCode = 1
} finally {
  // Deno's fetch keeps its connections to the test server alive, and close() would wait for them.
  server.closeAllConnections()
  server.close()
  rmSync(dir, { recursive: true, force: true })
}
