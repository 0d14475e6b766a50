/** Spawns real master and worker processes (test/support/proc.ts) and follows their JSON-line events. */
import { type ChildProcess, spawn } from "node:child_process"
import { fileURLToPath } from "node:url"

const script = fileURLToPath(new URL("./proc.ts", import.meta.url))

export interface Proc {
  readonly child: ChildProcess
  readonly events: Array<{ _tag: string; [key: string]: unknown }>
  /** Resolves with the first event that matches (bounded by `timeoutMs`). */
  readonly waitFor: (
    match: (event: { _tag: string; [key: string]: unknown }) => boolean,
    timeoutMs?: number
  ) => Promise<{ _tag: string; [key: string]: unknown }>
  /** Resolves with the exit code and the last stdout line parsed as JSON (the master's summary). */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; output: unknown; stderr: string }>
  readonly kill: (signal?: NodeJS.Signals) => Promise<void>
  /** Everything the process wrote on stderr so far (for failure messages). */
  readonly stderr: () => string
}

export const spawnProc = (role: "master" | "candidate" | "worker", options: Record<string, unknown>): Proc => {
  const child = spawn(process.execPath, ["--conditions=source", script, role, JSON.stringify(options)], {
    stdio: ["ignore", "pipe", "pipe"]
  })
  const events: Proc["events"] = []
  const waiters: Array<() => void> = []
  let stdout = ""
  let stderr = ""
  let partial = ""
  child.stdout?.on("data", (chunk: Buffer) => {
    stdout += chunk.toString()
  })
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString()
    partial += chunk.toString()
    const lines = partial.split("\n")
    partial = lines.pop() ?? ""
    for (const line of lines) {
      try {
        events.push(JSON.parse(line))
      } catch {}
    }
    for (const waiter of waiters.splice(0)) waiter()
  })
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; output: unknown; stderr: string }>(
    (resolve) =>
      child.once("exit", (code, signal) => {
        const last = stdout.trim().split("\n").pop() ?? ""
        let output: unknown
        try {
          output = JSON.parse(last)
        } catch {
          output = undefined
        }
        resolve({ code, signal, output, stderr })
      })
  )
  const waitFor: Proc["waitFor"] = (match, timeoutMs = 30_000) =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no matching event from ${role} in ${timeoutMs} ms; stderr:\n${stderr}`)),
        timeoutMs
      )
      const check = () => {
        const found = events.find(match)
        if (found !== undefined) {
          clearTimeout(timer)
          resolve(found)
        } else if (child.exitCode !== null || child.signalCode !== null) {
          clearTimeout(timer)
          reject(new Error(`${role} exited before the event; stderr:\n${stderr}`))
        } else waiters.push(check)
      }
      check()
    })
  const kill = async (signal: NodeJS.Signals = "SIGKILL") => {
    if (child.exitCode !== null || child.signalCode !== null) return
    child.kill(signal)
    await exited
  }
  return { child, events, waitFor, exited, kill, stderr: () => stderr }
}

/**
 * The processes of one test file: `start` spawns one with `common()` (read at each start: the server of the current
 * test) under its own options; `stopAll`, in afterEach, ends every process started since.
 */
export const processGroup = (common: () => Record<string, unknown> = () => ({})) => {
  const procs: Array<Proc> = []
  const start = (role: "master" | "candidate" | "worker", options: Record<string, unknown>) => {
    const proc = spawnProc(role, { ...common(), ...options })
    procs.push(proc)
    return proc
  }
  const stopAll = async () => {
    // A process a test paused (SIGSTOP) is continued first, so that it can end.
    for (const p of procs) if (p.child.signalCode === null && p.child.exitCode === null) p.child.kill("SIGCONT")
    await Promise.all(procs.splice(0).map((p) => p.kill()))
  }
  return { start, stopAll }
}
