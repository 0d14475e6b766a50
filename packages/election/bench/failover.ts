/**
 * Failover bench: three candidate processes with the default timing; the leader is SIGKILLed 20 times, each time at
 * a random moment, and each failover is timed from the kill to the new leader's first fenced write (`writeFenced` on
 * a KV key, attempted every 10 ms while leading). A fresh lowest-priority candidate replaces each killed one, so three always run.
 * Run: pnpm --filter @dla/election bench (or the root `pnpm bench`).
 */
import { startNatsServer } from "@dla/testing"
import { type CandidateProcess, spawnCandidate } from "../test/fixtures/processes.ts"

const kills = Number(process.env.DLA_BENCH_KILLS ?? 20)
const server = await startNatsServer()
const scope = `bench-${process.pid}`
const candidates: Array<CandidateProcess> = []
let spawned = 0

const spawnNext = () => {
  const n = spawned++
  // Each newcomer ranks below every earlier one, so it joins as a follower and never bullies the leader.
  const candidate = spawnCandidate({
    url: server.url,
    scope,
    id: `c${n}`,
    priority: -n,
    dataBucket: `bench_${process.pid}`,
    writeEveryMs: 10
  })
  candidates.push(candidate)
  return candidate
}

const median = (xs: ReadonlyArray<number>) => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 === 1 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2
}

const failovers: Array<{ total: number; elected: number }> = []
try {
  for (let i = 0; i < 3; i++) spawnNext()
  let leader = await candidates[0]!.waitFor((e) => e.event === "write", 30_000)
  for (let k = 1; k <= kills; k++) {
    const live = candidates.filter((c) => !c.exited())
    const current = live.find((c) => c.id === leader.id)!
    const others = live.filter((c) => c !== current)
    // Steady state: every other candidate follows the current leader.
    await Promise.all(
      others.map((c) =>
        c.waitFor((e) => e.event === "state" && e.role === "follower" && e.leader === current.id, 30_000)
      )
    )
    // Followers re-arm their timeout on each heartbeat: kill at a random moment, not right after one.
    await new Promise((resolve) => setTimeout(resolve, Math.random() * 1_000))
    const marks = others.map((c) => c.events.length)
    await current.kill()
    const killedAt = Date.now()
    const firstWrite = await Promise.any(others.map((c, i) => c.waitFor((e) => e.event === "write", 30_000, marks[i])))
    const successor = others.find((c) => c.id === firstWrite.id)!
    const elected = successor.events.find((e, i) => i >= marks[others.indexOf(successor)]! && e.role === "leader")!
    failovers.push({ total: firstWrite.at - killedAt, elected: elected.at - killedAt })
    process.stdout.write(`kill ${k}/${kills}: ${current.id} -> ${successor.id} in ${firstWrite.at - killedAt} ms\n`)
    leader = firstWrite
    spawnNext()
  }
  const totals = failovers.map((f) => f.total)
  const elections = failovers.map((f) => f.elected)
  process.stdout.write(
    [
      "",
      `election failover over ${kills} leader kills (default timing: heartbeat 250 ms, leader timeout 1000 ms, answer 250 ms)`,
      `  kill -> new leader elected:          median ${median(elections)} ms, max ${Math.max(...elections)} ms`,
      `  kill -> new leader's first fenced write: median ${median(totals)} ms, max ${Math.max(...totals)} ms`,
      ""
    ].join("\n")
  )
} finally {
  await Promise.all(candidates.map((c) => c.stop()))
  await server.stop()
}
