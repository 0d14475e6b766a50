/**
 * The launcher table: for every supported launcher, which variables it sets and what they mean, and the precedence
 * when several have set theirs. Pure reads of an environment record; a malformed value is a failed `Result` naming
 * the variable (the public module turns it into a `DistributedContextError`).
 */
import * as Result from "effect/Result"

/** Every launcher a context can come from. */
export const launchers = [
  "torchrun",
  "slurm",
  "openmpi",
  "mpich",
  "skypilot",
  "ray",
  "spark",
  "dask",
  "kubernetes",
  /** Only `DLA_*` variables were set. */
  "explicit",
  "none"
] as const

export type Launcher = (typeof launchers)[number]

/** A launcher that sets variables of its own. */
export type Detected = Exclude<Launcher, "explicit" | "none">

export const roles = ["coordinator", "worker"] as const

export type Role = (typeof roles)[number]

export type Env = Readonly<Record<string, string | undefined>>

/** A variable holding a value that cannot be accepted, and why. */
export interface Invalid {
  readonly variable: string
  readonly value: string
  readonly reason: string
}

/** A read of the environment: the value, or the variable that made it impossible. */
export type Parsed<A> = Result.Result<A, Invalid>

export const invalid = (variable: string, value: string, reason: string): Parsed<never> =>
  Result.fail({ variable, value, reason })

/** A number read from a variable, kept with the variable's name for error messages. */
export interface Read {
  readonly value: number
  readonly variable: string
}

/** What the environment says; every field optional until the context is built, with defaults and checks. */
export interface Reading {
  readonly launcher: Launcher
  readonly rank?: Read | undefined
  readonly worldSize?: Read | undefined
  readonly localRank?: Read | undefined
  readonly localWorldSize?: Read | undefined
  readonly nodeRank?: Read | undefined
  /** Number of nodes, when the launcher says it: bounds `nodeRank`. */
  readonly nodeCount?: Read | undefined
  readonly nodeId?: string | undefined
  /** A role decided by a signal rather than by rank. */
  readonly role?: { readonly role: Role; readonly variable: string } | undefined
}

/** Launchers in the order they win when several have set variables: the innermost launcher first. */
export const precedence: ReadonlyArray<Detected> = [
  "torchrun",
  "openmpi",
  "mpich",
  "slurm",
  "skypilot",
  "ray",
  "spark",
  "dask",
  "kubernetes"
]

const DIGITS = /^\d+$/

const parseCount = (variable: string, raw: string): Parsed<number> => {
  const text = raw.trim()
  if (!DIGITS.test(text)) return invalid(variable, raw, "expected a non-negative integer")
  const value = Number(text)
  return Number.isSafeInteger(value) ? Result.succeed(value) : invalid(variable, raw, "too large")
}

/** The first of `variables` that is set, parsed as a non-negative integer. */
export const int = (env: Env, ...variables: ReadonlyArray<string>): Parsed<Read | undefined> => {
  for (const variable of variables) {
    const raw = env[variable]
    if (raw !== undefined) return Result.map(parseCount(variable, raw), (value) => ({ value, variable }))
  }
  return Result.succeed(undefined)
}

/** The first of `variables` that is set and not blank. */
export const text = (env: Env, ...variables: ReadonlyArray<string>): string | undefined => {
  for (const variable of variables) {
    const value = env[variable]?.trim()
    if (value) return value
  }
  return undefined
}

/**
 * Slurm's compressed tasks-per-node list (`2(x3),1` = 2,2,2,1), expanded to the count of node `index`.
 * Undefined when the list does not reach that node (e.g. a step on a subset of the allocation).
 */
const tasksOnNode = (variable: string, raw: string, index: number): Parsed<Read | undefined> => {
  const counts: Array<number> = []
  for (const part of raw.split(",")) {
    const match = /^\s*(\d+)(?:\(x(\d+)\))?\s*$/.exec(part)
    if (match === null) return invalid(variable, raw, "expected a list such as 2(x3),1")
    const repeat = match[2] === undefined ? 1 : Number(match[2])
    for (let i = 0; i < repeat && counts.length <= index; i++) counts.push(Number(match[1]))
    if (counts.length > index) return Result.succeed({ value: counts[index]!, variable })
  }
  return Result.succeed(undefined)
}

type Fields = { readonly [K in Exclude<keyof Reading, "launcher">]?: Parsed<Reading[K]> }

/** A launcher's reading from its fields, each read (or failed) on its own. */
const reading = (launcher: Launcher, fields: Fields): Parsed<Reading> =>
  Result.map(Result.all(fields), (read) => ({ launcher, ...read }))

const none: Parsed<Reading | undefined> = Result.succeed(undefined)

const roleOnly = (launcher: Launcher, role: Role, variable: string): Parsed<Reading> =>
  Result.succeed({ launcher, role: { role, variable } })

type Reader = (env: Env) => Parsed<Reading | undefined>

const readers: Record<Detected, Reader> = {
  // torchrun / torch.distributed.elastic; also the convention of Ray Train, DeepSpeed, Accelerate and Lightning.
  torchrun: (env) =>
    env.RANK === undefined
      ? none
      : reading("torchrun", {
          rank: int(env, "RANK"),
          worldSize: int(env, "WORLD_SIZE"),
          localRank: int(env, "LOCAL_RANK"),
          localWorldSize: int(env, "LOCAL_WORLD_SIZE"),
          nodeRank: int(env, "GROUP_RANK", "NODE_RANK"),
          nodeCount: int(env, "GROUP_WORLD_SIZE")
        }),
  openmpi: (env) =>
    env.OMPI_COMM_WORLD_RANK === undefined
      ? none
      : reading("openmpi", {
          rank: int(env, "OMPI_COMM_WORLD_RANK"),
          worldSize: int(env, "OMPI_COMM_WORLD_SIZE"),
          localRank: int(env, "OMPI_COMM_WORLD_LOCAL_RANK"),
          localWorldSize: int(env, "OMPI_COMM_WORLD_LOCAL_SIZE")
        }),
  mpich: (env) =>
    env.PMI_RANK === undefined
      ? none
      : reading("mpich", {
          rank: int(env, "PMI_RANK"),
          worldSize: int(env, "PMI_SIZE"),
          localRank: int(env, "MPI_LOCALRANKID"),
          localWorldSize: int(env, "MPI_LOCALNRANKS")
        }),
  slurm: (env) => {
    if (env.SLURM_PROCID === undefined) return none
    return Result.flatMap(int(env, "SLURM_NODEID"), (nodeRank) => {
      const perNode = ["SLURM_STEP_TASKS_PER_NODE", "SLURM_TASKS_PER_NODE"].find((name) => env[name] !== undefined)
      return reading("slurm", {
        rank: int(env, "SLURM_PROCID"),
        worldSize: int(env, "SLURM_STEP_NUM_TASKS", "SLURM_NTASKS", "SLURM_NPROCS"),
        localRank: int(env, "SLURM_LOCALID"),
        localWorldSize:
          perNode !== undefined && nodeRank !== undefined
            ? tasksOnNode(perNode, env[perNode]!, nodeRank.value)
            : Result.succeed(undefined),
        nodeRank: Result.succeed(nodeRank),
        nodeCount: int(env, "SLURM_STEP_NUM_NODES", "SLURM_NNODES", "SLURM_JOB_NUM_NODES"),
        nodeId: Result.succeed(text(env, "SLURMD_NODENAME"))
      })
    })
  },
  // SkyPilot runs the task's `run` commands once per node: the node is the process.
  skypilot: (env) =>
    Result.flatMap(int(env, "SKYPILOT_NODE_RANK"), (rank) =>
      rank === undefined
        ? none
        : reading("skypilot", {
            rank: Result.succeed(rank),
            worldSize: int(env, "SKYPILOT_NUM_NODES"),
            nodeRank: Result.succeed(rank)
          })
    ),
  ray: (env) => {
    // Set by the raylet in every worker process it spawns (tasks and actors); drivers do not get it.
    if (env.RAY_RAYLET_PID !== undefined) return roleOnly("ray", "worker", "RAY_RAYLET_PID")
    // KubeRay: the generated `ray start` command of the pod; only head pods have `--head`.
    const start = env.KUBERAY_GEN_RAY_START_CMD
    if (start !== undefined) {
      return roleOnly("ray", /(^|\s)--head(\s|=|$)/.test(start) ? "coordinator" : "worker", "KUBERAY_GEN_RAY_START_CMD")
    }
    // KubeRay sets the head's address only in worker pods.
    if (env.FQ_RAY_IP !== undefined) return roleOnly("ray", "worker", "FQ_RAY_IP")
    return none
  },
  spark: (env) => {
    // Spark on Kubernetes: executor pods get their id, the driver pod its bind address.
    if (env.SPARK_EXECUTOR_ID !== undefined) return roleOnly("spark", "worker", "SPARK_EXECUTOR_ID")
    if (env.SPARK_DRIVER_BIND_ADDRESS !== undefined) {
      return roleOnly("spark", "coordinator", "SPARK_DRIVER_BIND_ADDRESS")
    }
    return none
  },
  // The dask-kubernetes operator names every worker pod; scheduler and job-runner pods get no such variable.
  dask: (env) => (env.DASK_WORKER_NAME === undefined ? none : roleOnly("dask", "worker", "DASK_WORKER_NAME")),
  // Indexed Jobs: the control plane sets the pod's completion index.
  kubernetes: (env) =>
    Result.flatMap(int(env, "JOB_COMPLETION_INDEX"), (rank) =>
      rank === undefined ? none : reading("kubernetes", { rank: Result.succeed(rank), nodeRank: Result.succeed(rank) })
    )
}

/** The innermost launcher that has set its variables, by {@link precedence}; undefined when none has. */
export const readLauncher = (env: Env): Parsed<Reading | undefined> => {
  for (const launcher of precedence) {
    const read = readers[launcher](env)
    if (Result.isFailure(read) || read.success !== undefined) return read
  }
  return none
}

const readRole = (env: Env): Parsed<Reading["role"]> => {
  const raw = env.DLA_ROLE
  if (raw === undefined) return Result.succeed(undefined)
  const role = roles.find((candidate) => candidate === raw.trim().toLowerCase())
  return role === undefined
    ? invalid("DLA_ROLE", raw, "expected coordinator or worker")
    : Result.succeed({ role, variable: "DLA_ROLE" })
}

/** The `DLA_*` overrides that are set, field by field; undefined when none is. */
export const readExplicit = (env: Env): Parsed<Omit<Reading, "launcher"> | undefined> =>
  Result.map(
    Result.all({
      rank: int(env, "DLA_RANK"),
      worldSize: int(env, "DLA_WORLD_SIZE"),
      localRank: int(env, "DLA_LOCAL_RANK"),
      localWorldSize: int(env, "DLA_LOCAL_WORLD_SIZE"),
      nodeRank: int(env, "DLA_NODE_RANK"),
      role: readRole(env)
    }),
    (fields) => {
      const set = Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined))
      return Object.keys(set).length === 0 ? undefined : set
    }
  )
