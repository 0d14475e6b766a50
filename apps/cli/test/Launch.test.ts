/**
 * `dla analyse` under a launcher: every rank runs the same command and the rank decides its part (rank 0 master,
 * 1..k standbys, the rest workers). Real processes on a real nats-server: mpirun, and RANK/WORLD_SIZE set by hand.
 */
import { spawn } from "node:child_process"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { gather, type NatsServer, startNatsServer } from "@dla/testing"
import { connect } from "@nats-io/transport-node"
import * as Effect from "effect/Effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as Launch from "../src/internal/Launch.ts"
import { dla } from "./cli.ts"
import { launcherFree } from "./env.ts"

const bin = fileURLToPath(new URL("../src/bin.ts", import.meta.url))
let server: NatsServer
let work = ""
let logs = ""
let expected: Record<string, number> = {}

beforeAll(async () => {
  server = await startNatsServer()
  work = mkdtempSync(join(tmpdir(), "dla-launch-"))
  logs = join(work, "sample_logs")
  expect(dla("generate", logs, "--style", "assignment", "--files", "6", "--lines", "500").status).toBe(0)
  expected = JSON.parse(dla("analyse", logs, "--sequential", "--json").stdout).levels
})

afterAll(async () => {
  await server?.stop()
  rmSync(work, { recursive: true, force: true })
})

interface Exit {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

const run = (command: string, args: ReadonlyArray<string>, env: NodeJS.ProcessEnv) =>
  new Promise<Exit>((resolve) => {
    const child = spawn(command, args, { env, stdio: ["ignore", "pipe", "pipe"], timeout: 60_000 })
    const output = gather(child)
    child.on("exit", (code) => resolve({ code, stdout: output.stdout, stderr: output.stderr }))
  })

/** `world` processes of `dla analyse ...args`, RANK and WORLD_SIZE set by hand (rank `late` starts 1.5 s later). */
const byHand = (world: number, args: ReadonlyArray<string>, late?: number) =>
  Promise.all(
    Array.from({ length: world }, async (_, rank) => {
      if (rank === late) await new Promise((resolve) => setTimeout(resolve, 1500))
      return run(process.execPath, ["--conditions=source", bin, "analyse", logs, ...args], {
        ...launcherFree(),
        RANK: `${rank}`,
        WORLD_SIZE: `${world}`
      })
    })
  )

const expectOneResult = (exits: ReadonlyArray<Exit>) => {
  for (const exit of exits) expect(exit, exit.stderr).toMatchObject({ code: 0 })
  const printed = exits.filter((exit) => exit.stdout !== "")
  expect(printed).toHaveLength(1)
  expect(printed[0]).toBe(exits[0])
  const result = JSON.parse(exits[0]!.stdout)
  expect(result).toMatchObject({ levels: expected, lines: 3000, unmatched: 0, filesProcessed: 6 })
  return result
}

describe("Launch.plan", () => {
  const at = (rank: number, worldSize: number, nats = true, standbys = 0, alone = false) =>
    Launch.plan({ rank, worldSize }, { nats, standbys, alone }).role
  it("rank 0 is the master, 1..k standbys, the others workers; alone or without NATS the others idle", () => {
    expect(at(0, 1)).toBe("single")
    expect([0, 1, 2, 3].map((rank) => at(rank, 4))).toEqual(["master", "worker", "worker", "worker"])
    expect([0, 1, 2, 3].map((rank) => at(rank, 4, true, 2))).toEqual(["master", "standby", "standby", "worker"])
    expect([0, 1, 2].map((rank) => at(rank, 3, false))).toEqual(["single", "idle", "idle"])
    expect([0, 1].map((rank) => at(rank, 2, true, 0, true))).toEqual(["single", "idle"])
    // More standbys than ranks: every other rank stands by.
    expect([0, 1].map((rank) => at(rank, 2, true, 5))).toEqual(["master", "standby"])
  })

  it("detect reads the launcher's variables; a malformed one is a one-line failure", () => {
    const args = { nats: { _tag: "Some", value: "nats://x" } as never, standbys: 0, sequential: false, follow: false }
    expect(Launch.detect(args, { OMPI_COMM_WORLD_RANK: "2", OMPI_COMM_WORLD_SIZE: "4" })).toMatchObject({
      role: "worker",
      rank: 2,
      worldSize: 4
    })
    expect(Launch.detect(args, { RANK: "x" })).toMatchObject({
      message: 'Invalid RANK="x": expected a non-negative integer'
    })
  })
})

describe("Launch.awaitPhase", () => {
  it("fails in one line once no master has answered for the given silence", async () => {
    const nc = await connect({ servers: server.url })
    try {
      const error = await Effect.runPromise(
        Effect.flip(Launch.awaitPhase(nc, "run-nobody", 2, ["running"], "300 millis"))
      )
      expect(error.message).toMatch(
        /^rank 2: no answer from the master \(rank 0\) on dla\.launch\.run-nobody for .+: is it running, on the same directory and NATS\?$/
      )
    } finally {
      await nc.close()
    }
  })
})

describe("dla analyse under a launcher", () => {
  it("mpirun -np 4 --nats: rank 0 masters ranks 1-3, prints one JSON document with exact counts, every rank exits 0 (--verbose)", async () => {
    const exit = await run(
      "mpirun",
      [
        "--allow-run-as-root",
        "--oversubscribe",
        "-np",
        "4",
        process.execPath,
        "--conditions=source",
        bin,
        "analyse",
        logs,
        "--nats",
        server.url,
        "--json",
        "--fresh",
        "--verbose"
      ],
      launcherFree()
    )
    expect(exit.code, exit.stderr).toBe(0)
    expect(JSON.parse(exit.stdout)).toMatchObject({ levels: expected, lines: 3000, filesProcessed: 6 })
    // --verbose: the master's lines from rank 0, the workers' own from their ranks, each with its rank.
    expect(exit.stderr).toMatch(/\[0\] INFO {5}Found 6 log file\(s\) to analyse/)
    expect(exit.stderr).toMatch(/\[0\] INFO {5}Starting distributed analysis\.\.\./)
    expect(exit.stderr).toMatch(/\[([123])\] INFO {5}\[Worker \1\] Processing node\d+\.log/)
  })

  it("RANK/WORLD_SIZE by hand, three processes, one joining late: one result from rank 0, all exit 0", async () => {
    const exits = await byHand(3, ["--nats", server.url, "--json"], 2)
    const result = expectOneResult(exits)
    expect(result.failedWorkerIds).toEqual([])
  })

  it("with --standbys 1: rank 1 stands by, ranks 2-3 work, one result, all exit 0", async () => {
    expectOneResult(await byHand(4, ["--nats", server.url, "--json", "--standbys", "1"]))
  })

  it("without --nats rank 0 analyses alone; the others say so in one stderr line and exit 0", async () => {
    const exits = await byHand(3, ["--json"])
    expectOneResult(exits)
    for (const exit of exits.slice(1)) {
      // Through @dla/logger, with the rank: `[12:34:56.789] [2] INFO     rank 2 of 3: ...`.
      expect(exit.stderr.trimEnd().split("\n")).toEqual([
        expect.stringMatching(
          /^\[[\d:.]+\] \[(\d)\] INFO {5}rank \1 of 3: without --nats rank 0 analyses alone; nothing to do here$/
        )
      ])
    }
  })
})
