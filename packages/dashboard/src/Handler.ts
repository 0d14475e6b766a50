/**
 * The dashboard as a web-standard `(Request) => Response` handler, so any server (node:http here, Bun.serve,
 * Deno.serve) can host it:
 * - `GET /` the page,
 * - `GET /state` the current state and its history as JSON (204 before any run is seen),
 * - `GET /events` server-sent events: one `state` event per change, coalesced to at most one per `throttle`,
 * - `GET /runs` every run seen, newest first (the page's run picker),
 * - `GET /metrics` the Prometheus text format,
 * - `GET /healthz` `ok` (for probes; the one path that needs no token).
 * `/state`, `/events` and `/metrics` take `?run=<id>` for another run than the one followed. With a `token`, every
 * request must carry it (`Authorization: Bearer <token>`, or `?token=` as the page does): for a dashboard bound
 * beyond loopback.
 *
 * @since 0.1.0
 */
import { timingSafeEqual } from "node:crypto"
import * as History from "./History.ts"
import * as Metrics from "./Metrics.ts"
import * as Page from "./Page.ts"
import type { RunState, Source } from "./Source.ts"

/**
 * How the handler sends its stream and guards its pages.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** Minimum time between two SSE messages (default 200 ms): a fast run changes state per result. */
  readonly throttleMs?: number
  /** A comment line this often keeps proxies from closing an idle stream (default 15 s). */
  readonly keepAliveMs?: number
  /** Required of every request when set. */
  readonly token?: string
  /**
   * The time in milliseconds (default `Date.now`): the throttle and `/metrics` read it. An Effect program passes its
   * `Clock`'s (`clock.currentTimeMillisUnsafe`), so a test clock moves them.
   */
  readonly now?: () => number
}

/**
 * A fetch-style request handler: what `Server.serve` (or any runtime's HTTP server) calls.
 *
 * @since 0.1.0
 * @category models
 */
export type Handler = (request: Request) => Response | Promise<Response>

/**
 * What the page draws: a run's state, its history as this server saw it, and facts only some sources know.
 *
 * @since 0.1.0
 * @category models
 */
export type View = RunState & {
  readonly history: Omit<History.History, "last" | "lastEventAt">
  readonly rejectedResults: number
}

const encoder = new TextEncoder()

/**
 * One SSE message carrying `view`.
 *
 * @since 0.1.0
 * @category formatting
 */
export const sseMessage = (view: View) => encoder.encode(`event: state\ndata: ${JSON.stringify(view)}\n\n`)

/**
 * A run listed in the picker.
 *
 * @since 0.1.0
 * @category models
 */
export interface RunEntry {
  readonly runId: string
  readonly status: RunState["status"]
  readonly startedAt: number
  readonly finishedAt: number | null
  readonly lines: number
}

const events = (
  view: () => View | undefined,
  source: Source,
  signal: AbortSignal,
  options: Options
): ReadableStream<Uint8Array> => {
  const throttleMs = options.throttleMs ?? 200
  const now = options.now ?? Date.now
  let finished = false
  let stop = () => {}
  return new ReadableStream<Uint8Array>({
    start(controller) {
      let lastSent = 0
      let timer: ReturnType<typeof setTimeout> | undefined
      const send = () => {
        timer = undefined
        const current = view()
        if (current === undefined) return
        lastSent = now()
        controller.enqueue(sseMessage(current))
      }
      const schedule = () => {
        if (timer === undefined) timer = setTimeout(send, Math.max(0, lastSent + throttleMs - now()))
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

const authorized = (request: Request, url: URL, token: string | undefined) => {
  if (token === undefined) return true
  const header = request.headers.get("authorization")
  const given = header?.startsWith("Bearer ") ? header.slice(7) : (url.searchParams.get("token") ?? "")
  const a = encoder.encode(given)
  const b = encoder.encode(token)
  return a.length === b.length && timingSafeEqual(a, b)
}

const noStore = { "cache-control": "no-store" }

/**
 * The page, its SSE stream of views, the run list and `/metrics` over one source, as a fetch-style handler.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (source: Source, options: Options = {}): Handler => {
  const histories = History.tracker()
  for (const state of source.runs()) histories.add(state)
  source.subscribe(histories.add)
  const metrics = Metrics.make(source, options.now)
  const view = (runId: string | undefined): View | undefined => {
    const state = source.current(runId)
    if (state === undefined) return undefined
    const { levels, workers, events } = histories.get(state.runId)
    return {
      ...state,
      history: { levels, workers, events },
      rejectedResults: state.rejected.count
    }
  }
  return (request) => {
    const url = new URL(request.url)
    if (request.method !== "GET" && request.method !== "HEAD") {
      return new Response("method not allowed\n", { status: 405, headers: { allow: "GET, HEAD" } })
    }
    // A liveness probe's answer, which needs no token (a probe cannot read one from a Secret) and tells nothing.
    if (url.pathname === "/healthz") return new Response("ok\n", { headers: noStore })
    if (!authorized(request, url, options.token)) {
      return new Response("unauthorized: this dashboard needs its token (?token=... or Authorization: Bearer)\n", {
        status: 401,
        headers: { "www-authenticate": "Bearer" }
      })
    }
    const runId = url.searchParams.get("run") ?? undefined
    switch (url.pathname) {
      case "/":
        return new Response(Page.html, { headers: { "content-type": "text/html; charset=utf-8" } })
      case "/state": {
        const current = view(runId)
        return current === undefined
          ? new Response(null, { status: 204 })
          : Response.json(current, { headers: noStore })
      }
      case "/events":
        return new Response(
          events(() => view(runId), source, request.signal, options),
          { headers: { "content-type": "text/event-stream", ...noStore, connection: "keep-alive" } }
        )
      case "/runs":
        return Response.json(
          source.runs().map(
            (s): RunEntry => ({
              runId: s.runId,
              status: s.status,
              startedAt: s.startedAt,
              finishedAt: s.finishedAt,
              lines: s.counts.lines
            })
          ),
          { headers: noStore }
        )
      case "/metrics":
        return metrics
          .render(runId)
          .then((text) => new Response(text, { headers: { "content-type": metrics.contentType, ...noStore } }))
      default:
        return new Response("not found\n", { status: 404 })
    }
  }
}
