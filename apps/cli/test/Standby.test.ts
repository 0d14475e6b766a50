/**
 * `dla master --standby` (issue 6 test 2 through the CLI): real `dla master` and `dla worker` processes from source on
 * a real nats-server; the leading master is SIGKILLed by PID mid-run and the standby finishes with exact counts.
 *
 * No step depends on how fast a process runs: the standby starts once the primary leads (started together on a loaded
 * machine, the standby can win term 1 before the primary has joined, and the primary then takes the run over), and
 * "mid-run" is made certain by the test holding two of the run's tasks, unacked, until the standby has taken over.
 */
import type { ChildProcess } from "node:child_process"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { RunMonitor } from "@dla/analyser"
import { holdMessages, type NatsServer, startNatsServer } from "@dla/testing"
import type { NatsConnection } from "@nats-io/nats-core"
import { connect } from "@nats-io/transport-node"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest"
import { dla, start } from "./cli.ts"

const work = mkdtempSync(join(tmpdir(), "dla-cli-standby-"))
const logs = join(work, "logs")
let server: NatsServer
let nc: NatsConnection
let sequential: { levels: unknown; lines: number; unmatched: number }
const running: Array<ChildProcess> = []

interface Proc {
  readonly child: ChildProcess
  /** Resolves with the match once stderr has a line matching `pattern` (rejects after `ms`). */
  readonly line: (pattern: RegExp, ms?: number) => Promise<RegExpMatchArray>
  /** Resolves once the process has exited (rejects after `ms`, with what it printed: a hang names itself). */
  readonly exited: (ms?: number) => Promise<{ code: number | null; stdout: string; stderr: string }>
}

const proc = (...args: Array<string>): Proc => {
  const child = start(...args)
  running.push(child)
  let stdout = ""
  let stderr = ""
  const waiters = new Set<() => void>()
  child.stdout?.on("data", (c: Buffer) => {
    stdout += c.toString()
  })
  child.stderr?.on("data", (c: Buffer) => {
    stderr += c.toString()
    for (const check of waiters) check()
  })
  const exit = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    child.on("exit", (code) => resolve({ code, stdout, stderr }))
  )
  const exited = (ms = 30_000) =>
    new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`${args[0]} still running after ${ms} ms; stdout:\n${stdout}\nstderr:\n${stderr}`)),
        ms
      )
      void exit.then((result) => {
        clearTimeout(timer)
        resolve(result)
      })
    })
  const line = (pattern: RegExp, ms = 30_000) =>
    new Promise<RegExpMatchArray>((resolve, reject) => {
      const timer = setTimeout(() => {
        waiters.delete(check)
        reject(new Error(`no stderr line matching ${pattern} within ${ms} ms; stderr:\n${stderr}`))
      }, ms)
      const check = () => {
        const found = stderr.match(pattern)
        if (found === null) return
        clearTimeout(timer)
        waiters.delete(check)
        resolve(found)
      }
      waiters.add(check)
      check()
    })
  return { child, line, exited }
}

/** The run's snapshot in KV, polled until `ready` holds (bounded). */
const snapshotWhen = async (runId: string, ready: (s: RunMonitor.RunState) => boolean) => {
  for (let i = 0; i < 300; i++) {
    const found = await Effect.runPromise(RunMonitor.read(nc, runId))
    if (Option.isSome(found) && ready(found.value)) return found.value
    await new Promise((r) => setTimeout(r, 100))
  }
  throw new Error(`run ${runId}: no snapshot as expected within 30 s`)
}

const master = (runId: string, ...more: Array<string>) =>
  proc(
    "master",
    logs,
    ...["--nats", server.url, "--run", runId, "--checkpoint-every", "1", "--checkpoint-dir", join(work, "checkpoints")],
    ...more
  )

const worker = (runId: string, delayMs: number) =>
  proc("worker", "--nats", server.url, "--run", runId, "--once", "--task-delay-ms", String(delayMs))

beforeAll(async () => {
  expect(dla("generate", logs, "--files", "10", "--lines", "300", "--seed", "11").status).toBe(0)
  const run = dla("analyse", logs, "--sequential", "--json")
  expect(run.status, run.stderr).toBe(0)
  sequential = JSON.parse(run.stdout)
  server = await startNatsServer()
  nc = await connect({ servers: server.url })
})

afterEach(async () => {
  const alive = running.splice(0).filter((c) => c.exitCode === null && c.signalCode === null)
  await Promise.all(alive.map((c) => new Promise((resolve) => c.once("exit", resolve).kill("SIGKILL"))))
})

afterAll(async () => {
  await nc?.close()
  await server?.stop()
  rmSync(work, { recursive: true, force: true })
})

/** Two of the run's tasks, taken off its work queue and held unacked: the run cannot end until they go back. */
const holdTasks = (runId: string) => holdMessages(nc, `DLA_TASKS_${runId}`, "workers", 2)

/** The primary master, once it leads the run (its first term). */
const leadingPrimary = async (runId: string, ...more: Array<string>) => {
  const primary = master(runId, "--candidate-id", "primary", ...more)
  const found = await primary.line(new RegExp(`INFO {5}leading run ${runId} as primary \\(term (\\d+)\\)$`, "m"))
  return { primary, firstTerm: Number(found[1]) }
}

/** A standby master joining the run's election; `standing` resolves once it follows the primary's `term`. */
const joiningStandby = (runId: string, term: number, ...more: Array<string>) => {
  const standby = master(runId, "--standby", "--candidate-id", "standby", ...more)
  const standing = standby.line(
    new RegExp(`INFO {5}standing by: run ${runId} is led by primary \\(term ${term}\\)$`, "m")
  )
  return { standby, standing }
}

// Started together on a loaded machine, the standby can win term 1 before the primary has joined the election (the
// primary then takes the run over): the standby starts once the primary leads. The masters get a long ack wait so
// that the tasks the test holds are never redelivered behind its back, however slow the machine.
describe("dla master --standby", () => {
  it("the leader SIGKILLed mid-run: the standby takes over, resumes, and reports the failover with exact counts", async () => {
    const runId = "failover"
    const options = ["--json", "--ack-wait", "600"]
    const { primary, firstTerm } = await leadingPrimary(runId, ...options)
    // Two of the ten tasks stay with the test until the standby leads: the primary cannot finish the run first.
    const held = await holdTasks(runId)
    const { standby, standing } = joiningStandby(runId, firstTerm, ...options)
    const workers = [worker(runId, 0), worker(runId, 0)]
    await standing
    const before = await snapshotWhen(runId, (s) => s.checkpoints.saved >= 2)
    expect(before.leader).toEqual({ id: "primary", term: firstTerm })
    expect(before.status).not.toBe("done")
    primary.child.kill("SIGKILL")

    const took = await standby.line(
      /INFO {5}taking over run failover from primary as standby \(term (\d+)\): resuming$/m
    )
    const term = Number(took[1])
    expect(term).toBeGreaterThan(firstTerm)
    // Handed back, the held tasks go to the workers, whose results now reach the standby.
    for (const msg of held) msg.nak()
    const { code, stdout, stderr } = await standby.exited()
    expect(code, stderr).toBe(0)
    expect(stderr).toMatch(/INFO {5}resumed from a checkpoint: \d+ files already processed$/m)
    const report = JSON.parse(stdout)
    expect(report).toMatchObject({
      levels: sequential.levels,
      lines: sequential.lines,
      unmatched: sequential.unmatched,
      filesProcessed: 10,
      leader: "standby",
      term,
      previousLeader: "primary"
    })
    for (const w of workers) expect((await w.exited()).code).toBe(0)

    // `dla status` shows the new leader and its term, from the snapshot the standby published once it led.
    const status = dla("status", "--nats", server.url, "--run", runId, "--json")
    expect(status.status, status.stderr).toBe(0)
    expect(JSON.parse(status.stdout)).toMatchObject({ status: "done", leader: { id: "standby", term } })
  })

  it("a standby whose run the leader finished exits 0 with one line; the leader's block names it and its term", async () => {
    const runId = "finished"
    const { primary, firstTerm } = await leadingPrimary(runId, "--ack-wait", "600")
    // The run cannot end before the standby follows the primary: it would never learn who finished it.
    const held = await holdTasks(runId)
    const { standby, standing } = joiningStandby(runId, firstTerm, "--ack-wait", "600")
    const w = worker(runId, 0)
    await standing
    for (const msg of held) msg.nak()
    const [led, stood] = await Promise.all([primary.exited(), standby.exited()])
    expect(led.code, led.stderr).toBe(0)
    expect(led.stdout).toMatch(/^Checkpoints saved: \d+\n={49}\n(?:.+\n)*Leader: primary\nTerm: \d+\n$/m)
    expect(led.stdout).not.toMatch(/Previous leader/)
    expect(stood.code, stood.stderr).toBe(0)
    expect(stood.stdout).toBe("run finished finished by another master (primary)\n")
    expect((await w.exited()).code).toBe(0)
  })

  it("--keep-alive: the master stays up after its run, and one restarted does not analyse the finished run again", async () => {
    const runId = "kept"
    const first = master(runId, "--keep-alive", "--json")
    const w = worker(runId, 0)
    await first.line(/INFO {5}run kept has ended: staying up until stopped \(--keep-alive\)$/m)
    expect((await w.exited()).code).toBe(0)
    expect(first.child.exitCode).toBe(null)
    // Still up, it keeps publishing the run: its last state reaches `dla status`.
    await snapshotWhen(runId, (s) => s.status === "done")
    // What a Deployment does when the pod goes: stop it and start it again.
    first.child.kill("SIGKILL")
    const again = master(runId, "--keep-alive", "--json")
    await again.line(/INFO {5}run kept \(started [^)]+\) has already finished; --fresh analyses it again: staying up/m)
    again.child.kill("SIGTERM")
    const { stdout, stderr } = await again.exited()
    // It never led the run again: no election, no tasks, no results block.
    expect(stderr).not.toMatch(/leading run/)
    expect(stdout).toBe("")
  })
})
