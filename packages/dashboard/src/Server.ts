/**
 * Serves a `Handler` with node:http (also available on Bun and Deno) for as long as the scope lives.
 *
 * @since 0.1.0
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"
import { ErrorMessage } from "@dla/core"
import { Data, Effect } from "effect"
import type { Handler } from "./Handler.ts"

/**
 * The dashboard could not listen on `host:port`; the message names the address and the system error.
 *
 * @since 0.1.0
 * @category errors
 */
export class ServerError extends Data.TaggedError("ServerError")<{
  readonly host: string
  readonly port: number
  /** The system error code (`EADDRINUSE`, `EACCES`...). */
  readonly code?: string | undefined
  /** The server's error. */
  readonly cause: unknown
}> {
  override get message(): string {
    return `cannot listen on ${this.host}:${this.port}: ${ErrorMessage.describe(this.cause)}`
  }
}

type Server = ReturnType<typeof createServer>

/**
 * Where the dashboard listens.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** Default 127.0.0.1; anywhere else, give the handler a `token` (the CLI refuses `--host` without `--token`). */
  readonly host?: string
  /** Default 0: any free port. */
  readonly port?: number
  /** Fail when `port` is taken instead of listening on another free port (default false). */
  readonly strictPort?: boolean
}

const toRequest = (req: IncomingMessage, base: string, signal: AbortSignal) =>
  new Request(new URL(req.url ?? "/", base), {
    method: req.method,
    headers: Object.entries(req.headers).flatMap(([k, v]) =>
      v === undefined ? [] : (Array.isArray(v) ? v : [v]).map((x): [string, string] => [k, x])
    ),
    signal
  })

/** Writes `response` to `res`, streaming its body (SSE) until it ends or the client goes away. */
const write = async (response: Response, res: ServerResponse) => {
  res.writeHead(response.status, Object.fromEntries(response.headers))
  if (response.body === null) return void res.end()
  const reader = response.body.getReader()
  res.on("close", () => void reader.cancel().catch(() => {}))
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    res.write(value)
  }
  res.end()
}

const listen = (handler: Handler, host: string, port: number) =>
  Effect.callback<{ readonly url: string; readonly server: Server }, ServerError>((resume) => {
    const server = createServer((req, res) => {
      const aborted = new AbortController()
      res.on("close", () => aborted.abort())
      const { port } = server.address() as AddressInfo
      Promise.resolve(handler(toRequest(req, `http://${host}:${port}`, aborted.signal)))
        .then((response) => write(response, res))
        .catch(() => res.destroy())
    })
    server.once("error", (error: NodeJS.ErrnoException) =>
      resume(Effect.fail(new ServerError({ host, port, code: error.code, cause: error })))
    )
    server.listen(port, host, () => {
      const { port } = server.address() as AddressInfo
      resume(Effect.succeed({ url: `http://${host.includes(":") ? `[${host}]` : host}:${port}/`, server }))
    })
  })

/**
 * Listens on host:port; the URL of the page is returned, the server is closed (connections too) with the scope.
 * A port already in use is not an error unless `strictPort`: another free port is taken (the URL tells which), so a
 * second run's `--dashboard` does not fail on the first one's.
 *
 * @since 0.1.0
 * @category running
 */
export const serve = (handler: Handler, options: Options = {}) => {
  const host = options.host ?? "127.0.0.1"
  const port = options.port ?? 0
  return Effect.acquireRelease(
    listen(handler, host, port).pipe(
      Effect.catchIf(
        (error) => error.code === "EADDRINUSE" && port !== 0 && options.strictPort !== true,
        () => listen(handler, host, 0)
      )
    ),
    ({ server }) =>
      Effect.callback<void>((resume) => {
        server.close(() => resume(Effect.void))
        server.closeAllConnections()
      })
  ).pipe(Effect.map(({ url }) => ({ url })))
}
