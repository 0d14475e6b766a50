/**
 * The dashboard as a web-standard `(Request) => Response` handler, so any server (node:http here, Bun.serve,
 * Deno.serve) can host it:
 * - `GET /` the page, `GET /state` the current state as JSON (204 before any run is seen),
 * - `GET /events` server-sent events: one `state` event per change, coalesced to at most one per `throttle`.
 *
 * @since 0.1.0
 */
import * as Page from "./Page.ts"
import type { RunState, Source } from "./Source.ts"

export interface Options {
  /** Minimum time between two SSE messages (default 200 ms): a fast run changes state per result. */
  readonly throttleMs?: number
  /** A comment line this often keeps proxies from closing an idle stream (default 15 s). */
  readonly keepAliveMs?: number
}

export type Handler = (request: Request) => Response

const encoder = new TextEncoder()

/** One SSE message carrying `state`. */
export const sseMessage = (state: RunState) => encoder.encode(`event: state\ndata: ${JSON.stringify(state)}\n\n`)

const events = (source: Source, signal: AbortSignal, options: Options): ReadableStream<Uint8Array> => {
  const throttleMs = options.throttleMs ?? 200
  let finished = false
  let stop = () => {}
  return new ReadableStream<Uint8Array>({
    start(controller) {
      let lastSent = 0
      let timer: ReturnType<typeof setTimeout> | undefined
      const send = () => {
        timer = undefined
        const state = source.current()
        if (state === undefined) return
        lastSent = Date.now()
        controller.enqueue(sseMessage(state))
      }
      const schedule = () => {
        if (timer === undefined) timer = setTimeout(send, Math.max(0, lastSent + throttleMs - Date.now()))
      }
      const unsubscribe = source.subscribe(schedule)
      const keepAliveMs = options.keepAliveMs ?? 15_000
      const keepAlive = setInterval(() => controller.enqueue(encoder.encode(": keep-alive\n\n")), keepAliveMs)
      // Tell the browser to reconnect quickly if the server goes away, then send what we have.
      controller.enqueue(encoder.encode("retry: 1000\n\n"))
      send()
      // Whichever comes first, the client cancelling or the request aborting, ends it once.
      stop = () => {
        if (finished) return
        finished = true
        unsubscribe()
        clearInterval(keepAlive)
        if (timer !== undefined) clearTimeout(timer)
      }
      signal.addEventListener("abort", () => {
        if (finished) return
        stop()
        controller.close()
      })
    },
    cancel() {
      stop()
    }
  })
}

export const make =
  (source: Source, options: Options = {}): Handler =>
  (request) => {
    const { pathname } = new URL(request.url)
    if (request.method !== "GET" && request.method !== "HEAD") {
      return new Response("method not allowed\n", { status: 405, headers: { allow: "GET, HEAD" } })
    }
    switch (pathname) {
      case "/":
        return new Response(Page.html, { headers: { "content-type": "text/html; charset=utf-8" } })
      case "/state": {
        const state = source.current()
        return state === undefined
          ? new Response(null, { status: 204 })
          : Response.json(state, { headers: { "cache-control": "no-store" } })
      }
      case "/events":
        return new Response(events(source, request.signal, options), {
          headers: { "content-type": "text/event-stream", "cache-control": "no-store", connection: "keep-alive" }
        })
      default:
        return new Response("not found\n", { status: 404 })
    }
  }
