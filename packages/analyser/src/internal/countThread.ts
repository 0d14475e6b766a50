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

/**
 * The tasks sent here are counted one at a time, in the order they came. A worker holds two, so that the next one is
 * here when one ends: counted side by side, both would end together, and the thread would wait while both results
 * went out and two new tasks came in (over NATS, a round trip through a busy main thread for every pair). One after
 * the other, the first one's result and its replacement cross over while the second is counted.
 */
let previous: Promise<void> = Promise.resolve()
parentPort?.on("message", (request: CountRequest) => {
  previous = previous.then(() =>
    countParts(request.parts, request.format === undefined ? undefined : LogFormat.fromSpec(request.format)).then(
      (result) => parentPort?.postMessage({ id: request.id, ok: true, result }),
      (error: unknown) =>
        parentPort?.postMessage({
          id: request.id,
          ok: false,
          error: ErrorMessage.describe(error)
        })
    )
  )
})

// Loaded: the worker behind this thread starts taking tasks.
parentPort?.postMessage({ ready: true })
