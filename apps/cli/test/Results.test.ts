import { readFileSync } from "node:fs"
import { Ajv } from "ajv"
import { describe, expect, it } from "vitest"
import { dla, generatedLogsAndServer } from "./cli.ts"

const schema = JSON.parse(readFileSync(new URL("../../../docs/results.schema.json", import.meta.url), "utf8"))
const validate = new Ajv({ allErrors: true }).compile(schema)
const { logs, server, dlaAsync } = generatedLogsAndServer("dla-results-", { files: 4, lines: 500, seed: 8 })

const valid = (run: { status: number | null; stdout: string; stderr: string }) => {
  expect(run.status, run.stderr).toBe(0)
  const json = JSON.parse(run.stdout)
  expect(validate(json) ? [] : validate.errors).toEqual([])
  return json
}

describe("--json results: one schema for every mode (docs/results.schema.json)", () => {
  it("--sequential, embedded, --nats, dla master and --follow print the same fields, numbers as numbers", async () => {
    const sequential = valid(dla("analyse", logs, "--sequential", "--json", "--baseline", "1"))
    const embedded = valid(dla("analyse", logs, "--workers", "2", "--json", "--baseline", "1"))
    const nats = valid(
      await dlaAsync("analyse", logs, "--nats", server.url, "--workers", "1", "--run", "schema-nats", "--json")
    )
    const worker = dlaAsync("worker", "--nats", server.url, "--run", "schema-master", "--once")
    const master = valid(await dlaAsync("master", logs, "--nats", server.url, "--run", "schema-master", "--json"))
    expect((await worker).status).toBe(0)
    const follow = valid(dla("analyse", logs, "--follow", "--for", "0.5", "--json"))
    const all = { sequential, embedded, nats, master, follow }
    for (const [mode, json] of Object.entries(all)) {
      expect(Object.keys(json), mode).toEqual(Object.keys(sequential))
      expect(json.levels, mode).toEqual(sequential.levels)
      expect(json, mode).toMatchObject({ filesProcessed: 4, failedWorkers: 0, failedWorkerIds: [], failed_workers: [] })
    }
    expect(Object.values(all).map((json) => json.mode)).toEqual(["sequential", "embedded", "nats", "nats", "follow"])
    expect(typeof embedded.speedup).toBe("number")
    expect(typeof embedded.efficiency).toBe("number")
    expect(master).toMatchObject({ runId: "schema-master", leader: expect.any(String), term: expect.any(Number) })
  })

  it("the schema refuses what the old output had: failedWorkers as text, a missing field", () => {
    const good = valid(dla("analyse", logs, "--sequential", "--json"))
    expect(validate({ ...good, failedWorkers: "1 (vm-1)" })).toBe(false)
    const { failedWorkerIds: _, ...missing } = good
    expect(validate(missing)).toBe(false)
  })
})
