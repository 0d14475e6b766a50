import { homedir } from "node:os"
import { join } from "node:path"
import { CopyConfig, HdfsError as HdfsErrors } from "@dla/hdfs"
import { describe, expect, it } from "@effect/vitest"
import { Result } from "effect"

const { HdfsError } = HdfsErrors

const base = { copyName: "logs", pathPatterns: "*.log", destination: "hdfs://nn/x" }
const failure = (options: CopyConfig.CopyOptions, env = {}) =>
  Result.getOrThrow(Result.flip(CopyConfig.resolveCopy(options, env))).message
const resolved = (options: CopyConfig.CopyOptions, env = {}) => Result.getOrThrow(CopyConfig.resolveCopy(options, env))

describe("CopyConfig", () => {
  it("settles the seeds' defaults", () => {
    expect(resolved(base, {})).toEqual({
      copyName: "logs",
      pathPatterns: ["*.log"],
      destination: "hdfs://nn/x",
      rootDir: undefined,
      intervalSeconds: 60,
      createDestDirs: true,
      preserveStructure: false,
      maxRetries: 3,
      retryDelaySeconds: 5,
      timeZone: "UTC"
    })
  })

  it("takes the destination, interval and time zone from the environment, options first", () => {
    const env = { HDFS_LOG_DEST: "file:///env", HDFS_COPY_INTERVAL: "15", LOG_TIMEZONE: "Europe/Berlin" }
    expect(resolved({ copyName: "a", pathPatterns: ["x"] }, env)).toMatchObject({
      destination: "file:///env",
      intervalSeconds: 15,
      timeZone: "Europe/Berlin"
    })
    expect(resolved({ ...base, intervalSeconds: 2 }, env)).toMatchObject({
      destination: "hdfs://nn/x",
      intervalSeconds: 2
    })
  })

  it("accepts preserveStructure without rootDir, as the LogManager guide's example does", () => {
    expect(resolved({ ...base, preserveStructure: true }, {})).toMatchObject({
      preserveStructure: true,
      rootDir: undefined
    })
  })

  it("rejects bad options with one-line errors", () => {
    expect(Result.getOrThrow(Result.flip(CopyConfig.resolveCopy({ ...base, copyName: " " }, {})))).toBeInstanceOf(
      HdfsError
    )
    expect(failure({ ...base, pathPatterns: [] })).toBe("copy 'logs': pathPatterns must name at least one pattern")
    expect(failure({ ...base, intervalSeconds: 0 })).toBe("intervalSeconds must be a positive number, got 0")
    expect(failure({ ...base, maxRetries: -1 })).toBe("maxRetries must be a non-negative number, got -1")
    expect(failure(base, { LOG_TIMEZONE: "Mars/Olympus" })).toBe(
      "LOG_TIMEZONE 'Mars/Olympus' is not a time zone (use e.g. UTC or Europe/Berlin)"
    )
  })

  it("fills {date} in the time zone", () => {
    const instant = new Date("2026-01-01T23:30:00Z")
    expect(CopyConfig.renderDestination("hdfs://nn/logs/{date}", instant, "UTC")).toBe("hdfs://nn/logs/2026-01-01")
    expect(CopyConfig.renderDestination("hdfs://nn/logs/{date}", instant, "Asia/Tokyo")).toBe(
      "hdfs://nn/logs/2026-01-02"
    )
  })

  it("reads WebHDFS settings and the state directory from the environment", () => {
    expect(
      CopyConfig.webHdfsFromEnv({
        HDFS_NAMENODES: "http://a:9870, http://b:9870,",
        HADOOP_USER_NAME: "etl",
        HDFS_DELEGATION_TOKEN: "tok"
      })
    ).toEqual({ namenodes: ["http://a:9870", "http://b:9870"], user: "etl", delegationToken: "tok" })
    expect(CopyConfig.webHdfsFromEnv({})).toEqual({})
    expect(CopyConfig.stateDirFromEnv({ DLA_HDFS_STATE_DIR: "/state" })).toBe("/state")
    expect(CopyConfig.stateDirFromEnv({ XDG_CACHE_HOME: "/cache" })).toBe("/cache/dla/hdfs")
    expect(CopyConfig.stateDirFromEnv({})).toBe(join(homedir(), ".cache", "dla", "hdfs"))
  })
})
