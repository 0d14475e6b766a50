import { spawn, spawnSync } from "node:child_process"
import { mkdtempSync, readdirSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { gather, type NatsServer, startNatsServer } from "@dla/testing"
import { afterAll, beforeAll, expect } from "vitest"

const bin = fileURLToPath(new URL("../src/bin.ts", import.meta.url))

export interface Run {
  readonly status: number | null
  readonly stdout: string
  readonly stderr: string
}

/** Runs `dla` as a real process from its TypeScript sources (Node strips the types; no build needed). */
export const dla = (...args: Array<string>): Run => dlaWith({}, ...args)

/** `dla` with more environment than the test runner's (NATS_URL, NATS_USER, ...). */
export const dlaWith = (env: Readonly<Record<string, string>>, ...args: Array<string>): Run => {
  const { status, stdout, stderr } = spawnSync(process.execPath, ["--conditions=source", bin, ...args], {
    encoding: "utf8",
    timeout: 30_000,
    env: { ...process.env, ...env }
  })
  return { status, stdout, stderr }
}

/** Starts `dla` without waiting for it, for tests that signal it. */
export const start = (...args: Array<string>) => startWith({}, ...args)

/** The same with more environment. */
export const startWith = (env: Readonly<Record<string, string>>, ...args: Array<string>) =>
  spawn(process.execPath, ["--conditions=source", bin, ...args], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, ...env }
  })

/** Waits for a started `dla` to exit, with everything it printed. */
export const finished = (child: ReturnType<typeof start>): Promise<Run> =>
  new Promise((resolve) => {
    const output = gather(child)
    child.once("close", (status) => resolve({ status, stdout: output.stdout, stderr: output.stderr }))
  })

/**
 * `dla` run to its end alongside others (spawnSync would block a worker or master the run needs) in `cwd` (a master
 * keeps its checkpoints under the working directory); killed after 45 s so a hang fails the test instead of the suite.
 */
export const runIn = (cwd: string, ...args: Array<string>): Promise<Run> => {
  const child = spawn(process.execPath, ["--conditions=source", bin, ...args], {
    cwd,
    stdio: ["ignore", "pipe", "pipe"],
    env: process.env
  })
  const timer = setTimeout(() => child.kill("SIGKILL"), 45_000)
  return finished(child).finally(() => clearTimeout(timer))
}

/** The newest checkpoint's directory of a run (`<checkpoint dir>/<run>/<sequence>`, one per checkpoint). */
export const newestCheckpoint = (checkpointDir: string, runId: string): string => {
  const runDir = join(checkpointDir, runId)
  const numbered = readdirSync(runDir).filter((name) => /^\d+$/.test(name))
  return join(runDir, numbered.sort().at(-1) ?? "none")
}

/** A line of @dla/logger on stderr: `[12:34:56.789] [3] WARN     message` (the rank only inside a launch). */
export const logLine = /^\[\d\d:\d\d:\d\d\.\d{3}\] (?:\[(\d+)\] )?([A-Z]+) +(.*)$/

/** The diagnostics on a run's stderr as `LEVEL message` (time and rank taken off); other lines as they are. */
export const diagnostics = (stderr: string): Array<string> =>
  stderr
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => {
      const found = logLine.exec(line)
      return found === null ? line : `${found[2]} ${found[3]}`
    })

/**
 * A test file's work directory with `dla generate`d logs under `logs`, and a nats-server: made before the file's
 * tests, stopped and removed after them. `server.url` can be read once the tests run.
 */
export const generatedLogsAndServer = (
  prefix: string,
  generate: { readonly files: number; readonly lines: number; readonly seed: number }
) => {
  const work = mkdtempSync(join(tmpdir(), prefix))
  const logs = join(work, "logs")
  let started: NatsServer | undefined
  beforeAll(async () => {
    const { files, lines, seed } = generate
    expect(dla("generate", logs, "--files", `${files}`, "--lines", `${lines}`, "--seed", `${seed}`).status).toBe(0)
    started = await startNatsServer()
  })
  afterAll(async () => {
    await started?.stop()
    rmSync(work, { recursive: true, force: true })
  })
  const server = {
    get url(): string {
      if (started === undefined) throw new Error("the nats-server starts before the tests, not while they are declared")
      return started.url
    }
  }
  return { work, logs, server, dlaAsync: (...args: Array<string>) => runIn(work, ...args) }
}
