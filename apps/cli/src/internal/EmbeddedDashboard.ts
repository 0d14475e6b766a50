/**
 * `dla analyse <dir> --dashboard`: the embedded engine (master and worker threads in this process) with the live
 * dashboard fed by its events.
 */
import { Embedded, RunMonitor } from "@dla/analyser"
import type { LogFormat } from "@dla/core"
import { Source } from "@dla/dashboard"
import { Console, Effect } from "effect"
import { serve } from "../commands/dashboard.ts"
import type * as Report from "../Report.ts"
import * as Failure from "./Failure.ts"
import * as Progress from "./Progress.ts"

export interface Options {
  readonly path: string
  readonly format: LogFormat.LogFormat | undefined
  readonly port: number
}

/** A custom (regex) format cannot cross to worker threads: only named formats travel, by name. */
export const isNamedFormat = (format: LogFormat.LogFormat | undefined) =>
  format === undefined || !format.name.startsWith("regex:")

export const run = (options: Options) =>
  Effect.gen(function* () {
    const runId = `analyse-${Date.now().toString(36)}`
    const monitor = RunMonitor.make(runId)
    yield* serve(Source.fromMonitor(monitor), options.port, (url) => `dla: live dashboard of run ${runId} at ${url}`)
    const progress = Progress.make()
    const summary = yield* Embedded.run({
      runId,
      root: options.path,
      format: options.format?.name,
      onEvent: (event) => {
        monitor.push(event)
        if (event._tag === "Progress") {
          const p = event.progress
          progress.update(p.bytesDone, p.bytesTotal, `${p.filesDone}/${p.filesTotal} files`)
        }
      }
    }).pipe(
      Effect.tapError((error) => Effect.sync(() => monitor.push({ _tag: "RunFailed", message: error.message }))),
      Effect.ensuring(Effect.sync(progress.finish)),
      Failure.fromError
    )
    monitor.push({ _tag: "Finished", summary })
    for (const failed of summary.failedTasks) yield* Console.error(`dla: gave up on ${failed.path}: ${failed.reason}`)
    if (summary.filesProcessed === 0) {
      return yield* new Failure.Failure({
        message: `${options.path}: no file could be analysed (${summary.failedTasks.length} task(s) given up)`
      })
    }
    const results: Report.Results = {
      counts: summary.counts,
      filesProcessed: summary.filesProcessed,
      durationMs: summary.durationMs
    }
    return results
  })

/** Holds the scope (and so the dashboard) open until Ctrl-C when `linger`. */
export const linger = (enabled: boolean) =>
  enabled
    ? Console.error("dla: run finished; the dashboard stays up until Ctrl-C").pipe(Effect.andThen(Effect.never))
    : Effect.void
