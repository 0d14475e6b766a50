/** The id of a run: given, or derived from what it analyses. */
import { resolve } from "node:path"
import * as Option from "effect/Option"

const FNV_OFFSET = 0xcbf29ce484222325n
const FNV_PRIME = 0x100000001b3n

/**
 * FNV-1a, 64 bits, of the UTF-8 bytes of `text`, in 16 hex digits. Not SHA-256: node:crypto costs ~4 ms of every
 * `dla analyse` start (docs/benchmarks.md, "Start-up (startup helper)") for an id that only has to be stable and
 * unlikely to collide among one user's inputs, not to resist an attacker.
 */
const fnv1a64 = (text: string) => {
  let hash = FNV_OFFSET
  for (const byte of new TextEncoder().encode(text)) hash = BigInt.asUintN(64, (hash ^ BigInt(byte)) * FNV_PRIME)
  return hash.toString(16).padStart(16, "0")
}

/** Same directory and filters, same run id: a master started again with the same arguments resumes the run. */
export const runId = (
  explicit: Option.Option<string>,
  root: string,
  include: ReadonlyArray<string>,
  exclude: ReadonlyArray<string>,
  prefix = "run"
) =>
  Option.getOrElse(
    explicit,
    () => `${prefix}-${fnv1a64(JSON.stringify([resolve(root), include, exclude])).slice(0, 12)}`
  )
