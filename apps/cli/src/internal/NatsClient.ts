/**
 * The CLI's NATS connection: one flag (`--nats`, comma-separated URLs), one scoped connection, one-line errors.
 */
import type { NatsConnection } from "@nats-io/nats-core"
import { connect } from "@nats-io/transport-node"
import { Effect, Schema, type Scope } from "effect"
import { Flag } from "effect/cli"

export class NatsUnreachable extends Schema.TaggedError<NatsUnreachable>()("NatsUnreachable", {
  servers: Schema.String,
  reason: Schema.String
}) {
  override get message(): string {
    return `cannot reach NATS at ${this.servers}: ${this.reason} (is nats-server running with JetStream, -js?)`
  }
}

export const flag = Flag.String("nats").pipe(
  Flag.withDefault(process.env.DLA_NATS_URL ?? "nats://127.0.0.1:4222"),
  Flag.withDescription("NATS server URL(s), comma-separated (default: $DLA_NATS_URL or nats://127.0.0.1:4222)")
)

/** Connected for the scope's lifetime; drained on close. */
export const connection = (servers: string): Effect.Effect<NatsConnection, NatsUnreachable, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.tryPromise({
      try: () => connect({ servers: servers.split(",").map((s) => s.trim()), timeout: 5000, name: "dla" }),
      catch: (cause) => new NatsUnreachable({ servers, reason: cause instanceof Error ? cause.message : String(cause) })
    }),
    (nc) => Effect.promise(() => nc.close().catch(() => undefined))
  )
