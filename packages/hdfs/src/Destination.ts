/**
 * Where copies go: `hdfs://` and `webhdfs://` (WebHDFS REST over HTTP), `swebhdfs://` (over HTTPS) and `file://`
 * (mounted storage), parsed into a `Destination`, and the few operations the copier needs from it (`Storage`).
 *
 * @since 0.1.0
 */
import { type Effect, Result } from "effect"
import { HdfsError } from "./HdfsError.ts"

/**
 * A WebHDFS destination: the path inside HDFS, the namenodes to ask and how to authenticate.
 *
 * @since 0.1.0
 * @category models
 */
export interface WebHdfsDestination {
  readonly kind: "webhdfs"
  /** Absolute path inside HDFS. */
  readonly path: string
  /** HTTP(S) base URLs of the namenodes, tried in order on StandbyException or connection errors. */
  readonly namenodes: ReadonlyArray<string>
  /** Sent as `user.name` (simple authentication) when no delegation token is given. */
  readonly user: string | undefined
  /** Sent as `delegation` (a Hadoop delegation token, URL-safe encoded). */
  readonly delegationToken: string | undefined
  /** Abort a request (and try the next namenode or retry) after this long. */
  readonly requestTimeoutMs: number
}

/**
 * A mounted directory as destination.
 *
 * @since 0.1.0
 * @category models
 */
export interface FileDestination {
  readonly kind: "file"
  /** Absolute local directory. */
  readonly path: string
}

/**
 * Where copies go.
 *
 * @since 0.1.0
 * @category models
 */
export type Destination = WebHdfsDestination | FileDestination

/**
 * What a WebHDFS URL cannot say: namenodes, user, token and request timeout.
 *
 * @since 0.1.0
 * @category models
 */
export interface WebHdfsOptions {
  /** HTTP addresses (`http://nn1:9870`) of the namenodes; default: the URL's host with port 9870 for hdfs://. */
  readonly namenodes?: ReadonlyArray<string>
  readonly user?: string
  readonly delegationToken?: string
  readonly requestTimeoutSeconds?: number
}

/**
 * Hadoop 3's default namenode HTTP port (dfs.namenode.http-address).
 *
 * @since 0.1.0
 * @category constants
 */
export const DEFAULT_HTTP_PORT = 9870
const DEFAULT_HTTPS_PORT = 9871

const badConfig = (message: string) => Result.fail(new HdfsError({ reason: "BadConfig", detail: message }))

/**
 * Parses a destination URL; a failure with a one-line BadConfig error for anything it cannot use.
 *
 * @since 0.1.0
 * @category constructors
 */
export const parse = (url: string, options: WebHdfsOptions = {}): Result.Result<Destination, HdfsError> => {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    return badConfig(
      `destination '${url}' is not a URL: use hdfs://namenode:8020/path, webhdfs://host:9870/path or file:///path`
    )
  }
  const path = decodeURIComponent(parsed.pathname).replace(/\/+$/, "") || "/"
  if (parsed.protocol === "file:") {
    if (parsed.host !== "")
      return badConfig(`destination '${url}': file:// URLs take no host, use file:///absolute/path`)
    return Result.succeed({ kind: "file", path })
  }
  const secure = parsed.protocol === "swebhdfs:"
  if (parsed.protocol !== "hdfs:" && parsed.protocol !== "webhdfs:" && !secure) {
    return badConfig(
      `destination '${url}': unsupported scheme '${parsed.protocol}', use hdfs://, webhdfs://, swebhdfs:// or file://`
    )
  }
  if (parsed.hostname === "" && (options.namenodes ?? []).length === 0) {
    return badConfig(`destination '${url}' names no namenode host`)
  }
  // hdfs:// names the RPC port (8020), which does not speak HTTP: WebHDFS goes to the namenode's HTTP port.
  const httpPort =
    parsed.protocol === "hdfs:" || parsed.port === "" ? (secure ? DEFAULT_HTTPS_PORT : DEFAULT_HTTP_PORT) : parsed.port
  const namenodes =
    (options.namenodes ?? []).length > 0
      ? options.namenodes!
      : [`${secure ? "https" : "http"}://${parsed.hostname}:${httpPort}`]
  for (const namenode of namenodes) {
    if (!/^https?:\/\/[^/]+\/?$/.test(namenode))
      return badConfig(`namenode address '${namenode}' must look like http://host:9870`)
  }
  const timeout = options.requestTimeoutSeconds ?? 60
  if (!(timeout > 0)) return badConfig(`requestTimeoutSeconds must be positive, got ${timeout}`)
  return Result.succeed({
    kind: "webhdfs",
    path,
    namenodes: namenodes.map((n) => n.replace(/\/$/, "")),
    user: options.user,
    delegationToken: options.delegationToken,
    requestTimeoutMs: timeout * 1000
  })
}

/**
 * What the destination says about a path.
 *
 * @since 0.1.0
 * @category models
 */
export interface RemoteStatus {
  readonly type: "FILE" | "DIRECTORY"
  readonly length: number
}

/**
 * The operations the copier uses; every path is absolute at the destination.
 *
 * @since 0.1.0
 * @category models
 */
export interface Storage {
  /** For log lines: the URL or directory. */
  readonly description: string
  /** Undefined when nothing exists at `path`. */
  readonly status: (path: string) => Effect.Effect<RemoteStatus | undefined, HdfsError>
  readonly mkdirs: (path: string) => Effect.Effect<void, HdfsError>
  /** Creates (or replaces) a file holding `data`. */
  readonly create: (path: string, data: Uint8Array) => Effect.Effect<void, HdfsError>
  readonly append: (path: string, data: Uint8Array) => Effect.Effect<void, HdfsError>
  /** Up to `length` bytes from `offset`. */
  readonly read: (path: string, offset: number, length: number) => Effect.Effect<Uint8Array, HdfsError>
  /** Moves `from` onto `to`, replacing an existing file in one step. */
  readonly rename: (from: string, to: string) => Effect.Effect<void, HdfsError>
}
