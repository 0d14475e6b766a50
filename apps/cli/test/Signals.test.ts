/**
 * How `dla` ends on a signal: the program is interrupted through Effect (its scopes close and finalizers run), and
 * the exit code is 128 + the signal's number as shells report it: SIGINT 130, SIGTERM 143.
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { CheckpointStore } from "@dla/analyser"
import { startNatsServer, waitFor } from "@dla/testing"
import { jetstreamManager } from "@nats-io/jetstream"
import { connect } from "@nats-io/transport-node"
import * as Option from "effect/Option"
import { afterAll, describe, expect, it } from "vitest"
import { dla, finished, start } from "./cli.ts"

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

  // Issue 14 item 6: a stopped master saves a checkpoint first. Periodic checkpoints are put out of reach (every
  // 100000 results or hour), so the checkpoint found after the signal is the one saved on the way out.
  it.each([
    ["SIGTERM", 143],
    ["SIGINT", 130]
  ] as const)(
    "%s mid-run: the master saves a checkpoint, exits %i, and the same command resumes from it without redoing its files",
    { timeout: 120_000 },
    async (signal, code) => {
      const server = await startNatsServer()
      const nc = await connect({ servers: server.url })
      const dir = join(work, `resume-${signal}`)
      const logs = join(dir, "logs")
      const runId = `stopped-${signal}`
      const cp = join(dir, "cp")
      const workerProc = start("worker", "--nats", server.url, "--run", runId, "--once", "--task-delay-ms", "300")
      try {
        expect(dla("generate", logs, "--files", "24", "--lines", "200", "--seed", "5").status).toBe(0)
        const sequential = dla("analyse", logs, "--sequential", "--json")
        expect(sequential.status, sequential.stderr).toBe(0)
        const expected = JSON.parse(sequential.stdout)
        const args = [
          ...["master", logs, "--nats", server.url, "--run", runId, "--checkpoint-dir", cp],
          ...["--checkpoint-every", "100000", "--checkpoint-interval", "3600"]
        ]
        const first = start(...args)
        const stopped = finished(first)
        // Mid-run: some results are in the run's results stream, not all.
        const jsm = await jetstreamManager(nc)
        const results = () =>
          jsm.streams.info(`DLA_RESULTS_${runId}`).then(
            (info) => info.state.messages,
            () => 0
          )
        await waitFor("some results", async () => (await results()) >= 3, { timeoutMs: 60_000 })
        first.kill(signal)
        const { status, stderr } = await stopped
        expect(stderr).toMatch(/INFO {5}stopping: checkpoint \d+ saved; the same command resumes the run from it$/m)
        expect(stderr).not.toMatch(/internal error|Error:/)
        expect(status).toBe(code)
        const saved = Option.getOrThrow(await CheckpointStore.newest(join(cp, runId)))
        expect(saved.complete).toBe(false)
        expect(saved.processed_files.length).toBeGreaterThan(0)

        const again = finished(start(...args, "--json", "--by-file"))
        const resumed = await again
        expect(resumed.status, resumed.stderr).toBe(0)
        const summary = JSON.parse(resumed.stdout)
        expect([summary.levels, summary.lines]).toEqual([expected.levels, expected.lines])
        expect(summary.filesProcessed).toBe(24)
        expect(summary.filesAlreadyProcessed).toBe(saved.processed_files.length)
        // The files the stop checkpoint holds were not counted again.
        const recounted = (summary.files as Array<{ path: string }>).map((f) => join(logs, f.path))
        expect(recounted.filter((path) => saved.processed_files.includes(path))).toEqual([])
      } finally {
        workerProc.kill("SIGKILL")
        await nc.close()
        await server.stop()
      }
    }
  )
})
