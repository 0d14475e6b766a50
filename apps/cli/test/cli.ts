import { spawn, spawnSync } from "node:child_process"
import { fileURLToPath } from "node:url"

const bin = fileURLToPath(new URL("../src/bin.ts", import.meta.url))

export interface Run {
  readonly status: number | null
  readonly stdout: string
  readonly stderr: string
}

/** Runs `dla` as a real process from its TypeScript sources (Node strips the types; no build needed). */
export const dla = (...args: Array<string>): Run => {
  const { status, stdout, stderr } = spawnSync(process.execPath, ["--conditions=source", bin, ...args], {
    encoding: "utf8",
    timeout: 30_000
  })
  return { status, stdout, stderr }
}

/** Starts `dla` without waiting for it, for tests that signal it. */
export const start = (...args: Array<string>) =>
  spawn(process.execPath, ["--conditions=source", bin, ...args], { stdio: ["ignore", "pipe", "pipe"] })
