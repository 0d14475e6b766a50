/**
 * Heartbeats over core NATS: each worker publishes on `dla.<run>.hb.<worker>`, the master subscribes to
 * `dla.<run>.hb.*` (nothing is stored: only liveness matters).
 *
 * @since 0.1.0
 */
import type { NatsConnection } from "@nats-io/nats-core"
import { Effect, Layer, Option, Stream } from "effect"
import * as Heartbeats from "../Heartbeats.ts"
import { decodeJson, encodeJson } from "../Task.ts"
import { listening, transport } from "./internal/jetstream.ts"
import { names } from "./RunsKv.ts"

const decodeHeartbeat = decodeJson(Heartbeats.Heartbeat, "heartbeat")

/**
 * The Heartbeats of run `runId`.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (nc: NatsConnection, runId: string) =>
  Layer.succeed(
    Heartbeats.Heartbeats,
    Heartbeats.Heartbeats.of({
      beat: (heartbeat) =>
        Effect.try({
          try: () => nc.publish(names(runId).heartbeat(heartbeat.workerId), encodeJson(heartbeat)),
          catch: transport("cannot send a heartbeat")
        }),
      listen: listening(nc, names(runId).heartbeats).pipe(
        Effect.map((beats) =>
          beats.pipe(
            Stream.mapEffect((msg) => decodeHeartbeat(msg.data).pipe(Effect.option)),
            Stream.flatMap((o) => Stream.fromIterable(Option.toArray(o)))
          )
        )
      )
    })
  )
