/**
 * `--nats` and its connection options (credentials, TLS) shared by the commands that talk to NATS, and the scoped
 * connection they make (`copy` too): a server that does not answer is one line, never a hang.
 */
import { readFileSync } from "node:fs"
import { ErrorMessage } from "@dla/core"
import type { ConnectionOptions, NatsConnection } from "@nats-io/nats-core"
import * as Config from "effect/Config"
import * as CliError from "effect/cli/CliError"
import * as Flag from "effect/cli/Flag"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import type * as Scope from "effect/Scope"
import * as Diagnostics from "./Diagnostics.ts"

/** NATS could not be reached (or refused us): one line, exit 1. */
export class NatsUnavailable extends Data.TaggedError("NatsUnavailable")<{
  /** What could not be done, in a few words; the message adds the cause's own message after it. */
  readonly detail: string
  readonly cause?: unknown
}> {
  override get message(): string {
    return this.cause === undefined ? this.detail : `${this.detail}: ${ErrorMessage.describe(this.cause)}`
  }
}

/** `--nats`, else `NATS_URL` (the flag wins), for commands that need NATS. */
export const fromEnv = Flag.withFallbackConfig(Config.String("NATS_URL"))

export const servers = Flag.String("nats").pipe(
  fromEnv,
  Flag.withDescription(
    "NATS server URL(s), comma-separated for a cluster (nats://host:4222,nats://host2:4222). Default: NATS_URL"
  )
)

/** An optional credential flag with its environment variable as the fallback (so no secret needs to be an argument). */
const fromVariable = <A>(flag: Flag.Flag<A>, config: Config.Config<A>, description: string) =>
  flag.pipe(Flag.withFallbackConfig(config), Flag.optional, Flag.withDescription(description))

export const options = {
  creds: fromVariable(
    Flag.String("creds"),
    Config.String("NATS_CREDS"),
    "NATS credentials file (JWT + nkey seed). Default: NATS_CREDS"
  ),
  user: fromVariable(Flag.String("user"), Config.String("NATS_USER"), "NATS user name. Default: NATS_USER"),
  password: fromVariable(
    Flag.Redacted("password"),
    Config.Redacted("NATS_PASSWORD"),
    "NATS password (with --user). Default: NATS_PASSWORD"
  ),
  token: fromVariable(
    Flag.Redacted("token"),
    Config.Redacted("NATS_TOKEN"),
    "NATS authentication token. Default: NATS_TOKEN"
  ),
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

/** The servers of a `--nats` value with any `user:password@` or `token@` taken out of the URLs. */
export interface Target {
  /** URLs without credentials: the only form that is ever printed. */
  readonly urls: ReadonlyArray<string>
  readonly user: Option.Option<string>
  readonly password: Option.Option<Redacted.Redacted<string>>
  readonly token: Option.Option<Redacted.Redacted<string>>
}

const usage = (message: string) => new CliError.ValidationError({ message })

// `[scheme://][userinfo@]rest`: URLs may lack a scheme (nats.js takes `host:4222`), so not WHATWG's URL.
const urlParts = /^([A-Za-z][A-Za-z0-9+.-]*:\/\/)?(?:([^@/]*)@)?(.*)$/

const decode = (text: string) => {
  try {
    return decodeURIComponent(text)
  } catch {
    return text
  }
}

/** Each URL of `--nats` without its `userinfo@`, and that userinfo (undefined when it has none). */
const split = (spec: string) =>
  spec
    .split(",")
    .map((url) => url.trim())
    .filter((url) => url !== "")
    .map((url) => {
      const [, scheme = "", userinfo, rest = ""] = urlParts.exec(url) ?? []
      return { url: `${scheme}${rest}`, userinfo }
    })

/** `--nats` as it may be printed: the URLs without their credentials. */
export const withoutCredentials = (spec: string): string =>
  split(spec)
    .map((p) => p.url)
    .join(",")

/** Splits `--nats` into URLs and the credentials they carry (every URL the same ones, or none). */
export const target = (spec: string): Effect.Effect<Target, CliError.ValidationError> => {
  const parsed = split(spec)
  if (parsed.length === 0) return Effect.fail(usage("--nats names no server"))
  const userinfos = new Set(parsed.map((p) => p.userinfo))
  if (userinfos.size > 1) return Effect.fail(usage("--nats: give every URL the same credentials, or none"))
  const [userinfo] = userinfos
  const urls = parsed.map((p) => p.url)
  if (userinfo === undefined)
    return Effect.succeed({ urls, user: Option.none(), password: Option.none(), token: Option.none() })
  const colon = userinfo.indexOf(":")
  // `user:password@` logs in as a user; a lone `token@` is a token (NATS's own URL convention).
  return Effect.succeed(
    colon < 0
      ? { urls, user: Option.none(), password: Option.none(), token: Option.some(Redacted.make(decode(userinfo))) }
      : {
          urls,
          user: Option.some(decode(userinfo.slice(0, colon))),
          password: Option.some(Redacted.make(decode(userinfo.slice(colon + 1)))),
          token: Option.none()
        }
  )
}

/** One way of logging in: URL credentials, `--user`/`--password`, `--token` or `--creds` exclude one another. */
export const login = (spec: string, settings: Settings): Effect.Effect<Settings & Target, CliError.ValidationError> =>
  Effect.gen(function* () {
    const fromUrl = yield* target(spec)
    const given = (
      [
        ["credentials in the --nats URL", Option.isSome(fromUrl.user) || Option.isSome(fromUrl.token)],
        ["--user", Option.isSome(settings.user)],
        ["--token", Option.isSome(settings.token)],
        ["--creds", Option.isSome(settings.creds)]
      ] as const
    ).flatMap(([name, isGiven]) => (isGiven ? [name] : []))
    if (given.length > 1) return yield* usage(`${given.join(" and ")} are two ways of logging in: give one`)
    if (Option.isSome(settings.password) && Option.isNone(settings.user)) {
      return yield* usage("--password goes with --user")
    }
    if (Option.isSome(settings.tlsKey) !== Option.isSome(settings.tlsCert)) {
      return yield* usage("--tls-cert and --tls-key go together")
    }
    return {
      ...settings,
      urls: fromUrl.urls,
      user: Option.orElse(settings.user, () => fromUrl.user),
      password: Option.orElse(settings.password, () => fromUrl.password),
      token: Option.orElse(settings.token, () => fromUrl.token)
    }
  })

const hasCredentials = (settings: Settings) =>
  Option.isSome(settings.user) || Option.isSome(settings.token) || Option.isSome(settings.creds)

const connectionOptions = (
  login: Settings & Target,
  credsAuthenticator: (creds: Uint8Array) => NonNullable<ConnectionOptions["authenticator"]>
): ConnectionOptions => {
  const tls = {
    caFile: Option.getOrUndefined(login.tlsCa),
    certFile: Option.getOrUndefined(login.tlsCert),
    keyFile: Option.getOrUndefined(login.tlsKey)
  }
  const wantsTls = Object.values(tls).some((v) => v !== undefined)
  return {
    servers: [...login.urls],
    name: `dla-${process.pid}`,
    // A server that does not answer fails the first connect after this long (no waiting on first connect)...
    timeout: 5_000,
    // ...but once connected, ride out server restarts and fail-overs for as long as it takes.
    maxReconnectAttempts: -1,
    reconnectTimeWait: 250,
    // No stack captured with each request, subscription and timer "to add context" to a timeout: every error of ours
    // says what failed already, and a run makes hundreds of requests (each trace is a new Error).
    noAsyncTraces: true,
    user: Option.getOrUndefined(login.user),
    pass: Option.getOrUndefined(Option.map(login.password, Redacted.value)),
    token: Option.getOrUndefined(Option.map(login.token, Redacted.value)),
    ...(Option.isSome(login.creds)
      ? { authenticator: credsAuthenticator(new Uint8Array(readFileSync(login.creds.value))) }
      : {}),
    ...(wantsTls ? { tls } : {})
  }
}

/**
 * How long closing a connection waits for its drain (a server that stopped answering never confirms one: nats.js
 * waits minutes, until its pings time out), then for a plain close: a command that is done must exit.
 */
const closeTimeout = "2 seconds"

/**
 * A connection for the enclosing scope (drained when it closes, within `closeTimeout`). Credentials never appear in what it prints: URLs
 * are shown without them. Credentials a server does not ask for are one warning (they protect nothing there).
 */
export const connection = (
  spec: string,
  settings: Settings
): Effect.Effect<NatsConnection, NatsUnavailable | CliError.ValidationError, Scope.Scope> =>
  Effect.gen(function* () {
    const resolved = yield* login(spec, settings)
    const where = resolved.urls.join(",")
    const nc = yield* Effect.acquireRelease(
      Effect.tryPromise({
        // Loaded here, so that commands without NATS (`dla analyse` on one machine) start without the client.
        try: async () => {
          const { connect, credsAuthenticator } = await import("./NatsClient.ts")
          return connect(connectionOptions(resolved, credsAuthenticator))
        },
        catch: (cause) => new NatsUnavailable({ detail: `cannot connect to NATS at ${where}`, cause })
      }),
      (nc) =>
        Effect.tryPromise(() => nc.drain()).pipe(
          Effect.timeout(closeTimeout),
          Effect.catch(() => Effect.tryPromise(() => nc.close()).pipe(Effect.timeout(closeTimeout))),
          // A release runs uninterruptibly: without this the timeouts could not stop a drain that never ends.
          Effect.interruptible,
          Effect.ignore
        )
    )
    if (hasCredentials(resolved) && nc.info?.auth_required !== true) {
      Diagnostics.warn(`NATS at ${where} asks for no credentials: anyone can connect there (see docs/security.md)`)
    }
    return nc
  })
