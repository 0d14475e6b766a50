/**
 * Checkpoints in KV (`dla_runs`, key `<run>.checkpoint`), written through the master's `Fence`: term-stamped and by
 * compare-and-set, and adopted (re-stamped with this master's term) when the master loads it, so a master that lost
 * the run can never write one after its successor took over. The directory checkpoint keeps the file lists.
 *
 * @since 0.1.0
 */
import * as FencedKv from "@dla/election/FencedKv"
import type { NatsConnection } from "@nats-io/nats-core"
import { Effect, Layer, Option } from "effect"
import * as CheckpointStore from "../CheckpointStore.ts"
import * as Fence from "../Fence.ts"
import { transport } from "./internal/jetstream.ts"
import { names, openRuns, readRuns } from "./RunsKv.ts"

/** The KV checkpoint as stored: file lists left out (they follow from the task ids and the plan) so it stays small. */
const stored = (checkpoint: CheckpointStore.Checkpoint) => ({
  ...checkpoint,
  processed_files: [],
  pending_files: []
})

/**
 * The run's checkpoint store in KV, fenced by the master's `Fence`.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (nc: NatsConnection, runId: string) =>
  Layer.effect(
    CheckpointStore.CheckpointStore,
    Effect.gen(function* () {
      const kv = yield* openRuns(nc)
      const fence = yield* Fence.Fence
      const key = names(runId).checkpointKey
      return CheckpointStore.CheckpointStore.of({
        load: fence.adoptKv(kv, key).pipe(Effect.map(CheckpointStore.decodeUnknown)),
        save: (checkpoint) => fence.writeKv(kv, key, stored(checkpoint))
      })
    })
  )

/**
 * The run's KV checkpoint, read only (for `dla status` and other watchers: nothing is re-stamped).
 *
 * @since 0.1.0
 * @category reading
 */
export const read = (nc: NatsConnection, runId: string) =>
  Effect.gen(function* () {
    const bucket = yield* readRuns(nc)
    if (Option.isNone(bucket)) return Option.none()
    const stamped = yield* FencedKv.read(bucket.value, names(runId).checkpointKey).pipe(
      Effect.mapError(transport("cannot read the KV checkpoint"))
    )
    return stamped === undefined ? Option.none() : CheckpointStore.decodeUnknown(stamped.value)
  })
