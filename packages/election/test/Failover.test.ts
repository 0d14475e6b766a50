/**
 * Real candidate processes (test/fixtures/candidate.ts) against a real nats-server, killed and paused by PID.
 * Default timing throughout, so these runs exercise the documented defaults.
 */

import { type NatsServer, startNatsServer } from "@dla/testing"
import type { KV } from "@nats-io/kv"
import { Kvm } from "@nats-io/kv"
import type { NatsConnection } from "@nats-io/nats-core"
import { connect } from "@nats-io/transport-node"
import { afterEach, beforeEach, describe, expect, it } from "vitest"
import { type CandidateProcess, type Event, spawnCandidate } from "./fixtures/processes.ts"

let server: NatsServer
let nc: NatsConnection
let candidates: Array<CandidateProcess> = []
let scope = ""

beforeEach(async () => {
  server = await startNatsServer()
  nc = await connect({ servers: server.url, maxReconnectAttempts: -1, reconnectTimeWait: 100 })
  scope = `run-${Math.random().toString(36).slice(2, 8)}`
  // Term history kept, so the tests can check that every term was claimed once.
  await new Kvm(nc).create("dla_leases", { history: 64 })
})

afterEach(async () => {
  await Promise.all(candidates.map((c) => c.stop()))
  candidates = []
  await nc.close()
  await server.stop()
})

const start = (id: string, priority: number, writeAlways = false) => {
  const candidate = spawnCandidate({
    url: server.url,
    scope,
    id,
    priority,
    dataBucket: `data_${scope}`,
    writeEveryMs: 50,
    writeAlways
  })
  candidates.push(candidate)
  return candidate
}

const leads = (term?: number) => (e: Event) =>
  e.event === "state" && e.role === "leader" && (term === undefined || e.term === term)
const follows = (leader: string, term?: number) => (e: Event) =>
  e.event === "state" && e.role === "follower" && e.leader === leader && (term === undefined || e.term === term)
const wrote = (e: Event) => e.event === "write"

interface Stamp {
  readonly term: number
  readonly leader: string
  readonly revision: number
}

const history = async (kv: KV, key: string): Promise<Array<Stamp>> => {
  const stamps: Array<Stamp> = []
  for await (const entry of await kv.history({ key })) {
    if (entry.operation === "PUT")
      stamps.push({ ...entry.json<{ term: number; leader: string }>(), revision: entry.revision })
  }
  return stamps
}

/** The fencing invariant: along the key's history terms never go back, and each term has one writer. */
const expectFencedHistory = (stamps: ReadonlyArray<Stamp>) => {
  const writers = new Map<number, string>()
  for (let i = 0; i < stamps.length; i++) {
    const stamp = stamps[i]!
    if (i > 0)
      expect(stamp.term, `revision ${stamp.revision} goes back in term`).toBeGreaterThanOrEqual(stamps[i - 1]!.term)
    expect(writers.get(stamp.term) ?? stamp.leader, `term ${stamp.term} has two writers`).toBe(stamp.leader)
    writers.set(stamp.term, stamp.leader)
  }
}

const dataKv = () => new Kvm(nc).open(`data_${scope}`)
const termKv = () => new Kvm(nc).open("dla_leases")

describe("election with real processes", () => {
  it("three candidates started at once elect exactly the highest, agreed by all", async () => {
    const [a, b, c] = [start("a", 1), start("b", 2), start("c", 3)]
    const won = await c!.waitFor(leads(), 15_000)
    await a!.waitFor(follows("c", won.term), 10_000)
    await b!.waitFor(follows("c", won.term), 10_000)
    await c!.waitFor(wrote, 5_000)
    expect(a!.events.some(leads())).toBe(false)
    expect(b!.events.some(leads())).toBe(false)
    expect(a!.state()).toMatchObject({ role: "follower", leader: "c", term: won.term })
    expect(b!.state()).toMatchObject({ role: "follower", leader: "c", term: won.term })
    expectFencedHistory(await history(await termKv(), `election.${scope}.term`))
  })

  it("a SIGKILLed leader is replaced by the next highest, which writes", async () => {
    const [a, b, c] = [start("a", 1), start("b", 2), start("c", 3)]
    const first = await c!.waitFor(leads(), 15_000)
    await b!.waitFor(follows("c", first.term), 10_000)
    await c!.kill()
    const killedAt = Date.now()
    const next = await b!.waitFor(leads(), 10_000)
    expect(next.term).toBeGreaterThan(first.term!)
    const write = await b!.waitFor((e) => wrote(e) && e.at >= killedAt, 5_000)
    await a!.waitFor(follows("b", next.term), 5_000)
    expect(write.at).toBeGreaterThan(killedAt)
    expectFencedHistory(await history(await dataKv(), "data"))
  })

  it("a paused leader is replaced; resumed, it steps down and its stale writes are refused", async () => {
    // c keeps trying to write whatever it believes, so its first attempt after waking is a stale one.
    const [a, b, c] = [start("a", 1), start("b", 2), start("c", 3, true)]
    const first = await c!.waitFor(leads(), 15_000)
    await c!.waitFor(wrote, 5_000)
    await b!.waitFor(follows("c", first.term), 10_000)
    c!.signal("SIGSTOP")
    const standby = await b!.waitFor(leads(), 10_000)
    await a!.waitFor(follows("b", standby.term), 5_000)
    const standbyWrite = await b!.waitFor(wrote, 5_000, b!.events.indexOf(standby))
    const resumedFrom = c!.events.length
    // The attempt that may have been in flight when c was paused: its reply can arrive after SIGCONT.
    const inFlight = Math.max(0, ...c!.events.map((e) => e.seq ?? 0)) + 1
    c!.signal("SIGCONT")
    // Its first attempt after waking is refused: the CAS on the term key finds b's newer term (Superseded), or b's
    // heartbeat got there first and c had already stepped down (NotLeader).
    const attempted = (e: Event) => (e.event === "fenced" || e.event === "write") && e.seq! > inFlight
    const refused = await c!.waitFor(attempted, 5_000, resumedFrom)
    expect(refused).toMatchObject({ event: "fenced", term: first.term })
    expect(["Superseded", "NotLeader"]).toContain(refused.reason)
    const late = c!.events.slice(resumedFrom).find((e) => wrote(e) && e.seq === inFlight)
    if (late !== undefined) expect(late.revision).toBeLessThan(standbyWrite.revision!)
    // Bully: c outranks b, so after stepping down it takes over again, with a newer term.
    const back = await c!.waitFor(leads(), 10_000, resumedFrom)
    expect(back.term).toBeGreaterThan(standby.term!)
    const resumed = c!.events.slice(resumedFrom, c!.events.indexOf(back))
    expect(resumed.filter((e) => wrote(e) && e.seq !== inFlight)).toEqual([])
    await b!.waitFor(follows("c", back.term), 5_000)
    await c!.waitFor(wrote, 5_000, c!.events.indexOf(back))
    const stamps = await history(await dataKv(), "data")
    expectFencedHistory(stamps)
    expect(stamps.map((s) => s.term)).toEqual(expect.arrayContaining([first.term, standby.term, back.term]))
  })

  it("a higher-priority candidate joining later takes over (bully)", async () => {
    const [a, b] = [start("a", 1), start("b", 2)]
    const first = await b!.waitFor(leads(), 15_000)
    await a!.waitFor(follows("b", first.term), 10_000)
    await b!.waitFor(wrote, 5_000)
    const c = start("c", 3)
    const taken = await c.waitFor(leads(), 10_000)
    expect(taken.term).toBeGreaterThan(first.term!)
    await a!.waitFor(follows("c", taken.term), 5_000)
    await b!.waitFor(follows("c", taken.term), 5_000)
    await c.waitFor(wrote, 5_000)
    expectFencedHistory(await history(await dataKv(), "data"))
  })

  it("a NATS server restart under the leader does not produce two leaders", async () => {
    const [a, b, c] = [start("a", 1), start("b", 2), start("c", 3)]
    const first = await c!.waitFor(leads(), 15_000)
    await a!.waitFor(follows("c", first.term), 10_000)
    await b!.waitFor(follows("c", first.term), 10_000)
    await server.kill()
    // Down for longer than the leader timeout: every follower times out while disconnected.
    await new Promise((resolve) => setTimeout(resolve, 1_500))
    await server.restart()
    const marks = candidates.map((x) => x.events.length)
    // Settled: c leads (it is the highest), everyone agrees on its term, and it writes again.
    const settled = await c!.waitFor(wrote, 15_000, marks[2])
    const final = c!.state()!
    expect(final.role).toBe("leader")
    await a!.waitFor(follows("c", final.term), 10_000, marks[0])
    await b!.waitFor(follows("c", final.term), 10_000, marks[1])
    expect(settled.at).toBeGreaterThan(0)
    expectFencedHistory(await history(await termKv(), `election.${scope}.term`))
    expectFencedHistory(await history(await dataKv(), "data"))
  })
})
