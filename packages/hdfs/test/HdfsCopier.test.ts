import { appendFileSync, copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import * as HdfsCopier from "@dla/hdfs/HdfsCopier"
import { waitFor } from "@dla/testing"
import { afterEach, beforeEach, describe, expect, it } from "@effect/vitest"
import { Config, ConfigProvider, Effect, Layer, Schedule, Schema } from "effect"
import { manifestPath } from "../src/internal/manifest.ts"
import { captureLogs, context, removeDir, tempDir, withCopier } from "./support/helpers.ts"
import { startWebHdfsCluster, type WebHdfsCluster } from "./support/WebHdfsServer.ts"

let cluster: WebHdfsCluster
let logs = ""
let state = ""

beforeEach(async () => {
  cluster = await startWebHdfsCluster({ namenodes: 2 })
  logs = tempDir("src")
  state = tempDir("state")
})
afterEach(async () => {
  await cluster.stop()
  removeDir(logs)
  removeDir(state)
})

const copier = (extra: Partial<HdfsCopier.CopierOptions> = {}): HdfsCopier.CopierOptions => ({
  env: {},
  stateDir: state,
  webhdfs: { namenodes: cluster.namenodes, user: "etl", requestTimeoutSeconds: 5 },
  ...extra
})
const copy = (extra: Record<string, unknown> = {}) => ({
  copyName: "logs",
  pathPatterns: [join(logs, "*.log")],
  destination: "hdfs://cluster:8020/jobs/42",
  intervalSeconds: 3600,
  retryDelaySeconds: 0.01,
  ...extra
})
/** What the datanode received since `from`: "CREATE <path> <bytes>" / "APPEND ..." (reads are left out). */
const writes = (from = 0) =>
  cluster.requests
    .slice(from)
    .filter((r) => r.node === "datanode" && r.op !== "OPEN")
    .map((r) => `${r.op} ${r.path} ${r.bytes}`)
/** Writes the source log `train.log` and returns its path. */
const writeLog = (text: string) => {
  const path = join(logs, "train.log")
  writeFileSync(path, text)
  return path
}
const content = (path: string) => cluster.read(path)?.toString()
/** Asserts the cluster holds one file, train.log's copy, with `text`: no temporary name or other copy left behind. */
const expectOnlyCopy = (text: string) => {
  expect(content("/jobs/42/train.log")).toBe(text)
  expect(cluster.files()).toEqual(["/jobs/42/train.log"])
}

/** Waits until the interval's own first pass is over, so the passes a test runs are the only ones. */
const firstPassDone = (c: HdfsCopier.HdfsCopier["Service"]) =>
  Effect.repeat(c.listOperations, {
    until: (operations) => operations.every((o) => o.state === "waiting"),
    schedule: Schedule.spaced("10 millis")
  })

/** Runs `body` with the default copy started and its first pass done (an hour's interval: no pass runs unasked). */
const session = <A, E>(body: (c: HdfsCopier.HdfsCopier["Service"]) => Effect.Effect<A, E>) =>
  withCopier(copier(), (c) => c.startCopy(copy()).pipe(Effect.andThen(firstPassDone(c)), Effect.andThen(body(c))))

/** A `session` on a source log `train.log` written first with `log`; `body` also gets the log's path. */
const sessionOn = <A, E>(
  log: string,
  body: (c: HdfsCopier.HdfsCopier["Service"], source: string) => Effect.Effect<A, E>
) =>
  Effect.suspend(() => {
    const source = writeLog(log)
    return session((c) => body(c, source))
  })

/** Starts the copy and runs one full pass. */
const once = (options: HdfsCopier.CopierOptions, copyOptions = copy()) =>
  withCopier(options, (c) =>
    Effect.gen(function* () {
      yield* c.startCopy(copyOptions)
      return yield* c.runOnce(copyOptions.copyName)
    })
  )

describe("role gating", () => {
  it.live("the coordinator copies and logs the seeds' messages", () =>
    Effect.gen(function* () {
      writeLog("line 1\n")
      const captured = captureLogs()
      const status = yield* withCopier(
        copier({ context: context("coordinator", 0) }),
        (c) =>
          Effect.gen(function* () {
            expect(yield* c.startCopy(copy({ intervalSeconds: undefined }))).toBe(true)
            expect(yield* c.getStatus).toEqual({ enabled: true, reason: "default behavior", environmentVariable: null })
            return yield* c.runOnce("logs")
          }),
        captured
      )
      expect(captured.lines).toEqual([
        "HDFS copy enabled (default behavior)",
        "Started HDFS copy operation 'logs' with 60s interval.",
        "HDFS copy 'logs': sent 1 files, 7 bytes to hdfs://cluster:8020/jobs/42",
        "Stopped HDFS copy operation 'logs'." // the copier's scope closed
      ])
      expect(content("/jobs/42/train.log")).toBe("line 1\n")
      expect(status).toMatchObject({ name: "logs", lastError: null, filesCopied: 1, bytesCopied: 7, leaseHeld: null })
      expect(status.config.intervalSeconds).toBe(60)
    })
  )

  it.live("healthCheck warns, as the LogManager guide's health_check, when copying is enabled and nothing runs", () =>
    withCopier(copier({ context: context("coordinator", 0) }), (c) =>
      Effect.gen(function* () {
        expect(yield* c.healthCheck).toMatchObject({
          status: "warning",
          message: "HDFS copy enabled but no operations running",
          healthy: false,
          enabled: true,
          operations: 0
        })
      })
    )
  )

  const skipped = "HDFS copy operation 'logs' skipped: disabled in distributed system environment"
  for (const [name, options, announced] of [
    [
      "DISABLE_HDFS_COPY",
      { env: { DISABLE_HDFS_COPY: "true" } },
      "HDFS copy disabled via DISABLE_HDFS_COPY environment variable"
    ],
    [
      "RAY_DISABLE_HDFS_COPY",
      { env: { RAY_DISABLE_HDFS_COPY: "true" } },
      "HDFS copy disabled via RAY_DISABLE_HDFS_COPY environment variable"
    ],
    [
      "RANK=3",
      { env: { RANK: "3", WORLD_SIZE: "4" } },
      "HDFS copy disabled: torchrun worker (rank 3, from RANK) detected; set DLA_HDFS_COPY=force to copy from here anyway"
    ]
  ] as const) {
    it.live(`a worker (${name}) skips with the seeds' message and touches nothing`, () =>
      Effect.gen(function* () {
        writeLog("line 1\n")
        const captured = captureLogs()
        yield* withCopier(
          copier(options),
          (c) =>
            Effect.gen(function* () {
              expect(yield* c.startCopy(copy())).toBe(false)
              expect(yield* c.listOperations).toEqual([])
              expect((yield* c.getStatus).enabled).toBe(false)
              expect(yield* c.healthCheck).toMatchObject({
                status: "healthy",
                message: "HDFS copy disabled (worker node)",
                healthy: true,
                enabled: false,
                operations: 0
              })
            }),
          captured
        )
        expect(captured.lines).toEqual([announced, skipped])
        expect(cluster.requests).toEqual([])
      })
    )
  }

  it.live("DLA_HDFS_COPY=force copies on a detected worker; a malformed role variable is a one-line error", () =>
    Effect.gen(function* () {
      writeLog("x\n")
      const status = yield* withCopier(
        copier({ env: { DLA_HDFS_COPY: "force" }, context: context("worker", 3) }),
        (c) => c.getStatus
      )
      expect(status).toEqual({ enabled: true, reason: "forced on by override", environmentVariable: "DLA_HDFS_COPY" })
      yield* once(copier({ env: { DLA_HDFS_COPY: "force", RANK: "3", WORLD_SIZE: "4" } }))
      expect(content("/jobs/42/train.log")).toBe("x\n")
      const bad = yield* Effect.flip(once(copier({ env: { RANK: "x" } })))
      expect(bad.message).toBe('Invalid RANK="x": expected a non-negative integer')
    })
  )
})

describe("copy semantics", () => {
  it.live("sends a growing file's new bytes by APPEND, and nothing for an unchanged file", () =>
    Effect.gen(function* () {
      yield* sessionOn("a\n", (c, source) =>
        Effect.gen(function* () {
          expect(writes()).toEqual(["CREATE /jobs/42/.train.log._COPYING_ 2"])
          appendFileSync(source, "bb\n")
          const before = cluster.requests.length
          yield* c.runOnce("logs")
          expect(writes(before)).toEqual(["APPEND /jobs/42/train.log 3"])
          const idle = cluster.requests.length
          const status = yield* c.runOnce("logs")
          expect(cluster.requests.length).toBe(idle) // not even a status request
          expect(status).toMatchObject({ filesCopied: 2, bytesCopied: 5, lastError: null })
        })
      )
      expectOnlyCopy("a\nbb\n")
    })
  )

  it.live("re-sends a truncated or rotated file whole, through a temporary name and RENAME", () =>
    Effect.gen(function* () {
      yield* sessionOn("first generation of the log\n", (c, source) =>
        Effect.gen(function* () {
          writeFileSync(source, "short\n") // truncated
          let before = cluster.requests.length
          yield* c.runOnce("logs")
          expect(writes(before)).toEqual(["CREATE /jobs/42/.train.log._COPYING_ 6"])
          expect(content("/jobs/42/train.log")).toBe("short\n")
          writeFileSync(source, "SHORT\nand longer than before\n") // rotated: longer, but its start changed
          before = cluster.requests.length
          yield* c.runOnce("logs")
          expect(writes(before)).toEqual(["CREATE /jobs/42/.train.log._COPYING_ 29"])
        })
      )
      expectOnlyCopy("SHORT\nand longer than before\n")
    })
  )

  it.live("a restarted process sends nothing already copied, then only new bytes", () =>
    Effect.gen(function* () {
      const source = writeLog("one\n")
      yield* once(copier())
      let before = cluster.requests.length
      yield* once(copier())
      expect(writes(before)).toEqual([])
      appendFileSync(source, "two\n")
      before = cluster.requests.length
      yield* once(copier())
      expect(writes(before)).toEqual(["APPEND /jobs/42/train.log 4"])
      expect(content("/jobs/42/train.log")).toBe("one\ntwo\n")
    })
  )

  it.live("a crash between APPEND and the manifest save never duplicates bytes", () =>
    Effect.gen(function* () {
      const source = writeLog("one\n")
      yield* once(copier())
      const manifest = manifestPath(state, "logs")
      copyFileSync(manifest, `${manifest}.old`)
      appendFileSync(source, "two\n")
      yield* once(copier())
      copyFileSync(`${manifest}.old`, manifest) // as if the process died right after the APPEND
      appendFileSync(source, "three\n")
      const before = cluster.requests.length
      yield* once(copier())
      expect(writes(before)).toEqual(["APPEND /jobs/42/train.log 6"])
      expect(content("/jobs/42/train.log")).toBe("one\ntwo\nthree\n")
    })
  )

  it.live("without a manifest (another host, lost state) an up-to-date destination is checked, not re-sent", () =>
    Effect.gen(function* () {
      writeLog("one\n")
      yield* once(copier())
      const before = cluster.requests.length
      yield* once(copier({ stateDir: tempDir("other-host") }))
      expect(writes(before)).toEqual([])
      expect(cluster.requests.slice(before).some((r) => r.op === "OPEN")).toBe(true)
    })
  )

  it.live("keeps the layout below rootDir with preserveStructure and rejects two files with one destination", () =>
    Effect.gen(function* () {
      for (const node of ["node-a", "node-b"]) {
        mkdirSync(join(logs, node))
        writeFileSync(join(logs, node, "train.log"), `${node}\n`)
      }
      yield* once(copier(), copy({ pathPatterns: ["**/*.log"], rootDir: logs, preserveStructure: true }))
      expect(cluster.files()).toEqual(["/jobs/42/node-a/train.log", "/jobs/42/node-b/train.log"])
      const flat = yield* once(
        copier({ stateDir: tempDir("flat") }),
        copy({ copyName: "flat", pathPatterns: ["**/*.log"], rootDir: logs, destination: "hdfs://cluster/flat" })
      )
      expect(flat.lastError).toContain("both map to /flat/train.log: set preserveStructure")
    })
  )

  it.live(
    "preserveStructure without rootDir keeps the layout below the pattern's directory (the LogManager guide)",
    () =>
      Effect.gen(function* () {
        for (const node of ["node-a", "node-b"]) {
          mkdirSync(join(logs, node))
          writeFileSync(join(logs, node, "worker_0.log"), `${node}\n`)
        }
        // The guide: path_patterns=["/tmp/logs/*/*.log"], preserve_structure=True, no root_dir.
        const status = yield* once(
          copier(),
          copy({ pathPatterns: [join(logs, "*", "*.log")], preserveStructure: true })
        )
        expect(status.lastError).toBeNull()
        expect(cluster.files()).toEqual(["/jobs/42/node-a/worker_0.log", "/jobs/42/node-b/worker_0.log"])
      })
  )

  it.live("sends big files in chunks: CREATE then APPENDs to the temporary name, APPENDs for growth", () =>
    Effect.gen(function* () {
      const source = writeLog("0123456789")
      yield* withCopier(copier({ chunkBytes: 4 }), (c) =>
        Effect.gen(function* () {
          yield* c.startCopy(copy())
          yield* c.runOnce("logs")
          appendFileSync(source, "abcde")
          yield* c.runOnce("logs")
        })
      )
      const temporary = "/jobs/42/.train.log._COPYING_"
      expect(writes()).toEqual([
        `CREATE ${temporary} 4`,
        `APPEND ${temporary} 4`,
        `APPEND ${temporary} 2`,
        "APPEND /jobs/42/train.log 4",
        "APPEND /jobs/42/train.log 1"
      ])
      expect(content("/jobs/42/train.log")).toBe("0123456789abcde")
    })
  )

  it.live("with createDestDirs false, a missing destination is an error in the status, not a new directory", () =>
    Effect.gen(function* () {
      writeLog("x\n")
      const status = yield* once(copier(), copy({ createDestDirs: false }))
      expect(status.lastError).toBe(
        "destination hdfs://cluster:8020/jobs/42 does not exist and createDestDirs is false"
      )
      expect(cluster.requests.filter((r) => r.op === "MKDIRS" || r.node === "datanode")).toEqual([])
    })
  )

  it.live("copies to mounted storage through file://", () =>
    Effect.gen(function* () {
      const target = tempDir("mounted")
      writeLog("a\n")
      yield* withCopier(copier(), (c) =>
        Effect.gen(function* () {
          yield* c.startCopy(copy({ destination: `file://${target}/out` }))
          yield* c.runOnce("logs")
          appendFileSync(join(logs, "train.log"), "b\n")
          yield* c.runOnce("logs")
        })
      )
      expect(readFileSync(join(target, "out", "train.log"), "utf8")).toBe("a\nb\n")
      removeDir(target)
    })
  )
})

describe("faults", () => {
  it.live("retries a failing upload, then succeeds", () =>
    Effect.gen(function* () {
      writeLog("payload\n")
      cluster.inject({ at: "datanode", op: "CREATE", kind: "error500", times: 2 })
      const status = yield* once(copier())
      expect(status.lastError).toBeNull()
      expect(content("/jobs/42/train.log")).toBe("payload\n")
      expect(writes().filter((w) => w.startsWith("CREATE"))).toHaveLength(3)
    })
  )

  it.live("resumes after an APPEND cut mid-upload without duplicating the bytes that arrived", () =>
    Effect.gen(function* () {
      yield* sessionOn("head\n", (c, source) =>
        Effect.gen(function* () {
          appendFileSync(source, "0123456789\n")
          cluster.inject({ at: "datanode", op: "APPEND", kind: "dropMidUpload" })
          const status = yield* c.runOnce("logs")
          expect(status.lastError).toBeNull()
        })
      )
      expect(content("/jobs/42/train.log")).toBe("head\n0123456789\n")
      expect(writes().slice(1)).toEqual(["APPEND /jobs/42/train.log 11", "APPEND /jobs/42/train.log 6"])
    })
  )

  it.live("records a permanent failure in the status and recovers on a later pass", () =>
    Effect.gen(function* () {
      writeLog("x\n")
      cluster.inject({ at: "datanode", kind: "error500", times: Number.POSITIVE_INFINITY })
      yield* withCopier(copier(), (c) =>
        Effect.gen(function* () {
          yield* c.startCopy(copy({ maxRetries: 2 }))
          yield* firstPassDone(c)
          const before = cluster.requests.length
          const failed = yield* c.runOnce("logs")
          expect(failed.lastError).toContain("HTTP 500 RuntimeException: injected failure")
          expect(writes(before)).toHaveLength(3) // the first try and maxRetries = 2 retries
          expect(failed.lastSuccessAt).toBeNull()
          const health = yield* c.healthCheck
          expect(health.healthy).toBe(false)
          expect(health.status).toBe("warning")
          expect(health.issues[0]).toContain("copy 'logs':")
          cluster.clearFaults()
          const recovered = yield* c.runOnce("logs")
          expect(recovered.lastError).toBeNull()
          expect(yield* c.healthCheck).toMatchObject({
            healthy: true,
            status: "healthy",
            message: "1 HDFS operations active"
          })
        })
      )
      expectOnlyCopy("x\n")
    })
  )

  it.live("fails over to the second namenode when the first turns standby", () =>
    Effect.gen(function* () {
      yield* sessionOn("a\n", (c, source) =>
        Effect.gen(function* () {
          cluster.activate(1)
          appendFileSync(source, "b\n")
          const before = cluster.requests.length
          const status = yield* c.runOnce("logs")
          expect(status.lastError).toBeNull()
          const served = cluster.requests.slice(before).filter((r) => r.node === "namenode")
          // GETFILESTATUS: standby answer, then the new active; APPEND and its length check stay there
          expect(served.map((r) => `${r.op}@${r.index}`)).toEqual([
            "GETFILESTATUS@0",
            "GETFILESTATUS@1",
            "APPEND@1",
            "GETFILESTATUS@1"
          ])
        })
      )
      expect(content("/jobs/42/train.log")).toBe("a\nb\n")
    })
  )
})

describe("operations", () => {
  it.live("copyOnce runs one pass without starting a copy, and only where copying is enabled", () =>
    Effect.gen(function* () {
      writeLog("once\n")
      const status = yield* withCopier(copier(), (c) =>
        Effect.gen(function* () {
          const status = yield* c.copyOnce(copy())
          expect(yield* c.listOperations).toEqual([])
          return status
        })
      )
      expect(status).toMatchObject({ runs: 1, filesCopied: 1, lastError: null, leaseHeld: null })
      expect(content("/jobs/42/train.log")).toBe("once\n")
      const captured = captureLogs()
      const skipped = yield* withCopier(
        copier({ env: { DISABLE_HDFS_COPY: "1" } }),
        (c) => c.copyOnce(copy()),
        captured
      )
      expect(skipped).toBeUndefined()
      expect(captured.lines.at(-1)).toBe(
        "HDFS copy operation 'logs' skipped: disabled in distributed system environment"
      )
    })
  )

  it.live("stopCopy waits for the file in flight, which lands whole", () =>
    Effect.gen(function* () {
      writeLog("a whole file\n")
      cluster.inject({ at: "datanode", op: "CREATE", kind: "slow", delayMs: 400 })
      yield* withCopier(copier(), (c) =>
        Effect.gen(function* () {
          yield* c.startCopy(copy()) // the first pass starts at once
          yield* Effect.promise(() =>
            waitFor("the first datanode request", () => cluster.requests.some((r) => r.node === "datanode"), {
              intervalMs: 10
            })
          )
          expect(yield* c.stopCopy("logs")).toBe(true)
          expect(content("/jobs/42/train.log")).toBe("a whole file\n")
        })
      )
    })
  )

  it.live("forgets files that disappeared and survives a damaged manifest", () =>
    Effect.gen(function* () {
      writeLog("kept\n")
      writeFileSync(join(logs, "old.log"), "old\n")
      yield* once(copier())
      rmSync(join(logs, "old.log"))
      yield* once(copier())
      const manifest = manifestPath(state, "logs")
      expect(Object.keys(JSON.parse(readFileSync(manifest, "utf8")).files)).toEqual([join(logs, "train.log")])
      writeFileSync(manifest, "{ cut in the mid")
      const captured = captureLogs()
      const before = cluster.requests.length
      const status = yield* withCopier(
        copier(),
        (c) => Effect.andThen(c.startCopy(copy()), c.runOnce("logs")),
        captured
      )
      expect(status.lastError).toBeNull()
      expect(writes(before)).toEqual([])
      expect(captured.lines.some((l) => l.includes("ignoring a damaged manifest"))).toBe(true)
    })
  )

  it.live("lists, stops and refuses bad or repeated operations with one-line errors", () =>
    Effect.gen(function* () {
      yield* session((c) =>
        Effect.gen(function* () {
          yield* c.startCopy(copy({ copyName: "other" }))
          const again = yield* Effect.flip(c.startCopy(copy()))
          expect(again.message).toBe("HDFS copy operation 'logs' is already running")
          const missing = yield* Effect.flip(c.startCopy(copy({ copyName: "x", destination: undefined })))
          expect(missing.message).toBe("copy 'x': no destination: pass destination or set HDFS_LOG_DEST")
          const badUrl = yield* Effect.flip(c.startCopy(copy({ copyName: "y", destination: "s3://b/x" })))
          expect(badUrl.reason).toBe("BadConfig")
          expect((yield* c.listOperations).map((o) => o.name)).toEqual(["logs", "other"])
          expect(yield* c.stopCopy("logs")).toBe(true)
          expect(yield* c.stopCopy("logs")).toBe(false)
          yield* c.stopAll
          expect(yield* c.listOperations).toEqual([])
        })
      )
    })
  )

  it.live("takes destination and interval from HDFS_LOG_DEST and HDFS_COPY_INTERVAL, {date} in LOG_TIMEZONE", () =>
    Effect.gen(function* () {
      writeLog("x\n")
      const env = { HDFS_LOG_DEST: "webhdfs://ignored/env/{date}", HDFS_COPY_INTERVAL: "5", LOG_TIMEZONE: "Asia/Tokyo" }
      const status = yield* once(copier({ env }), copy({ destination: undefined, intervalSeconds: undefined }))
      expect(status.config).toMatchObject({
        destination: "webhdfs://ignored/env/{date}",
        intervalSeconds: 5,
        timeZone: "Asia/Tokyo"
      })
      const day = new Intl.DateTimeFormat("en-CA", { timeZone: "Asia/Tokyo" }).format(new Date())
      expect(cluster.files()).toEqual([`/env/${day}/train.log`])
      const bad = yield* Effect.flip(
        once(copier({ env: { ...env, HDFS_COPY_INTERVAL: "soon" } }), copy({ intervalSeconds: undefined }))
      )
      expect(bad.message).toBe("HDFS_COPY_INTERVAL must be a positive number, got NaN")
    })
  )

  it.live("layerConfig reads its settings and the copier's variables through Config", () =>
    Effect.gen(function* () {
      writeLog("x\n")
      const settings = {
        stateDir: Config.String("STATE"),
        webhdfs: { namenodes: Config.Array(Schema.String, "NAMENODES"), user: Config.String("WHO") }
      }
      const fromMap = (env: Record<string, string>) =>
        Layer.provideMerge(
          HdfsCopier.layerConfig(settings, { context: context("coordinator", 0) }),
          ConfigProvider.layer(ConfigProvider.fromEnv({ env }))
        )
      const env = {
        STATE: state,
        NAMENODES: cluster.namenodes.join(","),
        WHO: "etl",
        HDFS_LOG_DEST: "webhdfs://ignored/config/{date}",
        HDFS_COPY_INTERVAL: "7"
      }
      const status = yield* Effect.gen(function* () {
        const c = yield* HdfsCopier.HdfsCopier
        yield* c.startCopy(copy({ destination: undefined, intervalSeconds: undefined }))
        return yield* c.runOnce("logs")
      }).pipe(Effect.provide(fromMap(env)), Effect.scoped)
      expect(status.config).toMatchObject({ destination: "webhdfs://ignored/config/{date}", intervalSeconds: 7 })
      expect(cluster.files()).toHaveLength(1)
      expect(readFileSync(manifestPath(state, "logs"), "utf8")).toContain("train.log")

      const off = yield* Effect.map(HdfsCopier.HdfsCopier, (c) => c.getStatus).pipe(
        Effect.flatten,
        Effect.provide(fromMap({ ...env, DLA_HDFS_COPY: "off" })),
        Effect.scoped
      )
      expect(off).toMatchObject({ enabled: false, environmentVariable: "DLA_HDFS_COPY" })

      const { STATE: _, ...missing } = env
      const error = yield* Effect.flip(Effect.scoped(Layer.build(fromMap(missing))))
      expect(error.reason).toBe("BadConfig")
      expect(error.message).toContain("STATE")
    })
  )
})
