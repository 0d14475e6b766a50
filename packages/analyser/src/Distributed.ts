/**
 * Master and worker processes over NATS: the same `Master.run` / `Worker.run` as the embedded engine, on the
 * JetStream services. The caller brings the `NatsConnection` (and so decides servers, credentials and TLS).
 *
 * @since 0.1.0
 */
import type { NatsConnection } from "@nats-io/nats-core"
import { type Duration, Effect, Layer } from "effect"
import * as CheckpointStore from "./CheckpointStore.ts"
import * as Counter from "./Counter.ts"
import { Fence } from "./Fence.ts"
import * as Master from "./Master.ts"
import * as NatsTransport from "./NatsTransport.ts"
import * as Worker from "./Worker.ts"

export interface MasterOptions extends Master.Options, NatsTransport.Options {
  /** Also save checkpoints as `<checkpointDir>/<run>/checkpoint.json` plus links to the processed files. */
  readonly checkpointDir?: string
}

/**
 * Sets the run up on NATS (streams, consumer, run state), then runs the master. Needs a `Fence`: provide
 * `Fence.layerUnfenced` for a lone master, or the election's layer for a master with standbys. Resuming is the
 * same call: the newest checkpoint (KV or directory) and the results stream tell what is already done.
 */
export const master = (nc: NatsConnection, options: MasterOptions) =>
  Effect.gen(function* () {
    const fence = yield* Fence
    yield* fence.guard(NatsTransport.setupRun(nc, options.runId, options.root, options))
    const kv = yield* CheckpointStore.CheckpointStore.pipe(
      Effect.provide(NatsTransport.layerCheckpoints(nc, options.runId))
    )
    const stores = [kv]
    if (options.checkpointDir !== undefined) {
      stores.push(
        yield* CheckpointStore.CheckpointStore.pipe(
          Effect.provide(
            CheckpointStore.layerDirectory({ dir: options.checkpointDir, runId: options.runId, root: options.root })
          )
        )
      )
    }
    return yield* Master.run({
      ...options,
      // A fresh start already wiped the KV checkpoint; the directory one is ignored the same way.
      fresh: options.fresh,
      skipDirs: [...(options.skipDirs ?? []), ...(options.checkpointDir === undefined ? [] : [options.checkpointDir])]
    }).pipe(
      Effect.provide(
        Layer.merge(
          NatsTransport.layer(nc, options.runId, options),
          Layer.succeed(CheckpointStore.CheckpointStore, CheckpointStore.all(stores))
        )
      )
    )
  })

export interface WorkerOptions extends Omit<Worker.Options, "workerId"> {
  readonly workerId?: string
  /** Serve only this run (default: every running run, oldest first, one after another). */
  readonly runId?: string
  /** Return after one run ends (default: keep serving new runs). */
  readonly once?: boolean
  /** A `--format` spec (default: core's). */
  readonly format?: string
  /** Count on a dedicated thread (several workers in one process) instead of inline (one worker per process). */
  readonly thread?: boolean
  /** How often to look for a run while there is none (default 1 s). */
  readonly pollInterval?: Duration.Input
  readonly onEvent?: (event: WorkerEvent) => void
}

export type WorkerEvent =
  | { readonly _tag: "WaitingForRun" }
  | { readonly _tag: "RunJoined"; readonly runId: string }
  | { readonly _tag: "RunEnded"; readonly summary: Worker.Summary; readonly runId: string }

/** Serves runs as a worker; returns the summaries of the runs served (only returns with `once` or on error). */
export const worker = (nc: NatsConnection, options: WorkerOptions = {}) =>
  Effect.gen(function* () {
    const workerId = options.workerId ?? Worker.makeWorkerId()
    const served: Array<Worker.Summary> = []
    let waitingSaid = false
    const nextRun = NatsTransport.runs(nc).pipe(
      Effect.map(
        (runs) =>
          runs.find((r) => r.state.status === "running" && (options.runId === undefined || r.runId === options.runId))
            ?.runId
      )
    )
    while (true) {
      const runId = yield* nextRun
      if (runId === undefined) {
        if (!waitingSaid) options.onEvent?.({ _tag: "WaitingForRun" })
        waitingSaid = true
        yield* Effect.sleep(options.pollInterval ?? "1 second")
        continue
      }
      waitingSaid = false
      options.onEvent?.({ _tag: "RunJoined", runId: runId })
      const summary = yield* Worker.run({ ...options, workerId }).pipe(
        Effect.scoped,
        Effect.provide(
          Layer.merge(
            NatsTransport.layer(nc, runId),
            options.thread ? Counter.layerThread(options.format) : Counter.layerInline(options.format)
          )
        )
      )
      served.push(summary)
      options.onEvent?.({ _tag: "RunEnded", runId: runId, summary })
      if (options.once) return served
    }
  })
