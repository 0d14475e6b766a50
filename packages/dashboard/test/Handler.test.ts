import { RunMonitor } from "@dla/analyser"
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import * as Handler from "../src/Handler.ts"
import * as Server from "../src/Server.ts"
import * as Source from "../src/Source.ts"

const state = (lines: number) =>
  RunMonitor.reduce(
    RunMonitor.reduce(RunMonitor.initial("r1", 0), { _tag: "Started", files: 1, tasks: 1, bytes: 10 }, 1),
    {
      _tag: "Progress",
      progress: {
        filesTotal: 1,
        filesDone: 0,
        tasksTotal: 1,
        tasksDone: 0,
        bytesTotal: 10,
        bytesDone: 0,
        workersAlive: 1
      },
      counts: { levels: { INFO: lines }, lines, unmatched: 0, bytes: 0 }
    },
    2
  )

const get = (handler: Handler.Handler, path: string, init?: RequestInit) =>
  handler(new Request(`http://127.0.0.1${path}`, init))

/** Reads SSE `state` messages from `response` until `count` arrived. */
const readStates = async (response: Response, count: number) => {
  const reader = response.body!.getReader()
  const decoder = new TextDecoder()
  let text = ""
  const states: Array<RunMonitor.RunState> = []
  while (states.length < count) {
    const { value, done } = await reader.read()
    if (done) break
    text += decoder.decode(value)
    const messages = text.split("\n\n")
    text = messages.pop() ?? ""
    for (const m of messages) if (m.startsWith("event: state\n")) states.push(JSON.parse(m.slice(19)))
  }
  await reader.cancel()
  return states
}

describe("Handler", () => {
  it("serves one self-contained page: no external script, style or font", async () => {
    const { source } = Source.make()
    const response = get(Handler.make(source), "/")
    expect(response.headers.get("content-type")).toBe("text/html; charset=utf-8")
    const html = await response.text()
    expect(html).toContain('new EventSource("events")')
    expect(html).not.toMatch(/(src|href)=["']?(https?:)?\/\//)
    expect(html).not.toContain("@import")
  })

  it("/state: 204 before any run, then the current state as JSON", async () => {
    const { source, update } = Source.make()
    const handler = Handler.make(source)
    expect(get(handler, "/state").status).toBe(204)
    update(state(5))
    expect(await get(handler, "/state").json()).toEqual(state(5))
  })

  it("/events: the current state at once, then changes coalesced, ending when the client leaves", async () => {
    const { source, update } = Source.make()
    update(state(1))
    const client = new AbortController()
    const response = get(Handler.make(source, { throttleMs: 50 }), "/events", { signal: client.signal })
    expect(response.headers.get("content-type")).toBe("text/event-stream")
    const reading = readStates(response, 2)
    for (const lines of [2, 3, 4]) update(state(lines))
    const states = await reading
    // Three updates within the throttle window: one message with the newest.
    expect(states.map((s) => s.counts.lines)).toEqual([1, 4])
    client.abort()
  })

  it("unknown paths are 404, other methods 405", () => {
    const { source } = Source.make()
    expect(get(Handler.make(source), "/nope").status).toBe(404)
    expect(get(Handler.make(source), "/", { method: "POST" }).status).toBe(405)
  })

  it("fromMonitor follows a RunMonitor", () => {
    const monitor = RunMonitor.make("m1", () => 7)
    const source = Source.fromMonitor(monitor)
    const seen: Array<string> = []
    const stop = source.subscribe((s) => seen.push(s.status))
    monitor.push({ _tag: "Started", files: 1, tasks: 1, bytes: 1 })
    stop()
    monitor.push({ _tag: "RunFailed", message: "x" })
    expect(seen).toEqual(["running"])
    expect(source.current()?.status).toBe("failed")
  })
})

describe("Server", () => {
  it.live("serves the handler on 127.0.0.1 over real HTTP, streams SSE, and closes with its scope", () =>
    Effect.gen(function* () {
      const { source, update } = Source.make()
      update(state(9))
      const url = yield* Effect.scoped(
        Effect.gen(function* () {
          const { url } = yield* Server.serve(Handler.make(source))
          expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/)
          const page = yield* Effect.promise(() => fetch(url))
          expect(page.status).toBe(200)
          const events = yield* Effect.promise(() => fetch(`${url}events`))
          const states = yield* Effect.promise(() => readStates(events, 1))
          expect(states[0]?.counts.lines).toBe(9)
          return url
        })
      )
      const after = yield* Effect.promise(() =>
        fetch(url).then(
          () => "open",
          () => "closed"
        )
      )
      expect(after).toBe("closed")
    })
  )

  it.live("a port in use is taken over by another free port, which the URL tells", () =>
    Effect.gen(function* () {
      const { source, update } = Source.make()
      update(state(4))
      const first = yield* Server.serve(Handler.make(source))
      const port = Number(new URL(first.url).port)
      const second = yield* Server.serve(Handler.make(source), { port })
      expect(Number(new URL(second.url).port)).not.toBe(port)
      const answer = yield* Effect.promise(() =>
        fetch(`${second.url}state`).then((r) => r.json() as Promise<RunMonitor.RunState>)
      )
      expect(answer.counts.lines).toBe(4)
    }).pipe(Effect.scoped)
  )

  it.live("with strictPort, a port in use is a one-line ServerError", () =>
    Effect.gen(function* () {
      const { source } = Source.make()
      const first = yield* Server.serve(Handler.make(source))
      const port = Number(new URL(first.url).port)
      const error = yield* Server.serve(Handler.make(source), { port, strictPort: true }).pipe(Effect.flip)
      expect(error.message).toBe(
        `cannot listen on 127.0.0.1:${port}: listen EADDRINUSE: address already in use 127.0.0.1:${port}`
      )
    }).pipe(Effect.scoped)
  )
})
