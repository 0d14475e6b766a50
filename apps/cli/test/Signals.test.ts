/**
 * How `dla` ends on a signal: the program is interrupted through Effect (its scopes close and finalizers run), and
 * the exit code is 128 + the signal's number as shells report it: SIGINT 130, SIGTERM 143.
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { startNatsServer } from "@dla/testing"
import { afterAll, describe, expect, it } from "vitest"
import { finished, start } from "./cli.ts"

const work = mkdtempSync(join(tmpdir(), "dla-cli-signals-"))
afterAll(() => rmSync(work, { recursive: true, force: true }))

/** A long `dla generate`, signalled once its first file exists. */
const signalled = async (signal: NodeJS.Signals) => {
  const dir = join(work, signal)
  const child = start("generate", dir, "--files", "1000", "--lines", "100000")
  const exit = finished(child)
  for (let i = 0; i < 300 && !existsSync(join(dir, "log_0001.log")); i++) await new Promise((r) => setTimeout(r, 100))
  child.kill(signal)
  return exit
}

describe("signals", () => {
  it.each([
    ["SIGTERM", 143],
    ["SIGINT", 130]
  ] as const)("%s ends a run with exit %i and no error output", async (signal, code) => {
    const { status, stderr } = await signalled(signal)
    expect(stderr).toBe("")
    expect(status).toBe(code)
  })

  it("SIGTERM stops a master waiting for workers over NATS with exit 143 and no error", async () => {
    const server = await startNatsServer()
    try {
      const logs = new URL("../../../samples/logs", import.meta.url).pathname
      const child = start(
        "master",
        logs,
        "--nats",
        server.url,
        "--run",
        "signalled",
        "--checkpoint-dir",
        join(work, "cp")
      )
      const exit = finished(child)
      let stderr = ""
      child.stderr?.on("data", (chunk: Buffer) => {
        stderr += chunk.toString()
      })
      for (let i = 0; i < 300 && !stderr.includes("waiting for workers"); i++)
        await new Promise((r) => setTimeout(r, 100))
      child.kill("SIGTERM")
      const { status } = await exit
      expect(stderr).toMatch(/waiting for workers to join/)
      expect(stderr).not.toMatch(/internal error|Error:/)
      expect(status).toBe(143)
    } finally {
      await server.stop()
    }
  })
})
