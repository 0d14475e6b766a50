import { DistributedContext } from "@dla/core"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit, Layer, Result, Schema } from "effect"

const host = { hostname: () => "host-a" }
const detect = (env: DistributedContext.Env) => DistributedContext.detect(env, host)

/** Asserts `env` is rejected with a message naming `variable` (and `mentions`, when given). */
const rejects = (env: DistributedContext.Env, variable: string, ...mentions: ReadonlyArray<string>) => {
  const result = DistributedContext.decode(env, host)
  if (Result.isSuccess(result)) throw new Error(`expected an error for ${JSON.stringify(env)}`)
  const error = result.failure
  expect(error._tag).toBe("DistributedContextError")
  expect(error.variable).toBe(variable)
  expect(error.message).toContain(`Invalid ${variable}=`)
  for (const mention of mentions) expect(error.message).toContain(mention)
}

describe("DistributedContext.detect: one launcher at a time", () => {
  const cases: ReadonlyArray<{
    readonly name: string
    readonly env: DistributedContext.Env
    readonly expected: Partial<DistributedContext.DistributedContext>
  }> = [
    {
      name: "torchrun rank 0",
      env: { RANK: "0", LOCAL_RANK: "0", WORLD_SIZE: "8", LOCAL_WORLD_SIZE: "4", GROUP_RANK: "0" },
      expected: {
        launcher: "torchrun",
        role: "coordinator",
        rank: 0,
        localRank: 0,
        worldSize: 8,
        localWorldSize: 4,
        nodeRank: 0,
        nodeId: "host-a",
        isMaster: true,
        isDistributed: true,
        roleVariable: "RANK"
      }
    },
    {
      name: "torchrun rank 6 on the second node",
      env: {
        RANK: "6",
        LOCAL_RANK: "2",
        WORLD_SIZE: "8",
        LOCAL_WORLD_SIZE: "4",
        GROUP_RANK: "1",
        GROUP_WORLD_SIZE: "2"
      },
      expected: { launcher: "torchrun", role: "worker", rank: 6, localRank: 2, nodeRank: 1, isMaster: false }
    },
    {
      name: "Ray Train worker (torch convention with NODE_RANK)",
      env: { RANK: "3", LOCAL_RANK: "1", WORLD_SIZE: "4", LOCAL_WORLD_SIZE: "2", NODE_RANK: "1", RAY_RAYLET_PID: "7" },
      expected: { launcher: "torchrun", role: "worker", rank: 3, nodeRank: 1 }
    },
    {
      name: "manual DDP with RANK and WORLD_SIZE only: one process per node",
      env: { RANK: "2", WORLD_SIZE: "4" },
      expected: { launcher: "torchrun", rank: 2, localRank: 0, localWorldSize: 1, nodeRank: 2 }
    },
    {
      name: "no world size: the smallest consistent with rank and local size",
      env: { RANK: "1", LOCAL_RANK: "1", LOCAL_WORLD_SIZE: "4" },
      expected: { rank: 1, worldSize: 4, localWorldSize: 4, nodeRank: 0 }
    },
    {
      name: "torchrun without GROUP_RANK: node rank from block placement",
      env: { RANK: "5", LOCAL_RANK: "1", WORLD_SIZE: "8", LOCAL_WORLD_SIZE: "4" },
      expected: { nodeRank: 1 }
    },
    {
      name: "Slurm srun task on the third node",
      env: {
        SLURM_PROCID: "9",
        SLURM_LOCALID: "1",
        SLURM_NODEID: "2",
        SLURM_NTASKS: "12",
        SLURM_NNODES: "3",
        SLURM_TASKS_PER_NODE: "4(x3)",
        SLURMD_NODENAME: "gpu-017"
      },
      expected: {
        launcher: "slurm",
        role: "worker",
        rank: 9,
        localRank: 1,
        worldSize: 12,
        localWorldSize: 4,
        nodeRank: 2,
        nodeId: "gpu-017",
        roleVariable: "SLURM_PROCID"
      }
    },
    {
      name: "Slurm uneven tasks per node, step values before job values",
      env: {
        SLURM_PROCID: "6",
        SLURM_LOCALID: "0",
        SLURM_NODEID: "3",
        SLURM_NTASKS: "99",
        SLURM_STEP_NUM_TASKS: "7",
        SLURM_STEP_TASKS_PER_NODE: "2(x3),1",
        SLURM_TASKS_PER_NODE: "33(x3)"
      },
      expected: { rank: 6, worldSize: 7, localWorldSize: 1, nodeRank: 3 }
    },
    {
      name: "Slurm batch script without --ntasks: rank 0 alone",
      env: { SLURM_PROCID: "0", SLURM_NODEID: "0", SLURM_LOCALID: "0", SLURM_JOB_ID: "42" },
      expected: { launcher: "slurm", rank: 0, worldSize: 1, isMaster: true }
    },
    {
      name: "Open MPI",
      env: {
        OMPI_COMM_WORLD_RANK: "5",
        OMPI_COMM_WORLD_SIZE: "8",
        OMPI_COMM_WORLD_LOCAL_RANK: "1",
        OMPI_COMM_WORLD_LOCAL_SIZE: "4"
      },
      expected: {
        launcher: "openmpi",
        rank: 5,
        worldSize: 8,
        localRank: 1,
        localWorldSize: 4,
        nodeRank: 1,
        roleVariable: "OMPI_COMM_WORLD_RANK"
      }
    },
    {
      name: "MPICH / Intel MPI (Hydra)",
      env: { PMI_RANK: "0", PMI_SIZE: "4", MPI_LOCALRANKID: "0", MPI_LOCALNRANKS: "2" },
      expected: { launcher: "mpich", rank: 0, worldSize: 4, localWorldSize: 2, isMaster: true }
    },
    {
      name: "SkyPilot second node",
      env: { SKYPILOT_NODE_RANK: "1", SKYPILOT_NUM_NODES: "2", SKYPILOT_NODE_IPS: "10.0.0.1\n10.0.0.2" },
      expected: { launcher: "skypilot", role: "worker", rank: 1, worldSize: 2, nodeRank: 1, localWorldSize: 1 }
    },
    {
      name: "Ray task or actor process",
      env: { RAY_RAYLET_PID: "1234", RAY_JOB_ID: "01000000" },
      expected: { launcher: "ray", role: "worker", rank: 0, isMaster: false, roleVariable: "RAY_RAYLET_PID" }
    },
    {
      name: "KubeRay head pod",
      env: { KUBERAY_GEN_RAY_START_CMD: "ray start --head --dashboard-host=0.0.0.0 --block", RAY_CLUSTER_NAME: "c" },
      expected: { launcher: "ray", role: "coordinator", isMaster: true, roleVariable: "KUBERAY_GEN_RAY_START_CMD" }
    },
    {
      name: "KubeRay worker pod",
      env: { KUBERAY_GEN_RAY_START_CMD: "ray start --address=c-head-svc:6379 --block", FQ_RAY_IP: "c-head-svc" },
      expected: { launcher: "ray", role: "worker", isMaster: false }
    },
    {
      name: "KubeRay worker pod, start command not exposed",
      env: { FQ_RAY_IP: "c-head-svc.default.svc.cluster.local" },
      expected: { launcher: "ray", role: "worker", roleVariable: "FQ_RAY_IP" }
    },
    {
      name: "Spark executor pod",
      env: { SPARK_EXECUTOR_ID: "3", SPARK_DRIVER_URL: "spark://CoarseGrainedScheduler@driver:7078" },
      expected: { launcher: "spark", role: "worker", isMaster: false, roleVariable: "SPARK_EXECUTOR_ID" }
    },
    {
      name: "Spark driver pod",
      env: { SPARK_DRIVER_BIND_ADDRESS: "10.1.2.3" },
      expected: { launcher: "spark", role: "coordinator", isMaster: true }
    },
    {
      name: "Dask worker pod (dask-kubernetes operator)",
      env: { DASK_WORKER_NAME: "c-default-worker-1a2b", DASK_SCHEDULER_ADDRESS: "tcp://c-scheduler:8786" },
      expected: { launcher: "dask", role: "worker", roleVariable: "DASK_WORKER_NAME" }
    },
    {
      name: "Kubernetes Indexed Job pod 2",
      env: { JOB_COMPLETION_INDEX: "2", KUBERNETES_SERVICE_HOST: "10.96.0.1" },
      expected: { launcher: "kubernetes", role: "worker", rank: 2, nodeRank: 2, worldSize: 3 }
    },
    {
      name: "Kubernetes Indexed Job pod 0 with its size given explicitly",
      env: { JOB_COMPLETION_INDEX: "0", DLA_WORLD_SIZE: "4" },
      expected: { launcher: "kubernetes", role: "coordinator", rank: 0, worldSize: 4, isMaster: true }
    }
  ]
  it.each(cases)("$name", ({ env, expected }) => {
    expect(detect(env)).toMatchObject(expected)
  })
})

describe("DistributedContext.detect: no launcher", () => {
  it("is a standalone coordinator, not distributed", () => {
    const context = detect({ HOME: "/root", KUBERNETES_SERVICE_HOST: "10.96.0.1" })
    expect(context).toEqual(DistributedContext.standalone("host-a"))
    // and `standalone` itself is a world of one whose only process coordinates
    expect(context).toMatchObject({ launcher: "none", role: "coordinator", isMaster: true, isDistributed: false })
    expect(context).toMatchObject({ rank: 0, localRank: 0, nodeRank: 0, worldSize: 1, localWorldSize: 1 })
  })
  it("ignores variables that carry no role (DASK_SCHEDULER_ADDRESS, RAY_ADDRESS, LOCAL_RANK alone)", () => {
    const context = detect({ DASK_SCHEDULER_ADDRESS: "tcp://s:8786", RAY_ADDRESS: "auto", LOCAL_RANK: "0" })
    expect(context.launcher).toBe("none")
  })
  it("reads the host name from the node when none is given", () => {
    expect(DistributedContext.detect({}).nodeId.length).toBeGreaterThan(0)
  })
})

describe("DistributedContext.detect: precedence", () => {
  // [environment as `NAME=value` pairs, the launcher that wins, its rank]
  const cases: ReadonlyArray<readonly [string, DistributedContext.Launcher, number]> = [
    // torchrun inside srun: torchrun's RANK, not SLURM_PROCID
    ["RANK=5 WORLD_SIZE=8 LOCAL_RANK=1 LOCAL_WORLD_SIZE=4 SLURM_PROCID=1 SLURM_NTASKS=2", "torchrun", 5],
    // mpirun inside a Slurm allocation: Open MPI wins
    ["OMPI_COMM_WORLD_RANK=3 OMPI_COMM_WORLD_SIZE=4 SLURM_PROCID=0 SLURM_NTASKS=1", "openmpi", 3],
    // Hydra inside Slurm: MPICH wins
    ["PMI_RANK=2 PMI_SIZE=4 SLURM_PROCID=0 SLURM_NTASKS=1", "mpich", 2],
    // torchrun under SkyPilot: torchrun wins
    ["RANK=9 WORLD_SIZE=16 SKYPILOT_NODE_RANK=1 SKYPILOT_NUM_NODES=2", "torchrun", 9],
    // torchrun in an Open MPI job: torchrun wins
    ["RANK=1 WORLD_SIZE=2 OMPI_COMM_WORLD_RANK=0 OMPI_COMM_WORLD_SIZE=1", "torchrun", 1],
    // Open MPI over PMI variables a PMI-based runtime also set
    ["OMPI_COMM_WORLD_RANK=1 OMPI_COMM_WORLD_SIZE=2 PMI_RANK=0 PMI_SIZE=1", "openmpi", 1],
    // Slurm over SkyPilot
    ["SLURM_PROCID=1 SLURM_NTASKS=2 SKYPILOT_NODE_RANK=0 SKYPILOT_NUM_NODES=1", "slurm", 1],
    // SkyPilot over a Ray worker process
    ["SKYPILOT_NODE_RANK=0 SKYPILOT_NUM_NODES=2 RAY_RAYLET_PID=1", "skypilot", 0],
    // Ray over Spark, Spark over Dask, Dask over Kubernetes
    ["RAY_RAYLET_PID=1 SPARK_EXECUTOR_ID=1 DASK_WORKER_NAME=w JOB_COMPLETION_INDEX=1", "ray", 0],
    // Dask worker in an Indexed Job
    ["DASK_WORKER_NAME=w JOB_COMPLETION_INDEX=1", "dask", 0]
  ]
  it.each(cases)("%s: %s wins, rank %i", (env, launcher, rank) => {
    const context = detect(Object.fromEntries(env.split(" ").map((pair) => pair.split("="))))
    expect(context.launcher).toBe(launcher)
    expect(context.rank).toBe(rank)
  })
  it("does not validate the variables of a launcher that lost", () => {
    expect(detect({ RANK: "1", WORLD_SIZE: "2", SLURM_PROCID: "abc" }).rank).toBe(1)
  })
})

describe("DistributedContext.detect: DLA_* overrides win over detection", () => {
  it("DLA_ROLE=worker demotes a detected rank 0, which then is not master", () => {
    const context = detect({ RANK: "0", WORLD_SIZE: "2", DLA_ROLE: "worker" })
    expect(context).toMatchObject({ launcher: "torchrun", role: "worker", rank: 0, isMaster: false })
    expect(context.roleVariable).toBe("DLA_ROLE")
  })
  it("DLA_ROLE=coordinator promotes a Spark executor (case-insensitive)", () => {
    const context = detect({ SPARK_EXECUTOR_ID: "1", DLA_ROLE: " Coordinator " })
    expect(context).toMatchObject({ launcher: "spark", role: "coordinator", isMaster: true })
  })
  it("a coordinator role on a non-zero rank is not master", () => {
    expect(detect({ RANK: "3", WORLD_SIZE: "4", DLA_ROLE: "coordinator" }).isMaster).toBe(false)
  })
  it("DLA_RANK and friends replace single fields and keep the rest", () => {
    const context = detect({
      SLURM_PROCID: "0",
      SLURM_NTASKS: "4",
      SLURM_LOCALID: "0",
      SLURM_NODEID: "0",
      DLA_RANK: "3",
      DLA_LOCAL_RANK: "1",
      DLA_LOCAL_WORLD_SIZE: "2",
      DLA_NODE_RANK: "1",
      DLA_NODE_ID: "pod-a"
    })
    expect(context).toMatchObject({
      launcher: "slurm",
      role: "worker",
      rank: 3,
      worldSize: 4,
      localRank: 1,
      localWorldSize: 2,
      nodeRank: 1,
      nodeId: "pod-a",
      roleVariable: "DLA_RANK"
    })
  })
  it("DLA_* alone make an explicit distributed context (e.g. the StatefulSet pod index via the downward API)", () => {
    expect(detect({ DLA_RANK: "2", DLA_WORLD_SIZE: "3" })).toMatchObject({
      launcher: "explicit",
      role: "worker",
      rank: 2,
      worldSize: 3,
      nodeRank: 2,
      isDistributed: true
    })
    expect(detect({ DLA_ROLE: "worker" })).toMatchObject({ launcher: "explicit", role: "worker", rank: 0 })
  })
  it("DLA_NODE_ID alone names the node without making the process distributed", () => {
    expect(detect({ DLA_NODE_ID: "box" })).toMatchObject({ launcher: "none", nodeId: "box", isDistributed: false })
  })
  it("an override is checked against the detected sizes", () => {
    rejects({ RANK: "0", WORLD_SIZE: "4", DLA_RANK: "4" }, "DLA_RANK", "WORLD_SIZE=4")
  })
})

describe("DistributedContext.decode: malformed values name the variable", () => {
  const cases: ReadonlyArray<{
    readonly name: string
    readonly env: DistributedContext.Env
    readonly variable: string
    readonly mentions?: ReadonlyArray<string>
  }> = [
    { name: "RANK=abc", env: { RANK: "abc", WORLD_SIZE: "2" }, variable: "RANK", mentions: ['"abc"'] },
    { name: "RANK empty", env: { RANK: "", WORLD_SIZE: "2" }, variable: "RANK" },
    { name: "RANK negative", env: { RANK: "-1", WORLD_SIZE: "2" }, variable: "RANK", mentions: ["non-negative"] },
    { name: "RANK fractional", env: { RANK: "1.5", WORLD_SIZE: "2" }, variable: "RANK" },
    { name: "RANK beyond 2^53", env: { RANK: "9007199254740993" }, variable: "RANK", mentions: ["too large"] },
    { name: "RANK >= WORLD_SIZE", env: { RANK: "4", WORLD_SIZE: "4" }, variable: "RANK", mentions: ["WORLD_SIZE=4"] },
    { name: "WORLD_SIZE=0", env: { RANK: "0", WORLD_SIZE: "0" }, variable: "WORLD_SIZE", mentions: ["at least 1"] },
    { name: "WORLD_SIZE=x", env: { RANK: "0", WORLD_SIZE: "x" }, variable: "WORLD_SIZE" },
    {
      name: "LOCAL_RANK >= LOCAL_WORLD_SIZE",
      env: { RANK: "0", WORLD_SIZE: "8", LOCAL_RANK: "4", LOCAL_WORLD_SIZE: "4" },
      variable: "LOCAL_RANK",
      mentions: ["LOCAL_WORLD_SIZE=4"]
    },
    {
      name: "LOCAL_WORLD_SIZE > WORLD_SIZE",
      env: { RANK: "0", WORLD_SIZE: "2", LOCAL_RANK: "0", LOCAL_WORLD_SIZE: "4" },
      variable: "LOCAL_WORLD_SIZE",
      mentions: ["WORLD_SIZE=2"]
    },
    { name: "LOCAL_RANK=one", env: { RANK: "0", LOCAL_RANK: "one" }, variable: "LOCAL_RANK" },
    {
      name: "GROUP_RANK >= GROUP_WORLD_SIZE",
      env: { RANK: "0", WORLD_SIZE: "4", GROUP_RANK: "2", GROUP_WORLD_SIZE: "2" },
      variable: "GROUP_RANK",
      mentions: ["GROUP_WORLD_SIZE=2"]
    },
    { name: "SLURM_PROCID=abc", env: { SLURM_PROCID: "abc" }, variable: "SLURM_PROCID" },
    {
      name: "SLURM_PROCID >= SLURM_NTASKS",
      env: { SLURM_PROCID: "2", SLURM_NTASKS: "2" },
      variable: "SLURM_PROCID",
      mentions: ["SLURM_NTASKS=2"]
    },
    {
      name: "SLURM_NODEID >= SLURM_NNODES",
      env: { SLURM_PROCID: "0", SLURM_NTASKS: "4", SLURM_NODEID: "2", SLURM_NNODES: "2" },
      variable: "SLURM_NODEID",
      mentions: ["SLURM_NNODES=2"]
    },
    {
      name: "SLURM_TASKS_PER_NODE garbled",
      env: { SLURM_PROCID: "0", SLURM_NODEID: "0", SLURM_TASKS_PER_NODE: "2(y3)" },
      variable: "SLURM_TASKS_PER_NODE"
    },
    {
      name: "SLURM_LOCALID beyond the node's task count",
      env: {
        SLURM_PROCID: "1",
        SLURM_NTASKS: "4",
        SLURM_LOCALID: "1",
        SLURM_NODEID: "0",
        SLURM_TASKS_PER_NODE: "1(x4)"
      },
      variable: "SLURM_LOCALID",
      mentions: ["SLURM_TASKS_PER_NODE=1"]
    },
    {
      name: "OMPI_COMM_WORLD_RANK >= OMPI_COMM_WORLD_SIZE",
      env: { OMPI_COMM_WORLD_RANK: "8", OMPI_COMM_WORLD_SIZE: "8" },
      variable: "OMPI_COMM_WORLD_RANK"
    },
    {
      name: "OMPI_COMM_WORLD_LOCAL_SIZE=-2",
      env: { OMPI_COMM_WORLD_RANK: "0", OMPI_COMM_WORLD_LOCAL_SIZE: "-2" },
      variable: "OMPI_COMM_WORLD_LOCAL_SIZE"
    },
    { name: "PMI_RANK=x", env: { PMI_RANK: "x", PMI_SIZE: "2" }, variable: "PMI_RANK" },
    { name: "PMI_RANK >= PMI_SIZE", env: { PMI_RANK: "3", PMI_SIZE: "2" }, variable: "PMI_RANK" },
    { name: "MPI_LOCALRANKID=?", env: { PMI_RANK: "0", MPI_LOCALRANKID: "?" }, variable: "MPI_LOCALRANKID" },
    { name: "SKYPILOT_NODE_RANK=first", env: { SKYPILOT_NODE_RANK: "first" }, variable: "SKYPILOT_NODE_RANK" },
    {
      name: "SKYPILOT_NODE_RANK >= SKYPILOT_NUM_NODES",
      env: { SKYPILOT_NODE_RANK: "2", SKYPILOT_NUM_NODES: "2" },
      variable: "SKYPILOT_NODE_RANK"
    },
    { name: "JOB_COMPLETION_INDEX=a", env: { JOB_COMPLETION_INDEX: "a" }, variable: "JOB_COMPLETION_INDEX" },
    { name: "DLA_ROLE=boss", env: { DLA_ROLE: "boss" }, variable: "DLA_ROLE", mentions: ["coordinator or worker"] },
    { name: "DLA_RANK=x", env: { DLA_RANK: "x" }, variable: "DLA_RANK" },
    { name: "DLA_WORLD_SIZE=0", env: { DLA_WORLD_SIZE: "0" }, variable: "DLA_WORLD_SIZE" },
    {
      name: "DLA_LOCAL_RANK >= DLA_LOCAL_WORLD_SIZE",
      env: { DLA_LOCAL_RANK: "2", DLA_LOCAL_WORLD_SIZE: "2" },
      variable: "DLA_LOCAL_RANK"
    },
    { name: "DLA_NODE_RANK=-1", env: { DLA_NODE_RANK: "-1" }, variable: "DLA_NODE_RANK" }
  ]
  it.each(cases)("$name", ({ env, variable, mentions = [] }) => rejects(env, variable, ...mentions))

  it("detect throws the same tagged error", () => {
    expect(() => detect({ RANK: "abc" })).toThrow(DistributedContext.DistributedContextError)
    expect(() => detect({ RANK: "abc" })).toThrow('Invalid RANK="abc": expected a non-negative integer')
  })
  it("decode succeeds with the detected context", () => {
    const result = DistributedContext.decode({ RANK: "1", WORLD_SIZE: "2" }, host)
    expect(Result.isSuccess(result) && result.success.rank).toBe(1)
  })
})

/** Sets `variables` in process.env; the function returned puts back what was there. */
const setEnv = (variables: Record<string, string>) => {
  const before = Object.fromEntries(Object.keys(variables).map((key) => [key, process.env[key]]))
  Object.assign(process.env, variables)
  return () => {
    for (const [key, value] of Object.entries(before)) {
      if (value === undefined) delete process.env[key]
      else process.env[key] = value
    }
  }
}

/** Runs `body` with `variables` set in process.env, restoring it afterwards. */
const withEnv = (variables: Record<string, string>, body: () => void) => {
  const restore = setEnv(variables)
  try {
    body()
  } finally {
    restore()
  }
}

describe("DistributedContext.getNodeRank", () => {
  it("is undefined outside a distributed context", () => {
    expect(DistributedContext.getNodeRank({})).toBeUndefined()
  })
  it("is the process's rank, as the logging-helpers guide's get_node_rank(), not the node's index", () => {
    expect(DistributedContext.getNodeRank({ RANK: "0", WORLD_SIZE: "2" })).toBe(0)
    // Two ranks on one node get two shards: the guide's sharding example.
    expect(DistributedContext.getNodeRank({ RANK: "3", LOCAL_RANK: "1", LOCAL_WORLD_SIZE: "2", WORLD_SIZE: "4" })).toBe(
      3
    )
    expect(DistributedContext.getNodeRank({ OMPI_COMM_WORLD_RANK: "2", OMPI_COMM_WORLD_SIZE: "4" })).toBe(2)
    expect(DistributedContext.getNodeRank({ SKYPILOT_NODE_RANK: "1", SKYPILOT_NUM_NODES: "2" })).toBe(1)
    expect(DistributedContext.getNodeRank({ SLURM_PROCID: "5", SLURM_NTASKS: "8", SLURM_NODEID: "1" })).toBe(5)
  })
  it("throws on a malformed value", () => {
    expect(() => DistributedContext.getNodeRank({ SLURM_PROCID: "1", SLURM_NODEID: "x" })).toThrow("SLURM_NODEID")
  })
  it("reads process.env by default", () => {
    withEnv({ DLA_RANK: "3" }, () => expect(DistributedContext.getNodeRank()).toBe(3))
  })
})

describe("DistributedContext.getNodeIndex", () => {
  it("is the node's index in the job, undefined outside one", () => {
    expect(DistributedContext.getNodeIndex({})).toBeUndefined()
    expect(DistributedContext.getNodeIndex({ SLURM_PROCID: "5", SLURM_NTASKS: "8", SLURM_NODEID: "1" })).toBe(1)
    expect(DistributedContext.getNodeIndex({ RANK: "3", LOCAL_WORLD_SIZE: "2", WORLD_SIZE: "4" })).toBe(1)
  })
  it("reads process.env by default", () => {
    withEnv({ DLA_NODE_RANK: "3" }, () => expect(DistributedContext.getNodeIndex()).toBe(3))
  })
})

describe("DistributedContext: Effect API", () => {
  /** Runs `body` with `variables` set in process.env, restoring it afterwards. */
  const withEnvEffect = <A, E>(variables: Record<string, string>, body: Effect.Effect<A, E>) =>
    Effect.acquireUseRelease(
      Effect.sync(() => setEnv(variables)),
      () => body,
      (restore) => Effect.sync(restore)
    )

  it.effect("fromEnv reads process.env", () =>
    withEnvEffect(
      { DLA_RANK: "1", DLA_WORLD_SIZE: "2" },
      Effect.gen(function* () {
        const context = yield* DistributedContext.fromEnv
        expect(context.rank).toBe(1)
        expect(context.role).toBe("worker")
      })
    )
  )
  it.effect("fromEnv fails with the tagged error on a malformed value", () =>
    withEnvEffect(
      { DLA_RANK: "abc" },
      Effect.gen(function* () {
        const exit = yield* Effect.exit(DistributedContext.fromEnv)
        expect(Exit.isFailure(exit)).toBe(true)
        const error = yield* Effect.flip(DistributedContext.fromEnv)
        expect(error.variable).toBe("DLA_RANK")
      })
    )
  )
  it.effect("layer provides Current", () =>
    withEnvEffect(
      { DLA_ROLE: "worker" },
      Effect.gen(function* () {
        const context = yield* DistributedContext.Current
        expect(context.role).toBe("worker")
      }).pipe(Effect.provide(DistributedContext.layer))
    )
  )
  it.effect("Current can be provided directly in tests", () =>
    Effect.gen(function* () {
      const context = yield* DistributedContext.Current
      expect(context.isMaster).toBe(true)
    }).pipe(Effect.provide(Layer.succeed(DistributedContext.Current, DistributedContext.standalone("t"))))
  )
})

describe("DistributedContext.schema", () => {
  const decodeContext = Schema.decodeUnknownResult(DistributedContext.schema)
  it("accepts every detected context, with or without roleVariable", () => {
    for (const env of [{}, { RANK: "1", WORLD_SIZE: "2" }, { SPARK_EXECUTOR_ID: "1" }, { DLA_ROLE: "worker" }]) {
      const context = detect(env)
      expect(Result.getOrThrow(decodeContext(context))).toEqual(context)
    }
  })
  it("rejects a negative or fractional rank and an unknown launcher", () => {
    const context = detect({ RANK: "1", WORLD_SIZE: "2" })
    expect(Result.isFailure(decodeContext({ ...context, rank: -1 }))).toBe(true)
    expect(Result.isFailure(decodeContext({ ...context, rank: 0.5 }))).toBe(true)
    expect(Result.isFailure(decodeContext({ ...context, launcher: "pbs" }))).toBe(true)
  })
})
