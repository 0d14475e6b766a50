/**
 * `--nats` and its connection options (credentials, TLS) shared by the commands that talk to NATS, and the scoped
 * connection they make (`copy` too): a server that does not answer is one line, never a hang.
 */
import { readFileSync } from "node:fs"
import type { ConnectionOptions, NatsConnection } from "@nats-io/nats-core"
import * as Flag from "effect/cli/Flag"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import type * as Scope from "effect/Scope"

/** NATS could not be reached (or refused us): one line, exit 1. */
export class NatsUnavailable extends Data.TaggedError("NatsUnavailable")<{ readonly message: string }> {}

export const servers = Flag.String("nats").pipe(
  Flag.withDescription("NATS server URL(s), comma-separated for a cluster (nats://host:4222,nats://host2:4222)")
)

export const options = {
  creds: Flag.String("creds").pipe(Flag.optional, Flag.withDescription("NATS credentials file (JWT + nkey seed)")),
  user: Flag.String("user").pipe(Flag.optional, Flag.withDescription("NATS user name")),
  password: Flag.Redacted("password").pipe(Flag.optional, Flag.withDescription("NATS password (with --user)")),
  token: Flag.Redacted("token").pipe(Flag.optional, Flag.withDescription("NATS authentication token")),
  tlsCa: Flag.String("tls-ca").pipe(Flag.optional, Flag.withDescription("CA certificate file to verify the server")),
  tlsCert: Flag.String("tls-cert").pipe(Flag.optional, Flag.withDescription("Client certificate file (mutual TLS)")),
  tlsKey: Flag.String("tls-key").pipe(Flag.optional, Flag.withDescription("Client key file (mutual TLS)"))
}

export interface Settings {
  readonly creds: Option.Option<string>
  readonly user: Option.Option<string>
  readonly password: Option.Option<Redacted.Redacted<string>>
  readonly token: Option.Option<Redacted.Redacted<string>>
  readonly tlsCa: Option.Option<string>
  readonly tlsCert: Option.Option<string>
  readonly tlsKey: Option.Option<string>
}

/** No credentials, no TLS. */
export const anonymous: Settings = {
  creds: Option.none(),
  user: Option.none(),
  password: Option.none(),
  token: Option.none(),
  tlsCa: Option.none(),
  tlsCert: Option.none(),
  tlsKey: Option.none()
}

const connectionOptions = (
  urls: ReadonlyArray<string>,
  settings: Settings,
  credsAuthenticator: (creds: Uint8Array) => NonNullable<ConnectionOptions["authenticator"]>
): ConnectionOptions => {
  const tls = {
    caFile: Option.getOrUndefined(settings.tlsCa),
    certFile: Option.getOrUndefined(settings.tlsCert),
    keyFile: Option.getOrUndefined(settings.tlsKey)
  }
  const wantsTls = Object.values(tls).some((v) => v !== undefined)
  return {
    servers: [...urls],
    name: `dla-${process.pid}`,
    // A server that does not answer fails the first connect after this long (no waiting on first connect)...
    timeout: 5_000,
    // ...but once connected, ride out server restarts and fail-overs for as long as it takes.
    maxReconnectAttempts: -1,
    reconnectTimeWait: 250,
    user: Option.getOrUndefined(settings.user),
    pass: Option.getOrUndefined(Option.map(settings.password, Redacted.value)),
    token: Option.getOrUndefined(Option.map(settings.token, Redacted.value)),
    ...(Option.isSome(settings.creds)
      ? { authenticator: credsAuthenticator(new Uint8Array(readFileSync(settings.creds.value))) }
      : {}),
    ...(wantsTls ? { tls } : {})
  }
}

/** A connection for the enclosing scope (drained when it closes). */
export const connection = (
  spec: string,
  settings: Settings
): Effect.Effect<NatsConnection, NatsUnavailable, Scope.Scope> => {
  const urls = spec
    .split(",")
    .map((url) => url.trim())
    .filter((url) => url !== "")
  return Effect.acquireRelease(
    Effect.tryPromise({
      // Loaded here, so that commands without NATS (`dla analyse` on one machine) start without the client.
      try: async () => {
        const [{ connect }, { credsAuthenticator }] = await Promise.all([
          import("@nats-io/transport-node"),
          import("@nats-io/nats-core")
        ])
        return connect(connectionOptions(urls, settings, credsAuthenticator))
      },
      catch: (cause) =>
        new NatsUnavailable({
          message: `cannot connect to NATS at ${urls.join(",")}: ${cause instanceof Error ? cause.message : String(cause)}`
        })
    }),
    (nc) => Effect.promise(() => nc.drain().catch(() => nc.close()))
  )
}
