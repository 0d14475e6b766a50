import { spawnSync } from "node:child_process"
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { freePort, startNatsServer } from "@dla/testing"
import { afterAll, describe, expect, it } from "vitest"

const bin = fileURLToPath(new URL("../src/bin.ts", import.meta.url))
const work = mkdtempSync(join(tmpdir(), "dla-cli-copy-"))
afterAll(() => rmSync(work, { recursive: true, force: true }))

/** `dla copy ...` as a real process with exactly the environment given (no role variables leak in). */
const dlaCopy = (env: Record<string, string>, ...args: Array<string>) =>
  spawnSync(process.execPath, ["--conditions=source", bin, "copy", ...args], {
    encoding: "utf8",
    timeout: 30_000,
    env: { PATH: process.env.PATH ?? "", DLA_HDFS_STATE_DIR: join(work, "state"), ...env }
  })

/** The command's error lines, without the logger's diagnostics (`[12:34:56.789] INFO     ...`). */
const errors = (stderr: string) => stderr.split("\n").filter((line) => line !== "" && !/^\[\d\d:\d\d:/.test(line))

describe("dla copy", () => {
  const logs = join(work, "logs")
  const dest = join(work, "dest")

  it("--once copies to file:// and then sends only the new bytes", () => {
    rmSync(logs, { recursive: true, force: true })
    spawnSync("mkdir", ["-p", join(logs, "node-a")])
    writeFileSync(join(logs, "node-a", "train.log"), "one\n")
    const args = ["**/*.log", "--root-dir", logs, "--preserve-structure", "--dest", `file://${dest}`, "--once"]
    const first = dlaCopy({}, ...args)
    expect(first.status).toBe(0)
    // The copier's messages go through @dla/logger to stderr, in a mounted destination's words; stdout holds only
    // the summary.
    expect(first.stderr).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO {5}Copy enabled \(default behavior\)$/m)
    expect(first.stderr).toContain(`INFO     Copy 'logs': sent 1 files, 4 bytes to file://${dest}`)
    expect(first.stderr).not.toContain("HDFS")
    expect(first.stdout).toBe(`Copied 1 file, 4 bytes to file://${dest}\n`)
    appendFileSync(join(logs, "node-a", "train.log"), "two\n")
    const second = dlaCopy({}, ...args)
    expect(second.stdout).toContain("Copied 1 file, 4 bytes")
    expect(readFileSync(join(dest, "node-a", "train.log"), "utf8")).toBe("one\ntwo\n")
  })

  it("skips on a worker with the seeds' message and exit 0", () => {
    const run = dlaCopy({ RANK: "3", WORLD_SIZE: "4" }, "*.log", "--dest", `file://${dest}`, "--once")
    expect(run.status).toBe(0)
    expect(run.stderr).toContain("INFO     Copy operation 'logs' skipped: disabled in distributed system environment")
    expect(run.stdout).toBe("")
  })

  it("reports a failing pass with exit 1", () => {
    const run = dlaCopy({}, `${logs}/**/*.log`, "--dest", `file://${dest}/missing`, "--no-create-dest-dirs", "--once")
    expect(run.status).toBe(1)
    expect(run.stdout).toContain("Copied 0 files, 0 bytes")
    expect(errors(run.stderr)).toEqual([
      `dla: destination file://${dest}/missing does not exist and createDestDirs is false`
    ])
  })

  it("fails with one line and exit 1 on a --root-dir that does not exist, before copying anything", () => {
    const run = dlaCopy({}, "*.log", "--root-dir", join(work, "nope"), "--dest", `file://${dest}`, "--once")
    expect(run.status).toBe(1)
    expect(run.stdout).toBe("")
    expect(run.stderr).toBe(`dla: ${join(work, "nope")}: no such file or directory (ENOENT)\n`)
  })

  it("keeps the HDFS wording for an HDFS destination", async () => {
    const { isHdfs, wording } = await import("../src/commands/copy.ts")
    expect(isHdfs("hdfs://nn:8020/logs")).toBe(true)
    expect(isHdfs("swebhdfs://nn:9871/logs")).toBe(true)
    expect(isHdfs("file:///mnt/logs")).toBe(false)
    expect(wording("HDFS copy 'x': sent 1 files", true)).toBe("HDFS copy 'x': sent 1 files")
    expect(wording("Started HDFS copy operation 'x'", false)).toBe("Started copy operation 'x'")
  })

  it("fails with one line and exit 1 without a destination", () => {
    const run = dlaCopy({}, "*.log", "--once")
    expect(run.status).toBe(1)
    expect(errors(run.stderr)).toEqual(["dla: copy 'logs': no destination: pass destination or set HDFS_LOG_DEST"])
  })

  it("with --nats (or NATS_URL) copies while holding the lease, and NATS down is one line and exit 1", async () => {
    const closed = `nats://127.0.0.1:${await freePort()}`
    const leasedLogs = join(work, "leased-logs")
    spawnSync("mkdir", ["-p", leasedLogs])
    writeFileSync(join(leasedLogs, "train.log"), "one\n")
    const args = ["*.log", "--root-dir", leasedLogs, "--name", "leased", "--dest", `file://${dest}/leased`, "--once"]
    const flag = dlaCopy({}, ...args, "--nats", closed)
    expect(flag.status).toBe(1)
    expect(flag.stderr.trim()).toBe(`dla: cannot connect to NATS at ${closed}: connection refused`)
    const env = dlaCopy({ NATS_URL: closed }, ...args)
    expect(env.status).toBe(1)
    expect(env.stderr.trim()).toBe(`dla: cannot connect to NATS at ${closed}: connection refused`)
    const server = await startNatsServer()
    try {
      const leased = dlaCopy({ NATS_URL: server.url }, ...args)
      expect(errors(leased.stderr)).toEqual([])
      expect(leased.status).toBe(0)
      expect(leased.stdout).toBe(`Copied 1 file, 4 bytes to file://${dest}/leased\n`)
    } finally {
      await server.stop()
    }
  })
})
