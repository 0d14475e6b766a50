// Runtime smoke test of the BUILT @dla/store (run `pnpm build` first) on Node, Bun or Deno, against a real
// nats-server (Debian's, on PATH): ships a directory, a partial last line waits, reads the file back byte-identical
// and counts its levels. Exits non-zero on any failure.
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { connect } from "@nats-io/transport-node"
import { check, startNats } from "../../../scripts/smoke-support.mjs"
import { Shipper, Store } from "../dist/index.js"

const dir = mkdtempSync(join(tmpdir(), "dla-store-smoke-"))
const nats = await startNats(join(dir, "js"), connect)
try {
  const nc = await nats.connect()
  const log = join(dir, "logs", "app.log")
  const text = "[2025-01-01T00:00:00] [INFO] one\n[2025-01-01T00:00:01] [ERROR] two\n"
  await import("node:fs/promises").then((fs) => fs.mkdir(join(dir, "logs")))
  writeFileSync(log, `${text}[2025-01-01T00:00:02] [WARN] partial`)
  const first = await Shipper.shipOnce(nc, join(dir, "logs"), { node: "smoke" })
  check(first.lines === 2, `shipped ${first.lines} lines, expected 2 (the partial line waits)`)
  appendFileSync(log, "\n")
  await Shipper.shipOnce(nc, join(dir, "logs"), { node: "smoke" })
  const store = await Store.reader(nc)
  const chunks = []
  await store.read({ node: "smoke", file: "app.log" }, (bytes) => {
    chunks.push(Buffer.from(bytes))
  })
  check(Buffer.concat(chunks).toString() === `${text}[2025-01-01T00:00:02] [WARN] partial\n`, "read back differs")
  const counts = await store.count()
  check(counts.lines === 3 && counts.levels.ERROR === 1 && counts.levels.WARN === 1, JSON.stringify(counts))
  console.log("store smoke: ok")
} finally {
  await nats.stop()
  rmSync(dir, { recursive: true, force: true })
}
