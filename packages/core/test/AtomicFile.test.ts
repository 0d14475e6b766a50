import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { AtomicFile } from "@dla/core"
import { afterEach, beforeEach, describe, expect, it } from "vitest"

let dir = ""
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "dla-atomic-"))
})
afterEach(() => rmSync(dir, { recursive: true, force: true }))

describe.each([
  ["write", (path: string, data: string) => AtomicFile.write(path, data)],
  ["writeSync", async (path: string, data: string) => AtomicFile.writeSync(path, data)],
  // No fsync (a cache's write): still whole or absent for every reader.
  [
    "writeSync (durable: false)",
    async (path: string, data: string) => AtomicFile.writeSync(path, data, { durable: false })
  ]
] as const)("AtomicFile.%s", (_, write) => {
  it("creates the file and its missing directories, and leaves no temporary file", async () => {
    const path = join(dir, "a", "b", "state.json")
    await write(path, "first")
    expect(readFileSync(path, "utf8")).toBe("first")
    expect(readdirSync(join(dir, "a", "b"))).toEqual(["state.json"])
  })

  it("replaces the whole file", async () => {
    const path = join(dir, "state.json")
    await write(path, "a much longer first version")
    await write(path, "second")
    expect(readFileSync(path, "utf8")).toBe("second")
    expect(readdirSync(dir)).toEqual(["state.json"])
  })

  it("a write whose rename fails leaves the target as it was and no temporary file", async () => {
    // A non-empty directory in the way: the bytes are written and flushed, then the rename over it fails.
    const target = join(dir, "target")
    mkdirSync(join(target, "child"), { recursive: true })
    await expect(write(target, "new")).rejects.toThrow()
    expect(readdirSync(dir)).toEqual(["target"])
    expect(readdirSync(target)).toEqual(["child"])
  })
})
