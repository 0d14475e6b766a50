import { RunMonitor } from "@dla/analyser"
import * as Handler from "@dla/dashboard/Handler"
import * as Server from "@dla/dashboard/Server"
import * as Source from "@dla/dashboard/Source"
import { describe, expect, it } from "@effect/vitest"
import { Clock, Effect } from "effect"
import * as TestClock from "effect/testing/TestClock"

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
  Promise.resolve(handler(new Request(`http://127.0.0.1${path}`, init)))

/** The JSON body of `path`. */
// biome-ignore lint/suspicious/noExplicitAny: test reads of known shapes
const json = async (handler: Handler.Handler, path: string): Promise<any> => (await get(handler, path)).json()

/** Reads SSE `state` messages from `response` until `count` arrived. */
const readStates = async (response: Response, count: number) => {
  const reader = response.body!.getReader()
  const decoder = new TextDecoder()
  let text = ""
  const states: Array<Handler.View> = []
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
    const response = await get(Handler.make(source), "/")
    expect(response.headers.get("content-type")).toBe("text/html; charset=utf-8")
    const html = await response.text()
    expect(html).toContain("new EventSource(")
    expect(html).not.toMatch(/(src|href)=["']?(https?:)?\/\//)
    expect(html).not.toContain("@import")
    // The script lives in a TypeScript template literal, where a lost backslash still compiles: it must parse.
    const script = html.split("<script>")[1]!.split("</script>")[0]!
    expect(() => new Function(script)).not.toThrow()
  })

  it("/state: 204 before any run, then the current state with its history as JSON", async () => {
    const { source, update } = Source.make()
    const handler = Handler.make(source)
    expect((await get(handler, "/state")).status).toBe(204)
    update(state(5))
    const view = await json(handler, "/state")
    expect(view).toMatchObject(state(5))
    // One snapshot: no rate yet, and its one event.
    expect(view.history).toMatchObject({
      levels: [],
      workers: [],
      events: [{ kind: "started: # files, # tasks, # bytes", count: 1 }]
    })
    expect(view.rejectedResults).toBe(0)
  })

  it("/events: the current state at once, then changes coalesced, ending when the client leaves", async () => {
    const { source, update } = Source.make()
    update(state(1))
    const client = new AbortController()
    const response = await get(Handler.make(source, { throttleMs: 50 }), "/events", { signal: client.signal })
    expect(response.headers.get("content-type")).toBe("text/event-stream")
    const reading = readStates(response, 2)
    for (const lines of [2, 3, 4]) update(state(lines))
    const states = await reading
    // Three updates within the throttle window: one message with the newest.
    expect(states.map((s) => s.counts.lines)).toEqual([1, 4])
    client.abort()
  })

  it("/runs lists every run newest first; ?run= shows another than the one followed", async () => {
    const { source, update } = Source.make()
    const handler = Handler.make(source)
    update({ ...state(3), runId: "old", startedAt: 0 })
    update({ ...state(8), runId: "new", startedAt: 10 })
    update({ ...state(4), runId: "old", startedAt: 0 })
    const runs = await json(handler, "/runs")
    expect(runs.map((r: Handler.RunEntry) => [r.runId, r.lines])).toEqual([
      ["new", 8],
      ["old", 4]
    ])
    expect((await json(handler, "/state")).runId).toBe("new")
    expect((await json(handler, "/state?run=old")).counts.lines).toBe(4)
    expect((await get(handler, "/state?run=nope")).status).toBe(204)
  })

  it("/metrics: the Prometheus text format of the run, every level labelled", async () => {
    const { source, update } = Source.make()
    const handler = Handler.make(source)
    expect(await (await get(handler, "/metrics")).text()).toBe("")
    update(state(6))
    const response = await get(handler, "/metrics")
    expect(response.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/)
    const text = await response.text()
    expect(text).toContain('dla_lines_total{run="r1",level="INFO"} 6')
    expect(text).toContain('dla_lines_total{run="r1",level="FATAL"} 0')
    expect(text).toContain('dla_tasks{run="r1",state="pending"} 1')
    expect(text).toContain('dla_run_info{run="r1",status="running"} 1')
    expect(text).toContain('dla_rejected_results_total{run="r1"} 0')
  })

  it.effect("/metrics ages read the handler's clock: an Effect program's Clock, moved by a TestClock", () =>
    Effect.gen(function* () {
      const { source, update } = Source.make()
      const clock = yield* Clock.Clock
      const handler = Handler.make(source, { now: () => clock.currentTimeMillisUnsafe() })
      update(state(6)) // last changed at 2 ms
      yield* TestClock.setTime(42_002)
      const text = yield* Effect.promise(async () => (await get(handler, "/metrics")).text())
      expect(text).toContain('dla_run_update_age_seconds{run="r1"} 42')
    })
  )

  it("with a token, refuses requests without it (401) and takes it as a bearer header or ?token=", async () => {
    const { source, update } = Source.make()
    update(state(2))
    const handler = Handler.make(source, { token: "s3cret" })
    for (const path of ["/", "/state", "/metrics", "/runs", "/state?token=wrong"]) {
      expect((await get(handler, path)).status, path).toBe(401)
    }
    expect((await get(handler, "/state?token=s3cret")).status).toBe(200)
    expect((await get(handler, "/healthz")).status).toBe(200)
    expect((await get(handler, "/metrics", { headers: { authorization: "Bearer s3cret" } })).status).toBe(200)
  })

  it("unknown paths are 404, other methods 405", async () => {
    const { source } = Source.make()
    expect((await get(Handler.make(source), "/nope")).status).toBe(404)
    expect((await get(Handler.make(source), "/", { method: "POST" })).status).toBe(405)
  })

  it.effect("fromMonitor follows a RunMonitor, and its summary tells the rejected results", () =>
    Effect.gen(function* () {
      const monitor = RunMonitor.make("m1", () => 7)
      const source = yield* Source.fromMonitor(monitor)
      // The monitor's state changes reach the source on another fiber: let it run until they have.
      const reached = (status: string) =>
        Effect.yieldNow.pipe(Effect.repeat({ until: () => source.current()?.status === status, times: 100 }))
      const seen: Array<string> = []
      const stop = source.subscribe((s) => seen.push(s.status))
      monitor.push({ _tag: "Started", files: 1, tasks: 1, bytes: 1 })
      yield* reached("running")
      stop()
      monitor.push({ _tag: "RunFailed", message: "x" })
      yield* reached("failed")
      expect(seen).toEqual(["running"])
      expect(source.current()?.status).toBe("failed")
      expect(source.runs().map((s) => s.runId)).toEqual(["m1"])
      expect(source.current()?.rejected).toEqual({ count: 0, lastReason: null })
    }).pipe(Effect.scoped)
  )
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
