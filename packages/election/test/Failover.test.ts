/**
 * Real candidate processes (test/fixtures/candidate.ts) against a real nats-server, killed and paused by PID.
 * Default timing throughout, so these runs exercise the documented defaults.
 */

import { type NatsCluster, type NatsServer, startNatsCluster, startNatsServer } from "@dla/testing"
import type { KV } from "@nats-io/kv"
import { Kvm } from "@nats-io/kv"
import type { NatsConnection } from "@nats-io/nats-core"
import { connect } from "@nats-io/transport-node"
import { afterEach, beforeEach, describe, expect, it } from "vitest"
import { type CandidateProcess, type Event, spawnCandidate } from "./fixtures/processes.ts"

let urls: Array<string> = []
let stopServers = async () => {}
let nc: NatsConnection
let candidates: Array<CandidateProcess> = []
let scope = ""

/** Connects the test's own client and creates both buckets, keeping history so terms and writes can be checked. */
const setup = async (replicas: number) => {
  // The test's own client prefers node 0, which no test kills.
  nc = await connect({ servers: urls, noRandomize: true, maxReconnectAttempts: -1, reconnectTimeWait: 100 })
  scope = `run-${Math.random().toString(36).slice(2, 8)}`
  await new Kvm(nc).create("dla_leases", { history: 64, replicas })
  await new Kvm(nc).create(`data_${scope}`, { history: 64, replicas })
}

afterEach(async () => {
  await Promise.all(candidates.map((c) => c.stop()))
  candidates = []
  await nc.close()
  await stopServers()
})

const spawn = (id: string, priority: number, writeAlways = false) => {
  // Candidate i prefers server i: on a cluster the candidates spread over the nodes.
  const first = candidates.length % urls.length
  const candidate = spawnCandidate({
    url: [...urls.slice(first), ...urls.slice(0, first)],
    scope,
    id,
    priority,
    dataBucket: `data_${scope}`,
    writeEveryMs: 50,
    writeAlways,
    awaitJoin: true
  })
  candidates.push(candidate)
  return candidate
}

/**
 * Starts candidates (id, priority, writeAlways) and has them join the election together once every process is up:
 * booting a process on a loaded machine can take seconds, and a candidate that joins late is a candidate "joining
 * later" (a lower one may lead until it arrives). Booting is not what these tests time.
 */
const start = async (...specs: Array<[string, number, boolean?]>): Promise<Array<CandidateProcess>> => {
  const started = specs.map(([id, priority, writeAlways]) => spawn(id, priority, writeAlways))
  await Promise.all(started.map((c) => c.waitFor((e) => e.event === "ready", 30_000)))
  for (const c of started) c.send("join")
  return started
}

const leads = (term?: number) => (e: Event) =>
  e.event === "state" && e.role === "leader" && (term === undefined || e.term === term)
const follows = (leader: string, term?: number) => (e: Event) =>
  e.event === "state" && e.role === "follower" && e.leader === leader && (term === undefined || e.term === term)
const wrote = (e: Event) => e.event === "write"

/** a and b follow c in `term`: by the events they printed, and by their state now. */
const expectFollowingC = async (followers: ReadonlyArray<CandidateProcess>, term: number | undefined) => {
  for (const follower of followers) await follower.waitFor(follows("c", term), 10_000)
  for (const follower of followers) expect(follower.state()).toMatchObject({ role: "follower", leader: "c", term })
}

/** Starts a, b and c (priorities 1, 2, 3) and waits until c leads and a and b follow it. */
const startAndElectC = async (leadTimeoutMs: number) => {
  const [a, b, c] = await start(["a", 1], ["b", 2], ["c", 3])
  const won = await c!.waitFor(leads(), leadTimeoutMs)
  await a!.waitFor(follows("c", won.term), 10_000)
  await b!.waitFor(follows("c", won.term), 10_000)
  return { a: a!, b: b!, c: c!, won }
}

interface Stamp {
  readonly term: number
  readonly leader: string
  readonly revision: number
}

/**
 * The key's kept history (the buckets keep 64 values per key), read revision by revision with plain gets: right
 * after a cluster node dies, creating the consumer that `kv.history` needs can take many seconds.
 */
const history = async (kv: KV, key: string): Promise<Array<Stamp>> => {
  const latest = await kv.get(key)
  const stamps: Array<Stamp> = []
  for (let revision = Math.max(1, (latest?.revision ?? 0) - 63); revision <= (latest?.revision ?? 0); revision++) {
    const entry = await kv.get(key, { revision })
    if (entry?.operation === "PUT") stamps.push({ ...entry.json<{ term: number; leader: string }>(), revision })
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

describe("election with real processes on one nats-server", () => {
  let server: NatsServer
  beforeEach(async () => {
    server = await startNatsServer()
    urls = [server.url]
    stopServers = () => server.stop()
    await setup(1)
  })

  it("three candidates started at once elect exactly the highest, agreed by all", async () => {
    const { a, b, c, won } = await startAndElectC(15_000)
    await c.waitFor(wrote, 5_000)
    expect(a.events.some(leads())).toBe(false)
    expect(b.events.some(leads())).toBe(false)
    await expectFollowingC([a, b], won.term)
    expectFencedHistory(await history(await termKv(), `election.${scope}.term`))
  })

  it("a SIGKILLed leader is replaced by the next highest, which writes", async () => {
    const [a, b, c] = await start(["a", 1], ["b", 2], ["c", 3])
    const first = await c!.waitFor(leads(), 15_000)
    await b!.waitFor(follows("c", first.term), 10_000)
    // Stamped before the signal: b's successor term necessarily starts later, however late this process sees the
    // exit. The leadership that follows the kill: under load b may have led for a moment before c first won.
    const killedAt = Date.now()
    await c!.kill()
    const next = await b!.waitFor((e) => leads()(e) && e.at >= killedAt, 10_000)
    expect(next.term).toBeGreaterThan(first.term!)
    const write = await b!.waitFor((e) => wrote(e) && e.at >= killedAt, 5_000)
    await a!.waitFor(follows("b", next.term), 5_000)
    expect(write.at).toBeGreaterThan(killedAt)
    expectFencedHistory(await history(await dataKv(), "data"))
  })

  it("a paused leader is replaced; resumed, it steps down and its stale writes are refused", async () => {
    // c keeps trying to write whatever it believes, so its first attempt after waking is a stale one.
    const [a, b, c] = await start(["a", 1], ["b", 2], ["c", 3, true])
    const first = await c!.waitFor(leads(), 15_000)
    await c!.waitFor(wrote, 5_000)
    await b!.waitFor(follows("c", first.term), 10_000)
    // b's leadership after the pause (under load it may also have led before c first won).
    const beforePause = b!.events.length
    c!.signal("SIGSTOP")
    const standby = await b!.waitFor(leads(), 10_000, beforePause)
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
    expect(stamps.map((s) => s.term)).toEqual(expect.arrayContaining([standby.term, back.term]))
  })

  it("a higher-priority candidate joining later takes over (bully)", async () => {
    const [a, b] = await start(["a", 1], ["b", 2])
    const first = await b!.waitFor(leads(), 15_000)
    await a!.waitFor(follows("b", first.term), 10_000)
    await b!.waitFor(wrote, 5_000)
    const [c] = await start(["c", 3])
    const taken = await c.waitFor(leads(), 10_000)
    expect(taken.term).toBeGreaterThan(first.term!)
    await a!.waitFor(follows("c", taken.term), 5_000)
    await b!.waitFor(follows("c", taken.term), 5_000)
    await c.waitFor(wrote, 5_000)
    expectFencedHistory(await history(await dataKv(), "data"))
  })

  it("a NATS server restart under the leader does not produce two leaders", async () => {
    const { a, b, c } = await startAndElectC(15_000)
    await server.kill()
    // Down for longer than the leader timeout: every follower times out while disconnected.
    await new Promise((resolve) => setTimeout(resolve, 1_500))
    await server.restart()
    const marks = candidates.map((x) => x.events.length)
    // Settled: c leads (it is the highest), everyone agrees on its term, and it writes again.
    await c.waitFor(wrote, 15_000, marks[2])
    const final = c.state()!
    expect(final.role).toBe("leader")
    await a.waitFor(follows("c", final.term), 10_000, marks[0])
    await b.waitFor(follows("c", final.term), 10_000, marks[1])
    expectFencedHistory(await history(await termKv(), `election.${scope}.term`))
    expectFencedHistory(await history(await dataKv(), "data"))
  })

  it("the leader SIGKILLed while the NATS server is down: one successor once it is back", async () => {
    const { a, b, c, won: first } = await startAndElectC(15_000)
    const beforeKill = b.events.length
    await server.kill()
    await c.kill()
    await new Promise((resolve) => setTimeout(resolve, 1_500))
    await server.restart()
    const next = await b.waitFor(leads(), 15_000, beforeKill)
    expect(next.term).toBeGreaterThan(first.term!)
    await b.waitFor(wrote, 10_000, b.events.indexOf(next))
    const final = b.state()!
    expect(final.role).toBe("leader")
    await a.waitFor(follows("b", final.term), 10_000)
    expectFencedHistory(await history(await termKv(), `election.${scope}.term`))
    expectFencedHistory(await history(await dataKv(), "data"))
  })
})

describe("election with real processes on a 3-node NATS cluster", () => {
  let cluster: NatsCluster
  beforeEach(async () => {
    cluster = await startNatsCluster(3)
    urls = [...cluster.urls]
    stopServers = () => cluster.stop()
    await setup(3)
  })

  it("killing the leader's NATS node keeps a single leader per term and the highest leading", async () => {
    const { a, b, c } = await startAndElectC(20_000)
    await c.waitFor(wrote, 10_000)
    // c prefers node 2: kill it; c reconnects elsewhere and the replicated buckets elect new stream leaders.
    await cluster.servers[2]!.kill()
    const mark = c.events.length
    await c.waitFor(wrote, 30_000, mark)
    const final = c.state()!
    expect(final.role).toBe("leader")
    await expectFollowingC([a, b], final.term)
    expectFencedHistory(await history(await termKv(), `election.${scope}.term`))
    expectFencedHistory(await history(await dataKv(), "data"))
  })
})
