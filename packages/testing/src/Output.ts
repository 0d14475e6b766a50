/**
 * What a child process prints, gathered as text while it runs, for tests and benches that read it.
 *
 * @since 0.1.0
 */
import type { ChildProcess } from "node:child_process"

/**
 * Everything gathered so far.
 *
 * @since 0.1.0
 * @category processes
 */
export interface Output {
  readonly stdout: string
  readonly stderr: string
}

/**
 * Gathers `child`'s piped stdout and stderr from now on into the returned object; `onStderr`, if given, sees all of
 * stderr so far after each chunk of it.
 *
 * @since 0.1.0
 * @category processes
 */
export const gather = (child: ChildProcess, onStderr?: (stderr: string) => void): Output => {
  const output = { stdout: "", stderr: "" }
  child.stdout?.on("data", (chunk: Buffer) => {
    output.stdout += chunk.toString()
  })
  child.stderr?.on("data", (chunk: Buffer) => {
    output.stderr += chunk.toString()
    onStderr?.(output.stderr)
  })
  return output
}
