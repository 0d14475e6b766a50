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

/**
 * A launcher's reader, asked only when one of its `signals` is set: the variables that say this launcher started the
 * process. Outside any launcher (the common case) no reader runs at all.
 */
interface Reader {
  readonly signals: ReadonlyArray<string>
  readonly read: (env: Env) => Parsed<Reading | undefined>
}

const anySet = (env: Env, variables: ReadonlyArray<string>) => variables.some((variable) => env[variable] !== undefined)

const readers: Record<Detected, Reader> = {
  // torchrun / torch.distributed.elastic; also the convention of Ray Train, DeepSpeed, Accelerate and Lightning.
  torchrun: {
    signals: ["RANK"],
    read: (env) =>
      reading("torchrun", {
        rank: int(env, "RANK"),
        worldSize: int(env, "WORLD_SIZE"),
        localRank: int(env, "LOCAL_RANK"),
        localWorldSize: int(env, "LOCAL_WORLD_SIZE"),
        nodeRank: int(env, "GROUP_RANK", "NODE_RANK"),
        nodeCount: int(env, "GROUP_WORLD_SIZE")
      })
  },
  openmpi: {
    signals: ["OMPI_COMM_WORLD_RANK"],
    read: (env) =>
      reading("openmpi", {
        rank: int(env, "OMPI_COMM_WORLD_RANK"),
        worldSize: int(env, "OMPI_COMM_WORLD_SIZE"),
        localRank: int(env, "OMPI_COMM_WORLD_LOCAL_RANK"),
        localWorldSize: int(env, "OMPI_COMM_WORLD_LOCAL_SIZE")
      })
  },
  mpich: {
    signals: ["PMI_RANK"],
    read: (env) =>
      reading("mpich", {
        rank: int(env, "PMI_RANK"),
        worldSize: int(env, "PMI_SIZE"),
        localRank: int(env, "MPI_LOCALRANKID"),
        localWorldSize: int(env, "MPI_LOCALNRANKS")
      })
  },
  slurm: {
    signals: ["SLURM_PROCID"],
    read: (env) =>
      Result.flatMap(int(env, "SLURM_NODEID"), (nodeRank) => {
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
  skypilot: {
    signals: ["SKYPILOT_NODE_RANK"],
    read: (env) =>
      Result.flatMap(int(env, "SKYPILOT_NODE_RANK"), (rank) =>
        rank === undefined
          ? none
          : reading("skypilot", {
              rank: Result.succeed(rank),
              worldSize: int(env, "SKYPILOT_NUM_NODES"),
              nodeRank: Result.succeed(rank)
            })
      )
  },
  ray: {
    signals: ["RAY_RAYLET_PID", "KUBERAY_GEN_RAY_START_CMD", "FQ_RAY_IP"],
    read: (env) => {
      // Set by the raylet in every worker process it spawns (tasks and actors); drivers do not get it.
      if (env.RAY_RAYLET_PID !== undefined) return roleOnly("ray", "worker", "RAY_RAYLET_PID")
      // KubeRay: the generated `ray start` command of the pod; only head pods have `--head`.
      const start = env.KUBERAY_GEN_RAY_START_CMD
      if (start !== undefined) {
        return roleOnly(
          "ray",
          /(^|\s)--head(\s|=|$)/.test(start) ? "coordinator" : "worker",
          "KUBERAY_GEN_RAY_START_CMD"
        )
      }
      // KubeRay sets the head's address only in worker pods.
      return roleOnly("ray", "worker", "FQ_RAY_IP")
    }
  },
  spark: {
    signals: ["SPARK_EXECUTOR_ID", "SPARK_DRIVER_BIND_ADDRESS"],
    // Spark on Kubernetes: executor pods get their id, the driver pod its bind address.
    read: (env) =>
      env.SPARK_EXECUTOR_ID !== undefined
        ? roleOnly("spark", "worker", "SPARK_EXECUTOR_ID")
        : roleOnly("spark", "coordinator", "SPARK_DRIVER_BIND_ADDRESS")
  },
  // The dask-kubernetes operator names every worker pod; scheduler and job-runner pods get no such variable.
  dask: { signals: ["DASK_WORKER_NAME"], read: () => roleOnly("dask", "worker", "DASK_WORKER_NAME") },
  // Indexed Jobs: the control plane sets the pod's completion index.
  kubernetes: {
    signals: ["JOB_COMPLETION_INDEX"],
    read: (env) =>
      Result.flatMap(int(env, "JOB_COMPLETION_INDEX"), (rank) =>
        rank === undefined
          ? none
          : reading("kubernetes", { rank: Result.succeed(rank), nodeRank: Result.succeed(rank) })
      )
  }
}

/** The innermost launcher that has set its variables, by {@link precedence}; undefined when none has. */
export const readLauncher = (env: Env): Parsed<Reading | undefined> => {
  for (const launcher of precedence) {
    const { signals, read } = readers[launcher]
    if (!anySet(env, signals)) continue
    const found = read(env)
    if (Result.isFailure(found) || found.success !== undefined) return found
  }
  return none
}

/** The `DLA_*` override of each field. */
const overrides = {
  rank: "DLA_RANK",
  worldSize: "DLA_WORLD_SIZE",
  localRank: "DLA_LOCAL_RANK",
  localWorldSize: "DLA_LOCAL_WORLD_SIZE",
  nodeRank: "DLA_NODE_RANK",
  role: "DLA_ROLE"
} as const

const overrideVariables: ReadonlyArray<string> = Object.values(overrides)

const readRole = (env: Env): Parsed<Reading["role"]> => {
  const raw = env[overrides.role]
  if (raw === undefined) return Result.succeed(undefined)
  const role = roles.find((candidate) => candidate === raw.trim().toLowerCase())
  return role === undefined
    ? invalid(overrides.role, raw, "expected coordinator or worker")
    : Result.succeed({ role, variable: overrides.role })
}

/** The `DLA_*` overrides that are set, field by field; undefined when none is. */
export const readExplicit = (env: Env): Parsed<Omit<Reading, "launcher"> | undefined> =>
  anySet(env, overrideVariables)
    ? Result.map(
        Result.all({
          rank: int(env, overrides.rank),
          worldSize: int(env, overrides.worldSize),
          localRank: int(env, overrides.localRank),
          localWorldSize: int(env, overrides.localWorldSize),
          nodeRank: int(env, overrides.nodeRank),
          role: readRole(env)
        }),
        (fields) => {
          const set = Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined))
          return Object.keys(set).length === 0 ? undefined : set
        }
      )
    : Result.succeed(undefined)
