/** `dla analyse` over a tree with entries that cannot be listed: they are skipped, the other files still counted. */
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { diagnostics, dla } from "./cli.ts"

const looped = mkdtempSync(join(tmpdir(), "dla-cli-loop-"))
writeFileSync(join(looped, "good.log"), "[2025-01-01T00:00:00] [INFO] up\n[2025-01-01T00:00:01] [WARN] slow\n")
symlinkSync(join(looped, "b.log"), join(looped, "a.log"))
symlinkSync(join(looped, "a.log"), join(looped, "b.log"))
afterAll(() => rmSync(looped, { recursive: true, force: true }))

describe("dla analyse on a directory with a loop of symbolic links", () => {
  it("--sequential names each skipped link with its reason and counts the good file", () => {
    const run = dla("analyse", looped, "--sequential", "--json")
    expect(run.status, run.stderr).toBe(0)
    expect(diagnostics(run.stderr)).toEqual([
      `WARN skipped ${join(looped, "a.log")}: cannot be read (ELOOP)`,
      `WARN skipped ${join(looped, "b.log")}: cannot be read (ELOOP)`
    ])
    expect(JSON.parse(run.stdout)).toMatchObject({ filesProcessed: 1, filesSkipped: 2, lines: 2 })
  })

  it("the default engine counts the good file instead of failing the whole analysis", () => {
    const run = dla("analyse", looped, "--workers", "1", "--json")
    expect(run.status, run.stderr).toBe(0)
    expect(JSON.parse(run.stdout)).toMatchObject({ filesProcessed: 1, lines: 2 })
  })
})
