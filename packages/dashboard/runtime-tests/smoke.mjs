// Smoke test of the built @dla/dashboard on the runtime that runs it (Node, Bun or Deno): see scripts/runtime-smoke.mjs.
// Serves a run's page with node:http, then reads the page, /state and the first server-sent event.
import assert from "node:assert/strict"
import { RunMonitor } from "@dla/analyser"
import { Effect } from "effect"
import { Handler, Server, Source } from "../dist/index.js"

const monitor = RunMonitor.make("smoke")
monitor.push({ _tag: "Started", files: 2, tasks: 2, bytes: 20 })
monitor.push({ _tag: "WorkerJoined", workerId: "w1" })

await Effect.runPromise(
  Effect.scoped(
    Effect.gen(function* () {
      const source = yield* Source.fromMonitor(monitor)
      const { url } = yield* Server.serve(Handler.make(source))
      const page = yield* Effect.promise(() => fetch(url).then((r) => r.text()))
      assert.ok(page.includes('new EventSource(api("events"'))
      const state = yield* Effect.promise(() => fetch(`${url}state`).then((r) => r.json()))
      assert.equal(state.runId, "smoke")
      assert.equal(state.workers[0].workerId, "w1")
      const first = yield* Effect.promise(async () => {
        const response = await fetch(`${url}events`)
        const reader = response.body.getReader()
        let text = ""
        while (!text.includes("event: state\n")) text += new TextDecoder().decode((await reader.read()).value)
        await reader.cancel()
        return text
      })
      assert.match(first, /event: state\ndata: \{"version":1,"runId":"smoke"/)
      const metrics = yield* Effect.promise(() => fetch(`${url}metrics`).then((r) => r.text()))
      assert.match(metrics, /^dla_tasks\{run="smoke",state="pending"\} 2$/m)
    })
  )
)
console.log("dashboard smoke: ok")
