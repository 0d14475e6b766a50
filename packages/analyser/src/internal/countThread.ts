/** Worker-thread entry of the embedded engine: counts one task per message, on its own core. */
import { parentPort } from "node:worker_threads"
import * as ErrorMessage from "@dla/core/ErrorMessage"
// Only the modules counting needs: a thread starts faster without the rest of core.
import * as LogFormat from "@dla/core/LogFormat"
import { countParts, type Part } from "./countParts.ts"

/**
 * A request to the counting thread: the parts of one task and their format, with an id for the answer.
 *
 * @since 0.1.0
 * @category models
 */
export interface CountRequest {
  readonly id: number
  readonly parts: ReadonlyArray<Part>
  readonly format: string | undefined
}

parentPort?.on("message", (request: CountRequest) => {
  countParts(request.parts, request.format === undefined ? undefined : LogFormat.fromSpec(request.format)).then(
    (result) => parentPort?.postMessage({ id: request.id, ok: true, result }),
    (error: unknown) =>
      parentPort?.postMessage({
        id: request.id,
        ok: false,
        error: ErrorMessage.describe(error)
      })
  )
})

// Loaded: the worker behind this thread starts taking tasks.
parentPort?.postMessage({ ready: true })
