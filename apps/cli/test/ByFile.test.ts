import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { type NatsServer, startNatsServer } from "@dla/testing"
import { Ajv } from "ajv"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as ByFile from "../src/internal/ByFile.ts"
import * as Results from "../src/internal/Results.ts"
import { diagnostics, dla, finished, type Run, start } from "./cli.ts"

const schema = JSON.parse(readFileSync(new URL("../../../docs/results.schema.json", import.meta.url), "utf8"))
const validate = new Ajv({ allErrors: true }).compile(schema)
const work = mkdtempSync(join(tmpdir(), "dla-byfile-"))
const logs = join(work, "logs")
let server: NatsServer

// A directory of mixed formats: the generator's, klog (Kubernetes, torchrun), and lines with no level at all.
const files = {
  "app.log": [
    "[2025-01-01T00:00:00] [WARN] Timeout while waiting for response",
    "[2025-01-01T00:00:01] [ERROR] Disk usage above 85 percent",
    "[2025-01-01T00:00:02] [INFO] Request served"
  ],
  "k8s/kubelet.log": [
    "I0820 14:27:21.482718 4030958 ProcessGroupNCCL.cpp:980] [PG ID 1 PG GUID 1 Rank 1] NCCL version: 2.25.1",
    "W0219 09:17:03.837000 140066961602368 torch/distributed/elastic/multiprocessing/api.py:858] Sending SIGTERM",
    "E0219 09:17:04.000000 140066961602368 server.go:44] an ERROR word inside the message",
    "I0219 09:17:05.000000 140066961602368 server.go:45] done"
  ],
  "plain.log": ["hello world", "something happened", "an INFO word in the middle", "last line"]
}

beforeAll(async () => {
  for (const [name, lines] of Object.entries(files)) {
    mkdirSync(join(logs, name, ".."), { recursive: true })
    writeFileSync(join(logs, name), `${lines.join("\n")}\n`)
  }
  server = await startNatsServer()
})

afterAll(async () => {
  await server?.stop()
  rmSync(work, { recursive: true, force: true })
})

const warnings = (run: Run) => diagnostics(run.stderr).filter((line) => line.startsWith("WARN "))

const zeros = { TRACE: 0, DEBUG: 0, INFO: 0, NOTICE: 0, WARN: 0, ERROR: 0, FATAL: 0 }
const expected = [
  {
    path: "app.log",
    format: "bracketed",
    levels: { ...zeros, WARN: 1, ERROR: 1, INFO: 1 },
    lines: 3,
    unmatched: 0,
    bytes: Buffer.byteLength(`${files["app.log"].join("\n")}\n`)
  },
  {
    path: join("k8s", "kubelet.log"),
    format: "klog",
    levels: { ...zeros, INFO: 2, WARN: 1, ERROR: 1 },
    lines: 4,
    unmatched: 0,
    bytes: Buffer.byteLength(`${files["k8s/kubelet.log"].join("\n")}\n`)
  },
  {
    path: "plain.log",
    format: "bracketed",
    levels: zeros,
    lines: 4,
    unmatched: 4,
    bytes: Buffer.byteLength(`${files["plain.log"].join("\n")}\n`)
  }
]

describe("dla analyse --by-file", () => {
  it("--sequential, embedded and --nats give the same per-file figures, and one warning for the unread file", async () => {
    const runs = {
      sequential: dla("analyse", logs, "--sequential", "--json", "--by-file"),
      embedded: dla("analyse", logs, "--workers", "2", "--json", "--by-file"),
      nats: await finished(
        start("analyse", logs, "--nats", server.url, "--workers", "1", "--run", "byfile-nats", "--json", "--by-file")
      )
    }
    for (const [mode, run] of Object.entries(runs)) {
      expect(run.status, run.stderr).toBe(0)
      const json = JSON.parse(run.stdout)
      expect(validate(json) ? [] : validate.errors, mode).toEqual([])
      expect(json.files, mode).toEqual(expected)
      expect(warnings(run), mode).toEqual([
        "WARN plain.log (bracketed): 100.0% of its lines have no level (try --format)"
      ])
    }
  })

  it("prints a table after the results block; without --by-file only the warning says anything of files", () => {
    const table = dla("analyse", logs, "--workers", "1", "--by-file")
    expect(table.status, table.stderr).toBe(0)
    const after = table.stdout.slice(table.stdout.indexOf("=== By file ===")).trimEnd()
    expect(after.split("\n").map((line) => line.split(/\s{2,}/))).toEqual([
      ["=== By file ==="],
      ["File", "Format", "Lines", "No level", "ERROR", "WARN", "INFO"],
      ["app.log", "bracketed", "3", "0 (0.0%)", "1", "1", "1"],
      [join("k8s", "kubelet.log"), "klog", "4", "0 (0.0%)", "1", "1", "2"],
      ["plain.log", "bracketed", "4", "4 (100.0%)", "0", "0", "0"]
    ])
    const plain = dla("analyse", logs, "--sequential", "--json")
    expect(JSON.parse(plain.stdout).files).toBeUndefined()
    expect(warnings(plain)).toHaveLength(1)
  })
})

describe("ByFile.warnings", () => {
  const file = (n: number, unmatched: number): ByFile.File => ({
    path: `f${n}.log`,
    format: "klog",
    levels: {},
    lines: 10,
    unmatched,
    bytes: 100
  })

  it("names files with 90% or more of their lines without a level, one line each; none for empty files", () => {
    expect(ByFile.warnings([file(1, 9), file(2, 8), { ...file(3, 0), lines: 0 }])).toEqual([
      "f1.log (klog): 90.0% of its lines have no level (try --format)"
    ])
  })

  it("isNoted keeps the files a warning names (without --by-file only those are summarised)", () => {
    const files = [
      file(1, 9),
      file(2, 8),
      { ...file(3, 0), changed: { before: 100, after: 200 } },
      { ...file(4, 0), lines: 0 },
      file(5, 10)
    ]
    expect(files.filter(ByFile.isNoted).map((f) => f.path)).toEqual(["f1.log", "f3.log", "f5.log"])
    expect(ByFile.warnings(files.filter(ByFile.isNoted))).toEqual(ByFile.warnings(files))
    expect(ByFile.changed(files.filter(ByFile.isNoted))).toEqual(ByFile.changed(files))
  })

  it("many such files: one line naming the first few and how many more", () => {
    const many = Array.from({ length: 8 }, (_, i) => file(i, 10))
    expect(ByFile.warnings(many)).toEqual([
      "8 files: 90% or more of their lines have no level (try --format): f0.log (klog), f1.log (klog), f2.log (klog) and 5 more (see --by-file)"
    ])
  })

  it("names each file whose size moved while it was counted, and --json lists them in changedFiles (issue 14)", () => {
    const files = [
      { ...file(1, 0), changed: { before: 100, after: 4096 } },
      { ...file(2, 0), changed: { before: 5000, after: 100 } },
      file(3, 0)
    ]
    expect(ByFile.warnings(files)).toEqual([
      "dla: warning: f1.log grew from 100 to 4,096 bytes while it was counted (its counts are of the bytes read)",
      "dla: warning: f2.log shrank from 5,000 to 100 bytes while it was counted (its counts are of the bytes read)"
    ])
    const counts = { levels: {}, lines: 30, unmatched: 0, bytes: 300 }
    const input = { mode: "sequential", counts, filesProcessed: 3, durationMs: 1, filesSkipped: 0, workers: 1 } as const
    const json = Results.toJson({ ...input, changedFiles: ByFile.changed(files) })
    expect(json.changedFiles).toEqual([
      { path: "f1.log", before: 100, after: 4096 },
      { path: "f2.log", before: 5000, after: 100 }
    ])
    expect(validate(json) ? [] : validate.errors).toEqual([])
    expect(Results.toJson(input).changedFiles).toEqual([])
  })
})
