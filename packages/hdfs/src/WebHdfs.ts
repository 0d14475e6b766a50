/**
 * A WebHDFS REST client on the runtime's `fetch` (Node, Bun, Deno): two-step CREATE / APPEND / OPEN through the
 * namenode's 307 redirect to a datanode, RemoteException errors, and HA failover to the next namenode on
 * StandbyException or a connection error.
 *
 * @since 0.1.0
 */
import { ErrorMessage } from "@dla/core"
import { Effect, Exit, Option, Schema } from "effect"
import type { RemoteStatus, Storage, WebHdfsDestination } from "./Destination.ts"
import { fromUnknown, HdfsError } from "./HdfsError.ts"

type Method = "GET" | "PUT" | "POST" | "DELETE"

/** One WebHDFS operation on one path. */
interface Call {
  readonly method: Method
  readonly path: string
  readonly op: string
  readonly params?: Record<string, string>
}

// The JSON bodies dla reads, validated as they arrive (unknown fields are ignored).
const RemoteExceptionBody = Schema.Struct({
  RemoteException: Schema.Struct({ exception: Schema.optional(Schema.String), message: Schema.optional(Schema.String) })
})
const FileStatusBody = Schema.Struct({
  FileStatus: Schema.Struct({ type: Schema.Literals(["FILE", "DIRECTORY"]), length: Schema.Finite })
})
/** MKDIRS and the plain RENAME answer {"boolean": ...}; RENAME with renameoptions answers nothing. */
const BooleanBody = Schema.Struct({ boolean: Schema.optional(Schema.Boolean) })
const decodeRemoteException = Schema.decodeUnknownOption(Schema.fromJsonString(RemoteExceptionBody))

/** fetch's own message ("fetch failed") says little: the reason underneath follows in parentheses. */
const describe = (cause: unknown) =>
  cause instanceof Error && cause.cause instanceof Error
    ? `${ErrorMessage.describe(cause)} (${ErrorMessage.describe(cause.cause)})`
    : ErrorMessage.describe(cause)

const encodePath = (path: string) => path.split("/").map(encodeURIComponent).join("/")

/** Reads a non-2xx answer as the RemoteException it should carry. */
const remoteError = async (response: Response, what: string): Promise<HdfsError> => {
  const text = await response.text().catch(() => "")
  // Not a RemoteException (a proxy or a non-Hadoop server answered): the status and the start of the body.
  const remote = Option.getOrUndefined(decodeRemoteException(text))?.RemoteException
  return new HdfsError({
    reason: "Remote",
    detail: remote
      ? `${what}: HTTP ${response.status} ${remote.exception ?? "RemoteException"}: ${remote.message ?? ""}`.trim()
      : `${what}: HTTP ${response.status} ${text.slice(0, 200)}`.trim(),
    ...(remote?.exception !== undefined ? { exception: remote.exception } : {})
  })
}

/**
 * A client for one destination; it remembers which namenode answered last and starts there.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (destination: WebHdfsDestination): Storage => {
  let active = 0

  const url = (base: string, path: string, op: string, params: Record<string, string>) => {
    const query = new URLSearchParams({ op, ...params })
    if (destination.delegationToken !== undefined) query.set("delegation", destination.delegationToken)
    else if (destination.user !== undefined) query.set("user.name", destination.user)
    return `${base}/webhdfs/v1${encodePath(path)}?${query}`
  }

  const send = (target: string, method: Method, body: Uint8Array | undefined, signal: AbortSignal) =>
    fetch(target, {
      method,
      redirect: "manual",
      signal: AbortSignal.any([signal, AbortSignal.timeout(destination.requestTimeoutMs)]),
      ...(body !== undefined ? { body, headers: { "Content-Type": "application/octet-stream" } } : {})
    })

  /** Asks the namenodes in turn, starting at the last active one; answers with the first non-standby response. */
  const callNamenode = async ({ method, path, op, params = {} }: Call, signal: AbortSignal) => {
    const failures: Array<string> = []
    let standbys = 0
    for (let i = 0; i < destination.namenodes.length; i++) {
      const index = (active + i) % destination.namenodes.length
      const base = destination.namenodes[index]!
      let response: Response
      try {
        response = await send(url(base, path, op, params), method, undefined, signal)
      } catch (cause) {
        if (signal.aborted) throw cause
        failures.push(`${base}: ${describe(cause)}`)
        continue
      }
      if (response.status === 403) {
        const error = await remoteError(response, `${op} ${path}`)
        if (error.exception === "StandbyException") {
          standbys++
          failures.push(`${base}: standby`)
          continue
        }
        active = index
        throw error
      }
      active = index
      return response
    }
    throw new HdfsError({
      reason: standbys === destination.namenodes.length ? "Standby" : "Connection",
      detail: `${op} ${path}: no active namenode answered (${failures.join("; ")})`
    })
  }

  /** The second step of CREATE / APPEND / OPEN: the namenode's 307 names the datanode that takes or serves the data. */
  const viaDatanode = async (call: Call, body: Uint8Array | undefined, signal: AbortSignal) => {
    const { method, path, op } = call
    const redirect = await callNamenode(call, signal)
    if (redirect.status !== 307) {
      if (redirect.ok) await redirect.body?.cancel()
      throw redirect.ok
        ? new HdfsError({
            reason: "Remote",
            detail: `${op} ${path}: expected a 307 redirect, got HTTP ${redirect.status}`
          })
        : await remoteError(redirect, `${op} ${path}`)
    }
    await redirect.body?.cancel()
    const location = redirect.headers.get("location")
    if (location === null)
      throw new HdfsError({ reason: "Remote", detail: `${op} ${path}: 307 without a Location header` })
    let response: Response
    try {
      response = await send(location, method, body, signal)
    } catch (cause) {
      throw new HdfsError({
        reason: "Connection",
        detail: `${op} ${path}: datanode ${new URL(location).host}: ${describe(cause)}`,
        cause
      })
    }
    if (!response.ok) throw await remoteError(response, `${op} ${path}`)
    return response
  }

  const json = async <S extends Schema.Top & { readonly DecodingServices: never }>(
    call: Call,
    schema: S,
    signal: AbortSignal
  ): Promise<S["Type"]> => {
    const { path, op } = call
    const response = await callNamenode(call, signal)
    if (!response.ok) throw await remoteError(response, `${op} ${path}`)
    const text = await response.text()
    const decoded = Schema.decodeUnknownExit(Schema.fromJsonString(schema))(text === "" ? "{}" : text)
    if (Exit.isSuccess(decoded)) return decoded.value
    throw new HdfsError({ reason: "Remote", detail: `${op} ${path}: unexpected answer ${text.slice(0, 200)}` })
  }

  const effect = <A>(what: string, run: (signal: AbortSignal) => Promise<A>) =>
    Effect.tryPromise({ try: run, catch: fromUnknown("Connection", what) })

  const expectTrue = (op: string, path: string) => (body: typeof BooleanBody.Type) =>
    body.boolean === false
      ? Effect.fail(new HdfsError({ reason: "Remote", detail: `${op} ${path}: the namenode answered false` }))
      : Effect.void

  return {
    description: `webhdfs ${destination.namenodes.join(",")}${destination.path}`,
    status: (path) =>
      effect(`GETFILESTATUS ${path}`, (signal) =>
        json({ method: "GET", path, op: "GETFILESTATUS" }, FileStatusBody, signal)
      ).pipe(
        Effect.map((body): RemoteStatus | undefined => ({
          type: body.FileStatus.type,
          length: body.FileStatus.length
        })),
        Effect.catchIf(
          (error) => error.exception === "FileNotFoundException",
          () => Effect.succeed(undefined)
        )
      ),
    mkdirs: (path) =>
      effect(`MKDIRS ${path}`, (signal) => json({ method: "PUT", path, op: "MKDIRS" }, BooleanBody, signal)).pipe(
        Effect.flatMap(expectTrue("MKDIRS", path))
      ),
    create: (path, data) =>
      effect(`CREATE ${path}`, async (signal) => {
        const response = await viaDatanode(
          { method: "PUT", path, op: "CREATE", params: { overwrite: "true" } },
          data,
          signal
        )
        await response.body?.cancel()
      }),
    append: (path, data) =>
      effect(`APPEND ${path}`, async (signal) => {
        const response = await viaDatanode({ method: "POST", path, op: "APPEND" }, data, signal)
        await response.body?.cancel()
      }),
    read: (path, offset, length) =>
      effect(`OPEN ${path}`, async (signal) => {
        const params = { offset: String(offset), length: String(length) }
        const response = await viaDatanode({ method: "GET", path, op: "OPEN", params }, undefined, signal)
        return new Uint8Array(await response.arrayBuffer())
      }),
    rename: (from, to) =>
      // renameoptions=OVERWRITE selects ClientProtocol.rename2: it replaces an existing file atomically and answers
      // an empty 200 (the plain RENAME would answer {"boolean": false} when the destination exists).
      effect(`RENAME ${from}`, (signal) =>
        json(
          { method: "PUT", path: from, op: "RENAME", params: { destination: to, renameoptions: "OVERWRITE" } },
          BooleanBody,
          signal
        )
      ).pipe(Effect.flatMap(expectTrue("RENAME", from)))
  }
}
