import { type ChildProcess, spawn } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"

export const fixture = (name: string) => path.join(path.dirname(fileURLToPath(import.meta.url)), "fixtures", name)

/** A fresh temp dir, removed by the returned cleanup. */
export const tempDir = (): { readonly dir: string; readonly cleanup: () => void } => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dla-logger-"))
  return { dir, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) }
}

/** The parent's environment without any launcher variables, so each child sees only what a test gives it. */
export const cleanEnv = (): NodeJS.ProcessEnv =>
  Object.fromEntries(
    Object.entries(process.env).filter(
      ([key]) =>
        !/^(RANK|LOCAL_RANK|WORLD_SIZE|LOCAL_WORLD_SIZE|GROUP_RANK|LOG_LEVEL|NO_COLOR|HOSTNAME)$/.test(key) &&
        !/^(SLURM|OMPI|PMI|DLA_|SKYPILOT)/.test(key)
    )
  )

export interface Child {
  readonly process: ChildProcess
  stdout: string
  stderr: string
  /** Resolves when the child printed `ready` (or exited first). */
  readonly ready: Promise<void>
  readonly exited: Promise<{ readonly code: number | null; readonly signal: NodeJS.Signals | null }>
}

/** Runs a TypeScript fixture under node (type stripping) with the source export condition. */
export const spawnFixture = (name: string, env: NodeJS.ProcessEnv): Child => {
  const proc = spawn(process.execPath, ["--conditions=source", fixture(name)], { env, stdio: ["pipe", "pipe", "pipe"] })
  let onReady: () => void = () => {}
  const ready = new Promise<void>((resolve) => {
    onReady = resolve
  })
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    proc.on("exit", (code, signal) => {
      onReady()
      resolve({ code, signal })
    })
  )
  const child: Child = { process: proc, stdout: "", stderr: "", ready, exited }
  proc.stdout!.on("data", (chunk: Buffer) => {
    child.stdout += chunk.toString()
    if (child.stdout.includes("ready\n")) onReady()
  })
  proc.stderr!.on("data", (chunk: Buffer) => {
    child.stderr += chunk.toString()
  })
  return child
}

/** Ends a fixture that waits on its stdin, and waits for it. */
export const release = async (child: Child) => {
  child.process.stdin!.end()
  return child.exited
}

/** Kills whatever is still running (afterEach / finally). */
export const killAll = (children: ReadonlyArray<Child>) => {
  for (const child of children)
    if (child.process.exitCode === null && child.process.signalCode === null) child.process.kill("SIGKILL")
}
