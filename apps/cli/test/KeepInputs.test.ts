/**
 * A checkpoint directory never copies the inputs unasked: hard links on the same filesystem; on another one (here
 * /dev/shm, a tmpfs) each processed file's fingerprint instead, said in one line, and copies only with
 * `--keep-inputs copy`. `dla checkpoints verify` recounts fingerprinted inputs in place and tells a changed one.
 */
import { appendFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { diagnostics, dla, newestCheckpoint } from "./cli.ts"

const work = mkdtempSync(join(tmpdir(), "dla-keep-"))
const logs = join(work, "logs")
const otherFs = existsSync("/dev/shm") && statSync("/dev/shm").dev !== statSync(work).dev
const elsewhere = otherFs ? mkdtempSync("/dev/shm/dla-keep-") : ""

beforeAll(() => {
  expect(dla("generate", logs, "--files", "3", "--lines", "200", "--seed", "5").status).toBe(0)
})
afterAll(() => {
  rmSync(work, { recursive: true, force: true })
  if (elsewhere !== "") rmSync(elsewhere, { recursive: true, force: true })
})

const analyse = (dir: string, ...more: Array<string>) =>
  dla("analyse", logs, "--workers", "1", "--run", "keep", "--checkpoint-dir", dir, "--json", ...more)

describe("checkpoint inputs", () => {
  it("are hard links on the same filesystem", () => {
    const dir = join(work, "checkpoints")
    const run = analyse(dir)
    expect(run.status, run.stderr).toBe(0)
    const kept = join(newestCheckpoint(dir, "keep"), "files", "log_01.log")
    expect(statSync(kept).ino).toBe(statSync(join(logs, "log_01.log")).ino)
    expect(existsSync(join(newestCheckpoint(dir, "keep"), "fingerprints.json"))).toBe(false)
  })

  it.runIf(otherFs)("on another filesystem are fingerprinted, not copied, and verify tells a changed one", () => {
    const dir = join(elsewhere, "fingerprints")
    const run = analyse(dir)
    expect(run.status, run.stderr).toBe(0)
    const notes = diagnostics(run.stderr).filter((line) => line.includes("fingerprint"))
    expect(notes).toEqual([
      `INFO ${join(dir, "keep")} refuses hard links to the inputs (another filesystem): the checkpoint records each processed file's fingerprint instead of a copy (--keep-inputs copy to copy them)`
    ])
    const newest = newestCheckpoint(dir, "keep")
    expect(existsSync(join(newest, "files")) ? readdirSync(join(newest, "files")) : []).toEqual([])
    const fingerprints = JSON.parse(readFileSync(join(newest, "fingerprints.json"), "utf8"))
    expect(Object.keys(fingerprints).sort()).toEqual(["log_01.log", "log_02.log", "log_03.log"])
    const verified = dla("checkpoints", "verify", dir)
    expect(verified.stdout, verified.stderr).toMatch(/verified: 3 stored files recount to exactly its 600 lines/)

    appendFileSync(join(logs, "log_02.log"), "[2025-01-01T00:00:00] [ERROR] written after the checkpoint\n")
    const changed = dla("checkpoints", "verify", dir)
    expect(changed.status).toBe(1)
    expect(changed.stderr).toContain(
      `input changed since the checkpoint: ${join(logs, "log_02.log")} (size, mtimeMs, tail)`
    )
  })

  it.runIf(otherFs)("are copied on another filesystem with --keep-inputs copy, after a line with the bytes", () => {
    const dir = join(elsewhere, "copies")
    const run = analyse(dir, "--keep-inputs", "copy")
    expect(run.status, run.stderr).toBe(0)
    const bytes = ["log_01.log", "log_02.log", "log_03.log"].reduce((n, f) => n + statSync(join(logs, f)).size, 0)
    expect(diagnostics(run.stderr)).toContainEqual(
      expect.stringContaining(`INFO copying 3 input file(s), ${bytes} bytes, into ${join(dir, "keep")}`)
    )
    expect(readdirSync(join(newestCheckpoint(dir, "keep"), "files")).sort()).toEqual([
      "log_01.log",
      "log_02.log",
      "log_03.log"
    ])
  })
})
