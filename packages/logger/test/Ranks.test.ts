// Real child processes as the ranks of a job on one node: console prefixes, logMaster, per-rank files and the
// aggregated per-node file.
import * as fs from "node:fs"
import * as path from "node:path"
import { Aggregator, LogConfig } from "@dla/logger"
import { afterEach, describe, expect, it } from "vitest"
import { type Child, cleanEnv, killAll, release, spawnFixture, tempDir } from "./helpers.ts"

const WORLD = 4
const LINES = 5

let children: Array<Child> = []
let cleanups: Array<() => void> = []
afterEach(() => {
  killAll(children)
  for (const cleanup of cleanups) cleanup()
  children = []
  cleanups = []
})

const setup = () => {
  const temp = tempDir()
  cleanups.push(temp.cleanup)
  return { runDir: path.join(temp.dir, "run"), nodeTmp: path.join(temp.dir, "node-tmp") }
}

/** What torchrun sets for `rank` of a job of `world` ranks, all on one node. */
const torchrunOnOneNode = (rank: number, world: number) => ({
  RANK: `${rank}`,
  LOCAL_RANK: `${rank}`,
  WORLD_SIZE: `${world}`,
  LOCAL_WORLD_SIZE: `${world}`
})

/** Starts `WORLD` ranks, lets ranks 1..N finish first, then local rank 0 (the aggregator) last. */
const runJob = async (envOf: (rank: number) => NodeJS.ProcessEnv) => {
  children = Array.from({ length: WORLD }, (_, rank) => spawnFixture("rank.ts", envOf(rank)))
  await Promise.all(children.map((child) => child.ready))
  for (const child of children.slice(1)) expect(await release(child)).toEqual({ code: 0, signal: null })
  expect(await release(children[0]!)).toEqual({ code: 0, signal: null })
  return children
}

const expectedLines = (rank: number) => [
  ...Array.from({ length: LINES }, (_, i) => `line ${i} from rank ${rank}`),
  ...(rank === 0 ? [`master line from rank ${rank}`] : []),
  `data: component line from rank ${rank}`
]

const nodeFile = (runDir: string) => {
  const files = fs.readdirSync(path.join(runDir, "logs")).filter((file) => /^train_node_.*\.log$/.test(file))
  expect(files).toHaveLength(1)
  return path.join(runDir, "logs", files[0]!)
}

const checkJob = (jobs: ReadonlyArray<Child>, runDir: string, nodeId: string | undefined) => {
  for (let rank = 0; rank < WORLD; rank++) {
    // Console: every line carries the time and this rank, the level padded to a fixed width.
    const consoleLines = jobs[rank]!.stderr.trimEnd().split("\n")
    const expected = expectedLines(rank)
    expect(consoleLines).toHaveLength(expected.length)
    consoleLines.forEach((line, i) => {
      expect(line).toMatch(new RegExp(`^\\[\\d\\d:\\d\\d:\\d\\d\\.\\d{3}\\] \\[${rank}\\] (INFO     |WARN     )`))
      expect(line.endsWith(expected[i]!)).toBe(true)
    })
    // Per-rank file: `train.log` for rank 0, `train_<rank>.log` for the others, holding only this rank's lines.
    const file = path.join(runDir, "logs", rank === 0 ? "train.log" : `train_${rank}.log`)
    const fileLines = fs.readFileSync(file, "utf8").trimEnd().split("\n")
    expect(fileLines.map((line) => line.replace(/^\[[^\]]+\] \[\d+\] \w+ +/, ""))).toEqual(expected)
  }
  expect(jobs.filter((job) => job.stderr.includes("master line"))).toEqual([jobs[0]])

  // Per-node file: every rank's lines exactly once, in time order, in the NVRx layout.
  const lines = fs.readFileSync(nodeFile(runDir), "utf8").trimEnd().split("\n")
  const all = Array.from({ length: WORLD }, (_, rank) => expectedLines(rank)).flat()
  expect(lines).toHaveLength(all.length)
  for (const message of all) expect(lines.filter((line) => line.endsWith(` ${message}`))).toHaveLength(1)
  const layout =
    /^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}) \[(INFO|WARN)\] \[([^\]]+)\] \[workload:(\d+)\((\d+)\)\] (.*)$/
  const times = lines.map((line) => {
    const match = layout.exec(line)
    expect(match, line).not.toBeNull()
    const [, time, , node, rank, localRank, message] = match!
    if (nodeId !== undefined) expect(node).toBe(nodeId)
    expect(localRank).toBe(rank)
    expect(message!.endsWith(`rank ${rank}`)).toBe(true)
    return time!
  })
  expect([...times].sort()).toEqual(times)
  return lines
}

describe("four ranks on one node", () => {
  it("torchrun variables: prefixes, logMaster on rank 0 only, per-rank files, one aggregated node file", async () => {
    const { runDir, nodeTmp } = setup()
    const jobs = await runJob((rank) => ({
      ...cleanEnv(),
      ...torchrunOnOneNode(rank, WORLD),
      DLA_NODE_LOCAL_TMPDIR: nodeTmp,
      TEST_RUN_DIR: runDir,
      TEST_LINES: `${LINES}`
    }))
    checkJob(jobs, runDir, undefined)
    // Every message file was read and deleted: the ranks are dead, and local rank 0 finished its own at exit.
    const [messageDir, ...others] = fs.readdirSync(nodeTmp)
    expect(others).toEqual([])
    expect(fs.readdirSync(path.join(nodeTmp, messageDir!))).toEqual([])
  })

  it("Slurm variables, source file:line, and a restarted aggregator adds nothing", async () => {
    const { runDir, nodeTmp } = setup()
    const jobs = await runJob((rank) => ({
      ...cleanEnv(),
      SLURM_JOB_ID: "42",
      SLURM_PROCID: `${rank}`,
      SLURM_LOCALID: `${rank}`,
      SLURM_NTASKS: `${WORLD}`,
      SLURM_NODEID: "0",
      SLURMD_NODENAME: "node7",
      DLA_LOG_SOURCE: "1",
      DLA_NODE_LOCAL_TMPDIR: nodeTmp,
      TEST_RUN_DIR: runDir,
      TEST_LINES: `${LINES}`
    }))
    const before = checkJob(jobs, runDir, "node7")
    // DLA_LOG_SOURCE: the caller's file:line after the workload tag.
    for (const line of before) expect(line).toMatch(/\[workload:\d\(\d\)\] rank\.ts:\d+ /)
    const file = nodeFile(runDir)
    expect(path.basename(file)).toBe("train_node_node7.log")
    const again = Aggregator.make({
      tmpDir: LogConfig.messageDir(nodeTmp, "node7"),
      file,
      maxFileBytes: 1 << 20,
      maxFiles: 4
    })
    expect(again.drain()).toBe(0)
    expect(fs.readFileSync(file, "utf8").trimEnd().split("\n")).toEqual(before)
  })
})

describe("a rank killed with SIGKILL", () => {
  it("right after logging: its last line still reaches the node file, once", async () => {
    const { runDir, nodeTmp } = setup()
    const env = (rank: number, kill: boolean) => ({
      ...cleanEnv(),
      RANK: `${rank}`,
      LOCAL_RANK: `${rank}`,
      WORLD_SIZE: "2",
      DLA_NODE_LOCAL_TMPDIR: nodeTmp,
      TEST_RUN_DIR: runDir,
      TEST_LINES: "2",
      ...(kill ? { TEST_KILL: "1" } : {})
    })
    const aggregatorRank = spawnFixture("rank.ts", env(0, false))
    const victim = spawnFixture("rank.ts", env(1, true))
    children = [aggregatorRank, victim]
    await aggregatorRank.ready
    expect(await victim.exited).toEqual({ code: null, signal: "SIGKILL" })
    expect(await release(aggregatorRank)).toEqual({ code: 0, signal: null })

    const file = nodeFile(runDir)
    const lines = fs.readFileSync(file, "utf8").trimEnd().split("\n")
    expect(lines.filter((line) => line.endsWith(" last words from rank 1"))).toHaveLength(1)
    expect(lines.filter((line) => line.includes("[workload:1(1)]"))).toHaveLength(4)
    // The dead rank's segments are gone once read; a restarted aggregator finds nothing new.
    const [messageDir, ...others] = fs.readdirSync(nodeTmp)
    expect(others).toEqual([])
    expect(fs.readdirSync(path.join(nodeTmp, messageDir!)).filter((name) => name.startsWith("rank_1."))).toEqual([])
    const again = Aggregator.make({ tmpDir: path.join(nodeTmp, messageDir!), file, maxFileBytes: 1 << 20, maxFiles: 4 })
    expect(again.drain()).toBe(0)
  })
})

describe("the NVRx guide's variables and options", () => {
  it("NVRX_NODE_LOCAL_TMPDIR and NVRX_LOG_DEBUG=1: two ranks' lines, DEBUG included, in one per-node file", async () => {
    const { nodeTmp } = setup()
    const env = (rank: number) => ({
      ...cleanEnv(),
      ...torchrunOnOneNode(rank, 2),
      DLA_NODE_ID: "node001",
      NVRX_NODE_LOCAL_TMPDIR: nodeTmp,
      NVRX_LOG_DEBUG: "1",
      TEST_LINES: "1",
      TEST_PREFIX: "mytraining",
      TEST_NVRX_LAYOUT: "1"
    })
    const aggregatorRank = spawnFixture("rank.ts", env(0))
    const other = spawnFixture("rank.ts", env(1))
    children = [aggregatorRank, other]
    await Promise.all(children.map((child) => child.ready))
    expect(await release(other)).toEqual({ code: 0, signal: null })
    expect(await release(aggregatorRank)).toEqual({ code: 0, signal: null })

    // Without a run dir the per-node file sits in the tmp dir, named after the prefix (setup_logger's).
    const file = path.join(nodeTmp, "mytraining_node_node001.log")
    const lines = fs.readFileSync(file, "utf8").trimEnd().split("\n")
    for (const rank of [0, 1]) {
      expect(lines.filter((line) => line.endsWith(`data: debug line from rank ${rank}`))).toHaveLength(1)
      expect(lines.filter((line) => line.endsWith(`line 0 from rank ${rank}`))).toHaveLength(1)
    }
    expect(lines).toHaveLength(2 * 3 + 1)
    const nvrx =
      /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} \[(INFO|WARNING|DEBUG)\] \[node001\] \[workload:(\d)\(\2\) infra:\2\(\2\)\] /
    for (const line of lines) expect(line).toMatch(nvrx)
    expect(lines.some((line) => line.includes("[WARNING]"))).toBe(true)
    // Rank 1's DEBUG line also reached its console: the level is DEBUG everywhere.
    expect(other.stderr).toMatch(/\[1\] DEBUG {4}data: debug line from rank 1/)
  })
})
