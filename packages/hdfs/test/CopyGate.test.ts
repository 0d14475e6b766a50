import { DistributedContext } from "@dla/core"
import * as CopyGate from "@dla/hdfs/CopyGate"
import { HdfsError } from "@dla/hdfs/HdfsError"
import { describe, expect, it } from "@effect/vitest"
import { Result } from "effect"
import { context } from "./support/helpers.ts"

/** The gate, when resolving succeeds. */
const resolve = (...args: Parameters<typeof CopyGate.resolve>) => Result.getOrThrow(CopyGate.resolve(...args))

describe("CopyGate.resolve", () => {
  it("enables copying by default", () => {
    expect(resolve({})).toEqual({
      enabled: true,
      reason: "default behavior",
      environmentVariable: null,
      message: "HDFS copy enabled (default behavior)"
    })
  })

  it("disables on DISABLE_HDFS_COPY and RAY_DISABLE_HDFS_COPY", () => {
    expect(resolve({ DISABLE_HDFS_COPY: "true" })).toMatchObject({
      enabled: false,
      environmentVariable: "DISABLE_HDFS_COPY",
      message: "HDFS copy disabled via DISABLE_HDFS_COPY environment variable"
    })
    expect(resolve({ RAY_DISABLE_HDFS_COPY: "1" })).toMatchObject({
      enabled: false,
      environmentVariable: "RAY_DISABLE_HDFS_COPY",
      message: "HDFS copy disabled via RAY_DISABLE_HDFS_COPY environment variable"
    })
    expect(resolve({ DISABLE_HDFS_COPY: "false" })).toMatchObject({ enabled: true })
  })

  it("disables on a detected worker and keeps the coordinator enabled", () => {
    expect(resolve({}, context("worker", 3))).toMatchObject({
      enabled: false,
      reason: "torchrun worker (rank 3) detected",
      environmentVariable: null
    })
    expect(resolve({}, { ...context("worker", 2), roleVariable: "RANK" })).toMatchObject({
      reason: "torchrun worker (rank 2, from RANK) detected",
      environmentVariable: "RANK"
    })
    expect(resolve({}, context("coordinator", 0))).toMatchObject({ enabled: true, reason: "default behavior" })
  })

  it("disables on every worker role @dla/core detects, and only there", () => {
    const gate = (env: Record<string, string>) =>
      resolve(env, DistributedContext.detect(env, { hostname: () => "h" })).message
    expect(gate({ RAY_RAYLET_PID: "12" })).toBe(
      "HDFS copy disabled: ray worker (rank 0, from RAY_RAYLET_PID) detected; set DLA_HDFS_COPY=force to copy from here anyway"
    )
    expect(gate({ SPARK_EXECUTOR_ID: "3" })).toContain("spark worker (rank 0, from SPARK_EXECUTOR_ID) detected")
    expect(gate({ DASK_WORKER_NAME: "w1" })).toContain("dask worker (rank 0, from DASK_WORKER_NAME) detected")
    expect(gate({ SLURM_PROCID: "2", SLURM_NTASKS: "4" })).toContain(
      "slurm worker (rank 2, from SLURM_PROCID) detected"
    )
    expect(gate({ JOB_COMPLETION_INDEX: "1" })).toContain("kubernetes worker (rank 1, from JOB_COMPLETION_INDEX)")
    expect(gate({ SLURM_PROCID: "0", SLURM_NTASKS: "4" })).toBe("HDFS copy enabled (default behavior)")
    expect(gate({ JOB_COMPLETION_INDEX: "0" })).toBe("HDFS copy enabled (default behavior)")
  })

  it("lets DLA_HDFS_COPY win over the disable variables and the detected role", () => {
    expect(resolve({ DLA_HDFS_COPY: "force", DISABLE_HDFS_COPY: "true" }, context("worker", 3))).toMatchObject({
      enabled: true,
      environmentVariable: "DLA_HDFS_COPY"
    })
    expect(resolve({ DLA_HDFS_COPY: "off" }, context("coordinator", 0))).toMatchObject({
      enabled: false,
      environmentVariable: "DLA_HDFS_COPY"
    })
    expect(resolve({ DLA_HDFS_COPY: "auto" }, context("worker", 1))).toMatchObject({ enabled: false })
  })

  it("rejects an unknown override value with a one-line error", () => {
    const result = CopyGate.resolve({ DLA_HDFS_COPY: "sometimes" })
    const error = Result.isFailure(result) ? result.failure : undefined
    expect(error).toBeInstanceOf(HdfsError)
    expect(error?.message).toBe("DLA_HDFS_COPY must be force, off or auto, got 'sometimes'")
  })
})
