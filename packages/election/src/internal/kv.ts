/** Compare-and-set over a JetStream KV key, as plain promises (used by the election engine and by FencedKv). */

import { ErrorMessage } from "@dla/core"
import type { KV, KvEntry } from "@nats-io/kv"

/** JetStream API codes for "wrong last sequence": the CAS lost against another write. */
const casConflictCodes = new Set([10071, 10164])

export const isCasConflict = (e: unknown): boolean =>
  typeof e === "object" && e !== null && "code" in e && casConflictCodes.has((e as { code: unknown }).code as number)

/** The live entry of a key and the revision to CAS against (0: never written; a delete marker's revision otherwise). */
export interface Current {
  readonly entry: KvEntry | undefined
  readonly revision: number
}

export const readCurrent = async (kv: KV, key: string): Promise<Current> => {
  const entry = await kv.get(key)
  if (entry === null) return { entry: undefined, revision: 0 }
  return { entry: entry.operation === "PUT" ? entry : undefined, revision: entry.revision }
}

/**
 * Writes `data` only if the key is still at `revision` (0: the key has never been written). Resolves with the new
 * revision, or `undefined` when another write got there first.
 */
export const compareAndSet = async (
  kv: KV,
  key: string,
  data: string,
  revision: number,
  timeout: number
): Promise<number | undefined> => {
  try {
    return await kv.put(key, data, { previousSeq: revision, timeout })
  } catch (e) {
    if (isCasConflict(e)) return undefined
    throw e
  }
}

/** The one-line message of a failure (core's `ErrorMessage.describe`). */
export const describe: (cause: unknown) => string = ErrorMessage.describe
