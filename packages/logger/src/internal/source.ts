/** The caller's `file:line`: the first stack frame outside this package (a stack capture: opt-in only). */
import * as path from "node:path"
import { fileURLToPath } from "node:url"

// The logger's own code: `src/` when run from source (this file is in `src/internal/`), `dist/` when bundled.
const here = path.dirname(fileURLToPath(import.meta.url))
const ownDir = path.basename(here) === "internal" ? path.dirname(here) : here
const FRAME = /(?:\(|at |@)((?:file:\/\/)?[^()\s]+):(\d+):\d+\)?\s*$/

export const callerSource = (): string | undefined => {
  const stack = new Error().stack
  if (stack === undefined) return undefined
  for (const line of stack.split("\n")) {
    const match = FRAME.exec(line)
    if (match === null) continue
    const file = match[1]!.startsWith("file://") ? fileURLToPath(match[1]!) : match[1]!
    if (file.startsWith(ownDir) || file.startsWith("node:")) continue
    return `${path.basename(file)}:${match[2]}`
  }
  return undefined
}
