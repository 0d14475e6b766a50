/** Worker-thread entry of the embedded engine: counts one task per message, on its own core. */
import { parentPort } from "node:worker_threads"
// Only the modules counting needs: a thread starts faster without the rest of core.
import * as FileAnalysis from "@dla/core/FileAnalysis"
import * as FileError from "@dla/core/FileError"
import * as LogFormat from "@dla/core/LogFormat"

export interface CountRequest {
  readonly id: number
  readonly path: string
  readonly range: FileAnalysis.ByteRange
  readonly format: string | undefined
}

parentPort?.on("message", (request: CountRequest) => {
  FileAnalysis.analyseFile(request.path, {
    range: request.range,
    format: request.format === undefined ? undefined : LogFormat.fromSpec(request.format)
  }).then(
    (result) => parentPort?.postMessage({ id: request.id, ok: true, result }),
    (error: unknown) =>
      parentPort?.postMessage({
        id: request.id,
        ok: false,
        error: error instanceof Error ? error.message : String(error),
        // A FileError crosses the thread as its fields, so the worker can tell binary content from a read error.
        fileError:
          error instanceof FileError.FileError
            ? { path: error.path, reason: error.reason, detail: error.detail }
            : undefined
      })
  )
})

// Loaded: the worker behind this thread starts taking tasks.
parentPort?.postMessage({ ready: true })
