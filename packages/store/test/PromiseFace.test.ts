import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Shipper, Store, StoreError } from "@dla/store/promise"
import { natsPerFile } from "@dla/testing"
import { describe, expect, it } from "vitest"

// The Promise face (`@dla/store/promise`) against a real nats-server: the Effect face's names, with Promises.
const nats = natsPerFile()
const text = "[2025-01-01T00:00:00] [INFO] one\n[2025-01-01T00:00:01] [WARN] two\n[2025-01-01T00:00:02] [ERROR] three\n"

describe("@dla/store/promise", () => {
  it("ships, lists, reads, counts, mirrors and removes with the Effect face's names", async () => {
    const dir = mkdtempSync(join(tmpdir(), "dla-store-promise-"))
    try {
      writeFileSync(join(dir, "app.log"), text)
      const options = { node: "n1", stream: "PROMISE_FACE" }
      expect((await Shipper.ship(nats.nc(), dir, options)).lines).toBe(3)
      const shipper = await Shipper.shipper(nats.nc(), dir, options)
      expect((await shipper.pass()).bytes).toBe(0)
      await shipper.close()

      const listed = await Store.list(nats.nc(), {}, { stream: options.stream })
      expect(listed.map(({ node, file, lines }) => ({ node, file, lines }))).toEqual([
        { node: "n1", file: "app.log", lines: 3 }
      ])
      const chunks: Array<Uint8Array> = []
      await Store.read(nats.nc(), { node: "n1", file: "app.log" }, (bytes) => void chunks.push(bytes), {
        stream: options.stream
      })
      expect(Buffer.concat(chunks).toString()).toBe(text)
      const counted = await Store.count(nats.nc(), {}, { stream: options.stream })
      expect(counted.levels).toEqual({ INFO: 1, WARN: 1, ERROR: 1 })
      const mirror = join(dir, "mirror")
      await Store.mirror(nats.nc(), mirror, {}, { stream: options.stream })
      expect(readFileSync(join(mirror, "n1", "app.log"), "utf8")).toBe(text)
      await Store.remove(nats.nc(), { node: "n1" }, { stream: options.stream })
      expect(await Store.list(nats.nc(), {}, { stream: options.stream })).toEqual([])
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it("rejects with a StoreError, and follow is an AsyncIterable of passes", async () => {
    const rejection = await Shipper.ship(nats.nc(), "/nonexistent/dla", { node: "n2", stream: "PROMISE_BAD" }).catch(
      (e: unknown) => e
    )
    expect(rejection).toBeInstanceOf(StoreError.StoreError)
    const dir = mkdtempSync(join(tmpdir(), "dla-store-promise-"))
    try {
      writeFileSync(join(dir, "a.log"), "INFO a\n")
      for await (const pass of Shipper.follow(nats.nc(), dir, { node: "n3", stream: "PROMISE_FOLLOW" })) {
        expect(pass.lines).toBe(1)
        break
      }
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
