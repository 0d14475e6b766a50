import type * as DistributedContext from "@dla/core/DistributedContext"
import { LogConfig } from "@dla/logger"
import { describe, expect, it } from "vitest"

const tty = () => true
const resolve = (options: LogConfig.Options, env: DistributedContext.Env, terminal = tty) =>
  LogConfig.resolve(options, env, terminal)

describe("LogConfig", () => {
  it("isTruthy accepts 1/true/yes/on in any case", () => {
    expect(["1", "true", "YES", " on "].map(LogConfig.isTruthy)).toEqual([true, true, true, true])
    expect(["0", "no", "", undefined].map(LogConfig.isTruthy)).toEqual([false, false, false, false])
  })

  it("console on stderr, stdout with DLA_LOG_TO_STDOUT, a given fd, or off", () => {
    expect(resolve({}, {}).config.consoleFd).toBe(2)
    expect(resolve({}, { DLA_LOG_TO_STDOUT: "1" }).config.consoleFd).toBe(1)
    expect(resolve({ consoleFd: 9 }, { DLA_LOG_TO_STDOUT: "1" }).config.consoleFd).toBe(9)
    expect(resolve({ console: false }, {}).config.consoleFd).toBeUndefined()
  })

  it("colour only on a terminal and never with NO_COLOR", () => {
    expect(resolve({}, {}).config.color).toBe(true)
    expect(resolve({}, { NO_COLOR: "1" }).config.color).toBe(false)
    expect(resolve({}, {}, () => false).config.color).toBe(false)
    expect(resolve({ console: false }, {}).config.color).toBe(false)
  })

  it("the level: *_LOG_DEBUG, then DLA_LOG_LEVEL, then LOG_LEVEL, then the code's, then INFO", () => {
    const level = (options: LogConfig.Options, env: DistributedContext.Env) => resolve(options, env).config.level
    expect(level({ level: "warn" }, {})).toBe("WARN")
    expect(level({ level: "warn" }, { LOG_LEVEL: "debug" })).toBe("DEBUG")
    expect(level({ level: "warn" }, { LOG_LEVEL: "debug", DLA_LOG_LEVEL: "error" })).toBe("ERROR")
    expect(level({}, { DLA_LOG_LEVEL: "error", NVRX_LOG_DEBUG: "1" })).toBe("DEBUG")
    expect(resolve({}, { DLA_LOG_LEVEL: "loud" }).warnings).toEqual([
      "DLA_LOG_LEVEL=loud is not a level; using INFO (levels: TRACE, DEBUG, INFO, NOTICE, WARN, ERROR, FATAL)"
    ])
  })

  it("bad levels and numbers warn in one line and fall back", () => {
    const { config, warnings } = resolve(
      { name: "dla" },
      { LOG_LEVEL: "loud", DLA_NODE_LOCAL_TMPDIR: "/t", DLA_LOG_MAX_FILE_SIZE_KB: "-1", DLA_LOG_MAX_LOG_FILES: "x" }
    )
    expect(config.level).toBe("INFO")
    expect(config.aggregation).toEqual({
      tmpDir: "/t",
      prefix: "dla",
      layout: "dla",
      maxFileBytes: 10240,
      maxFiles: 4,
      maxNodeFileBytes: 104857600
    })
    expect(warnings).toEqual([
      "LOG_LEVEL=loud is not a level; using INFO (levels: TRACE, DEBUG, INFO, NOTICE, WARN, ERROR, FATAL)",
      "DLA_LOG_MAX_FILE_SIZE_KB=-1 is not a positive number; using 10",
      "DLA_LOG_MAX_LOG_FILES=x is not a positive number; using 4"
    ])
    expect(resolve({ level: "chatty" }, {}).warnings).toHaveLength(1)
  })

  it("aggregation only with DLA_NODE_LOCAL_TMPDIR, with its size and count settings", () => {
    expect(resolve({}, {}).config.aggregation).toBeUndefined()
    expect(
      resolve({}, { DLA_NODE_LOCAL_TMPDIR: "/t", DLA_LOG_MAX_FILE_SIZE_KB: "2", DLA_LOG_MAX_LOG_FILES: "7" }).config
        .aggregation
    ).toMatchObject({ maxFileBytes: 2048, maxFiles: 7 })
  })

  it("defaults: name from the script, rank hidden (as the guide's show_rank), JSON and source from the environment", () => {
    const { config } = resolve({}, { DLA_LOG_JSON: "on", DLA_LOG_SOURCE: "1" })
    expect(config).toMatchObject({ showRank: false, json: true, source: true, runDir: undefined })
    expect(config.name).toBe(LogConfig.scriptName())
    expect(LogConfig.scriptName(["node", "/work/dist/train.js"])).toBe("train")
    expect(LogConfig.scriptName(["python", "script.py"])).toBe("script")
    expect(LogConfig.scriptName(["node"])).toBe("dla")
  })

  it("every NVRX_* variable of the NVRx guide is an alias of its DLA_* twin; DLA_* wins when both are set", () => {
    const nvrx = resolve(
      {},
      {
        NVRX_NODE_LOCAL_TMPDIR: "/n",
        NVRX_LOG_DEBUG: "yes",
        NVRX_LOG_TO_STDOUT: "1",
        NVRX_LOG_MAX_FILE_SIZE_KB: "3",
        NVRX_LOG_MAX_LOG_FILES: "6"
      }
    ).config
    expect(nvrx).toMatchObject({ level: "DEBUG", consoleFd: 1 })
    expect(nvrx.aggregation).toMatchObject({ tmpDir: "/n", maxFileBytes: 3072, maxFiles: 6 })
    const both = resolve(
      {},
      {
        NVRX_NODE_LOCAL_TMPDIR: "/n",
        DLA_NODE_LOCAL_TMPDIR: "/d",
        NVRX_LOG_TO_STDOUT: "1",
        DLA_LOG_TO_STDOUT: "0",
        NVRX_LOG_MAX_LOG_FILES: "x",
        DLA_LOG_MAX_LOG_FILES: "2"
      }
    )
    expect(both.config).toMatchObject({ consoleFd: 2, aggregation: { tmpDir: "/d", maxFiles: 2 } })
    expect(both.warnings).toEqual([])
    // A bad alias is named in the warning by its own name.
    expect(resolve({}, { NVRX_NODE_LOCAL_TMPDIR: "/n", NVRX_LOG_MAX_LOG_FILES: "x" }).warnings).toEqual([
      "NVRX_LOG_MAX_LOG_FILES=x is not a positive number; using 4"
    ])
  })

  it("NVRx's setup_logger options: node-local dir (wins over the environment), prefix, and the guide's layout", () => {
    const { aggregation } = resolve(
      { nodeLocalTmpDir: "/mine", nodeLocalTmpPrefix: "mytraining", nodeLayout: "nvrx", name: "train" },
      { NVRX_NODE_LOCAL_TMPDIR: "/env" }
    ).config
    expect(aggregation).toMatchObject({ tmpDir: "/mine", prefix: "mytraining", layout: "nvrx" })
    expect(resolve({ name: "train" }, { DLA_NODE_LOCAL_TMPDIR: "/t" }).config.aggregation).toMatchObject({
      prefix: "train",
      layout: "dla"
    })
  })

  it("file names: rank 0 owns the plain name; the node file and message dir are named after the node", () => {
    expect(LogConfig.rankFileName("train", 0)).toBe("train.log")
    expect(LogConfig.rankFileName("train", 12)).toBe("train_12.log")
    expect(LogConfig.nodeFileName("train", "gpu-1.cluster/x")).toBe("train_node_gpu-1.cluster_x.log")
    expect(LogConfig.messageDir("/tmp/j", "gpu 1")).toBe("/tmp/j/node_gpu_1")
  })
})
