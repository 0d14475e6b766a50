/**
 * How `dla` ends on a signal: the program is interrupted through Effect (its scopes close and finalizers run), and
 * the exit code is 128 + the signal's number as shells report it: SIGINT 130, SIGTERM 143.
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
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
})
