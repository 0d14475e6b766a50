/** Worker-thread entry of the embedded engine: counts one task per message, on its own core. */
import { parentPort } from "node:worker_threads"
import { FileAnalysis, LogFormat } from "@dla/core"

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
        error: error instanceof Error ? error.message : String(error)
      })
  )
})
