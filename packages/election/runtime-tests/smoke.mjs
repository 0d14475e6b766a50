// Runtime smoke test of the BUILT @dla/election (run `pnpm build` first) on Node, Bun or Deno, against a real
// nats-server (Debian's, on PATH): two candidates elect the higher one, its term-stamped write lands, it resigns and
// the other takes over, and the resigned one is fenced. Exits non-zero on any failure.
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Kvm } from "@nats-io/kv"
import { connect } from "@nats-io/transport-node"
import { Effect, Exit, Scope } from "effect"
import { check, startNats } from "../../../scripts/smoke-support.mjs"
import { FencedKv, Leadership } from "../dist/index.js"

const store = mkdtempSync(join(tmpdir(), "dla-election-smoke-"))
const nats = await startNats(store, connect)
const timing = { heartbeatMs: 50, leaderTimeoutMs: 300, answerTimeoutMs: 60, coordinatorTimeoutMs: 300 }

try {
  const kv = await new Kvm(await nats.connect()).create("smoke")
  const join_ = async (id, priority) => {
    const scope = Effect.runSync(Scope.make())
    const leadership = await Effect.runPromise(
      Scope.provide(Leadership.make(await nats.connect(), { ...timing, scope: "smoke", id, priority }), scope)
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
  await nats.stop()
  rmSync(store, { recursive: true, force: true })
}
