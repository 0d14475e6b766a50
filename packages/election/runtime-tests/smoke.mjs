// Runtime smoke test of the BUILT @dla/election (run `pnpm build` first) on Node, Bun or Deno, against a real
// nats-server (Debian's, on PATH): two candidates elect the higher one, its term-stamped write lands, it resigns and
// the other takes over, and the resigned one is fenced. Exits non-zero on any failure.
import { spawn } from "node:child_process"
import { mkdtempSync, rmSync } from "node:fs"
import { createServer } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Kvm } from "@nats-io/kv"
import { connect } from "@nats-io/transport-node"
import { Effect, Exit, Scope } from "effect"
import { FencedKv, Leadership } from "../dist/index.js"

const check = (condition, message) => {
  if (!condition) throw new Error(message)
}

const port = await new Promise((resolve) => {
  const probe = createServer().listen(0, "127.0.0.1", () => {
    const { port } = probe.address()
    probe.close(() => resolve(port))
  })
})
const store = mkdtempSync(join(tmpdir(), "dla-election-smoke-"))
const server = spawn("nats-server", ["-a", "127.0.0.1", "-p", String(port), "-js", "-sd", store], { stdio: "ignore" })
const connections = []
const timing = { heartbeatMs: 50, leaderTimeoutMs: 300, answerTimeoutMs: 60, coordinatorTimeoutMs: 300 }

try {
  const connectRetrying = async () => {
    for (let i = 0; i < 100; i++) {
      try {
        const nc = await connect({ servers: `nats://127.0.0.1:${port}` })
        connections.push(nc)
        return nc
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 100))
      }
    }
    throw new Error("nats-server did not start")
  }
  const kv = await new Kvm(await connectRetrying()).create("smoke")
  const join_ = async (id, priority) => {
    const scope = Effect.runSync(Scope.make())
    const leadership = await Effect.runPromise(
      Scope.provide(Leadership.make(await connectRetrying(), { ...timing, scope: "smoke", id, priority }), scope)
    )
    return { leadership, close: () => Effect.runPromise(Scope.close(scope, Exit.void)) }
  }
  const high = await join_("high", 2)
  const low = await join_("low", 1)
  const within = (effect) => Effect.runPromise(Effect.timeout(effect, "5 seconds"))
  const term = await within(high.leadership.awaitLeadership)
  const written = await within(high.leadership.writeFenced(kv, "checkpoint", { done: 1 }))
  check(written.term === term, `write stamped with term ${written.term}, expected ${term}`)
  const read = await Effect.runPromise(FencedKv.read(kv, "checkpoint"))
  check(read?.value?.done === 1 && read.leader === "high", `read back ${JSON.stringify(read)}`)
  await Effect.runPromise(high.leadership.resign)
  const next = await within(low.leadership.awaitLeadership)
  check(next > term, `successor term ${next} is not above ${term}`)
  const refused = await Effect.runPromise(Effect.flip(high.leadership.guard))
  check(refused.reason === "NotLeader", `resigned guard: ${refused.message}`)
  await low.close()
  await high.close()
  console.log(`election smoke: ok (terms ${term} -> ${next})`)
} finally {
  await Promise.all(connections.map((nc) => nc.close()))
  server.kill("SIGKILL")
  rmSync(store, { recursive: true, force: true })
}
