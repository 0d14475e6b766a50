/**
 * Who this process is in a distributed job, read from its environment.
 *
 * {@link decode} is one pure function from an environment record to a {@link DistributedContext}: it reads the
 * variables of every supported launcher, picks the innermost one by a fixed precedence, applies the explicit `DLA_*`
 * overrides on top, and checks the result. A malformed value (`RANK=abc`, `RANK=-1`, `RANK=4` with `WORLD_SIZE=4`)
 * is a {@link DistributedContextError} naming the variable, never a silent 0. Every variable, its source and the
 * precedence are documented in docs/environment.md.
 *
 * @since 0.1.0
 */
import { hostname as osHostname } from "node:os"
import process from "node:process"
import * as Context from "effect/Context"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Result from "effect/Result"
import * as Schema from "effect/Schema"

const launchers = [
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

const roles = ["coordinator", "worker"] as const

export type Role = (typeof roles)[number]

export interface DistributedContext {
  readonly launcher: Launcher
  readonly role: Role
  /** Global rank, 0 when not distributed. */
  readonly rank: number
  readonly localRank: number
  readonly worldSize: number
  readonly localWorldSize: number
  readonly nodeRank: number
  /** Host name or node id, for log lines and aggregated files. */
  readonly nodeId: string
  /** True only for global rank 0 of the coordinator role. */
  readonly isMaster: boolean
  /** True when a launcher or a `DLA_*` override was found. */
  readonly isDistributed: boolean
  /** The environment variable whose value decided `role` (e.g. `RANK`, `DLA_ROLE`, `SPARK_EXECUTOR_ID`). */
  readonly roleVariable?: string
}

export type Env = Readonly<Record<string, string | undefined>>

const Count = Schema.Int.check(Schema.isGreaterThanOrEqualTo(0))

/** A context as data, to validate one received from another process (e.g. a worker announcing itself). */
export const schema: Schema.Codec<DistributedContext> = Schema.Struct({
  launcher: Schema.Literals(launchers),
  role: Schema.Literals(roles),
  rank: Count,
  localRank: Count,
  worldSize: Count,
  localWorldSize: Count,
  nodeRank: Count,
  nodeId: Schema.String,
  isMaster: Schema.Boolean,
  isDistributed: Schema.Boolean,
  roleVariable: Schema.optionalKey(Schema.String)
})

/** A variable holding a value this module cannot accept; `message` is one line naming it, its value and why. */
export class DistributedContextError extends Data.TaggedError("DistributedContextError")<{
  readonly variable: string
  readonly value: string
  readonly reason: string
  readonly message: string
}> {}

/** Launchers in the order they win when several have set variables: the innermost launcher first. */
export const precedence: ReadonlyArray<Exclude<Launcher, "explicit" | "none">> = [
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

export interface DecodeOptions {
  /** Node name when no variable gives one (`DLA_NODE_ID`, `SLURMD_NODENAME`). Defaults to `os.hostname()`. */
  readonly hostname?: () => string
}

/** The context of a process started by no launcher at all. */
export const standalone = (nodeId: string): DistributedContext => ({
  launcher: "none",
  role: "coordinator",
  rank: 0,
  localRank: 0,
  worldSize: 1,
  localWorldSize: 1,
  nodeRank: 0,
  nodeId,
  isMaster: true,
  isDistributed: false
})

/** Reads the context from `env`, throwing a {@link DistributedContextError} on a malformed value. */
export const detect = (env: Env, options: DecodeOptions = {}): DistributedContext => {
  const found = readLauncher(env)
  const explicit = readExplicit(env)
  const nodeId = text(env, "DLA_NODE_ID") ?? found?.nodeId ?? (options.hostname ?? osHostname)()
  if (found === undefined && explicit === undefined) return standalone(nodeId)
  return build({ ...found, ...explicit, launcher: found?.launcher ?? "explicit" }, nodeId)
}

/** {@link detect} as a `Result`, for callers that prefer values to exceptions. */
export const decode = (
  env: Env,
  options: DecodeOptions = {}
): Result.Result<DistributedContext, DistributedContextError> => {
  try {
    return Result.succeed(detect(env, options))
  } catch (error) {
    if (error instanceof DistributedContextError) return Result.fail(error)
    throw error
  }
}

/**
 * The logging-helpers guide's `get_node_rank()`: this process's global rank (`RANK`, `OMPI_COMM_WORLD_RANK`,
 * `SKYPILOT_NODE_RANK`...), or undefined outside a distributed context. Throws on a malformed value.
 */
export const getNodeRank = (env: Env = process.env): number | undefined => {
  const context = detect(env)
  return context.isDistributed ? context.rank : undefined
}

/**
 * The index of this process's node (machine) in the job (`context.nodeRank`), or undefined outside a distributed
 * context. Throws on a malformed value.
 */
export const getNodeIndex = (env: Env = process.env): number | undefined => {
  const context = detect(env)
  return context.isDistributed ? context.nodeRank : undefined
}

/** The context of the running process, from `process.env` and the host name. */
export const fromEnv: Effect.Effect<DistributedContext, DistributedContextError> = Effect.suspend(() =>
  Effect.fromResult(decode(process.env))
)

/** The distributed context as an Effect service. */
export class Current extends Context.Service<Current, DistributedContext>()("@dla/core/DistributedContext") {}

/** Provides {@link Current} from `process.env`, failing when a variable is malformed. */
export const layer: Layer.Layer<Current, DistributedContextError> = Layer.effect(Current, fromEnv)

// ---------------------------------------------------------------------------------------------------------------
// Reading

/** A number read from a variable, kept with the variable's name for error messages. */
interface Read {
  readonly value: number
  readonly variable: string
}

/** What the environment says; every field optional until {@link build} fills defaults and checks. */
interface Reading {
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

const invalid = (variable: string, value: string, reason: string) =>
  new DistributedContextError({
    variable,
    value,
    reason,
    message: `Invalid ${variable}=${JSON.stringify(value)}: ${reason}`
  })

const DIGITS = /^\d+$/

const parseCount = (variable: string, raw: string): number => {
  const text = raw.trim()
  if (!DIGITS.test(text)) throw invalid(variable, raw, "expected a non-negative integer")
  const value = Number(text)
  if (!Number.isSafeInteger(value)) throw invalid(variable, raw, "too large")
  return value
}

/** The first of `variables` that is set, parsed as a non-negative integer. */
const int = (env: Env, ...variables: ReadonlyArray<string>): Read | undefined => {
  for (const variable of variables) {
    const raw = env[variable]
    if (raw !== undefined) return { value: parseCount(variable, raw), variable }
  }
  return undefined
}

/** The first of `variables` that is set and not blank. */
const text = (env: Env, ...variables: ReadonlyArray<string>): string | undefined => {
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
const tasksOnNode = (variable: string, raw: string, index: number): Read | undefined => {
  const counts: Array<number> = []
  for (const part of raw.split(",")) {
    const match = /^\s*(\d+)(?:\(x(\d+)\))?\s*$/.exec(part)
    if (match === null) throw invalid(variable, raw, "expected a list such as 2(x3),1")
    const repeat = match[2] === undefined ? 1 : Number(match[2])
    for (let i = 0; i < repeat && counts.length <= index; i++) counts.push(Number(match[1]))
    if (counts.length > index) return { value: counts[index]!, variable }
  }
  return undefined
}

type Reader = (env: Env) => Reading | undefined

const readers: Record<Exclude<Launcher, "explicit" | "none">, Reader> = {
  // torchrun / torch.distributed.elastic; also the convention of Ray Train, DeepSpeed, Accelerate and Lightning.
  torchrun: (env) =>
    env.RANK === undefined
      ? undefined
      : {
          launcher: "torchrun",
          rank: int(env, "RANK"),
          worldSize: int(env, "WORLD_SIZE"),
          localRank: int(env, "LOCAL_RANK"),
          localWorldSize: int(env, "LOCAL_WORLD_SIZE"),
          nodeRank: int(env, "GROUP_RANK", "NODE_RANK"),
          nodeCount: int(env, "GROUP_WORLD_SIZE")
        },
  openmpi: (env) =>
    env.OMPI_COMM_WORLD_RANK === undefined
      ? undefined
      : {
          launcher: "openmpi",
          rank: int(env, "OMPI_COMM_WORLD_RANK"),
          worldSize: int(env, "OMPI_COMM_WORLD_SIZE"),
          localRank: int(env, "OMPI_COMM_WORLD_LOCAL_RANK"),
          localWorldSize: int(env, "OMPI_COMM_WORLD_LOCAL_SIZE")
        },
  mpich: (env) =>
    env.PMI_RANK === undefined
      ? undefined
      : {
          launcher: "mpich",
          rank: int(env, "PMI_RANK"),
          worldSize: int(env, "PMI_SIZE"),
          localRank: int(env, "MPI_LOCALRANKID"),
          localWorldSize: int(env, "MPI_LOCALNRANKS")
        },
  slurm: (env) => {
    if (env.SLURM_PROCID === undefined) return undefined
    const nodeRank = int(env, "SLURM_NODEID")
    const perNode = ["SLURM_STEP_TASKS_PER_NODE", "SLURM_TASKS_PER_NODE"].find((name) => env[name] !== undefined)
    return {
      launcher: "slurm",
      rank: int(env, "SLURM_PROCID"),
      worldSize: int(env, "SLURM_STEP_NUM_TASKS", "SLURM_NTASKS", "SLURM_NPROCS"),
      localRank: int(env, "SLURM_LOCALID"),
      localWorldSize:
        perNode !== undefined && nodeRank !== undefined
          ? tasksOnNode(perNode, env[perNode]!, nodeRank.value)
          : undefined,
      nodeRank,
      nodeCount: int(env, "SLURM_STEP_NUM_NODES", "SLURM_NNODES", "SLURM_JOB_NUM_NODES"),
      nodeId: text(env, "SLURMD_NODENAME")
    }
  },
  // SkyPilot runs the task's `run` commands once per node: the node is the process.
  skypilot: (env) => {
    const rank = int(env, "SKYPILOT_NODE_RANK")
    if (rank === undefined) return undefined
    return { launcher: "skypilot", rank, worldSize: int(env, "SKYPILOT_NUM_NODES"), nodeRank: rank }
  },
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
    return undefined
  },
  spark: (env) => {
    // Spark on Kubernetes: executor pods get their id, the driver pod its bind address.
    if (env.SPARK_EXECUTOR_ID !== undefined) return roleOnly("spark", "worker", "SPARK_EXECUTOR_ID")
    if (env.SPARK_DRIVER_BIND_ADDRESS !== undefined) {
      return roleOnly("spark", "coordinator", "SPARK_DRIVER_BIND_ADDRESS")
    }
    return undefined
  },
  // The dask-kubernetes operator names every worker pod; scheduler and job-runner pods get no such variable.
  dask: (env) => (env.DASK_WORKER_NAME === undefined ? undefined : roleOnly("dask", "worker", "DASK_WORKER_NAME")),
  // Indexed Jobs: the control plane sets the pod's completion index.
  kubernetes: (env) => {
    const rank = int(env, "JOB_COMPLETION_INDEX")
    return rank === undefined ? undefined : { launcher: "kubernetes", rank, nodeRank: rank }
  }
}

const roleOnly = (launcher: Launcher, role: Role, variable: string): Reading => ({ launcher, role: { role, variable } })

const readLauncher = (env: Env): Reading | undefined => {
  for (const launcher of precedence) {
    const reading = readers[launcher](env)
    if (reading !== undefined) return reading
  }
  return undefined
}

/** The `DLA_*` overrides that are set, field by field; undefined when none is. */
const readExplicit = (env: Env): Omit<Reading, "launcher"> | undefined => {
  const fields = {
    rank: int(env, "DLA_RANK"),
    worldSize: int(env, "DLA_WORLD_SIZE"),
    localRank: int(env, "DLA_LOCAL_RANK"),
    localWorldSize: int(env, "DLA_LOCAL_WORLD_SIZE"),
    nodeRank: int(env, "DLA_NODE_RANK"),
    role: readRole(env)
  }
  const set = Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined))
  return Object.keys(set).length === 0 ? undefined : set
}

const readRole = (env: Env): Reading["role"] => {
  const raw = env.DLA_ROLE
  if (raw === undefined) return undefined
  const role = roles.find((candidate) => candidate === raw.trim().toLowerCase())
  if (role === undefined) throw invalid("DLA_ROLE", raw, "expected coordinator or worker")
  return { role, variable: "DLA_ROLE" }
}

// ---------------------------------------------------------------------------------------------------------------
// Defaults and checks

const atLeastOne = (read: Read) => {
  if (read.value < 1) throw invalid(read.variable, String(read.value), "must be at least 1")
}

const below = (index: Read, size: Read | undefined) => {
  if (size !== undefined && index.value >= size.value) {
    throw invalid(index.variable, String(index.value), `must be less than ${size.variable}=${size.value}`)
  }
}

/**
 * Fills what the launcher left out (documented in docs/environment.md) and checks every bound.
 * A missing size is the smallest consistent with what is known (`rank + 1`, `localRank + 1`); a missing node rank
 * assumes the block placement torchrun, mpirun and srun use by default.
 */
const build = (reading: Reading, nodeId: string): DistributedContext => {
  const rank = reading.rank ?? { value: 0, variable: "rank" }
  const localRank = reading.localRank ?? { value: 0, variable: "local rank" }
  for (const size of [reading.worldSize, reading.localWorldSize, reading.nodeCount]) if (size) atLeastOne(size)
  below(rank, reading.worldSize)
  below(localRank, reading.localWorldSize)
  const localWorldSize = reading.localWorldSize?.value ?? localRank.value + 1
  const worldSize = reading.worldSize?.value ?? Math.max(rank.value + 1, localWorldSize)
  if (reading.localWorldSize !== undefined && reading.worldSize !== undefined) {
    if (localWorldSize > worldSize) {
      throw invalid(
        reading.localWorldSize.variable,
        String(localWorldSize),
        `must not exceed ${reading.worldSize.variable}=${worldSize}`
      )
    }
  }
  if (reading.nodeRank !== undefined) below(reading.nodeRank, reading.nodeCount)
  const role = reading.role?.role ?? (rank.value === 0 ? "coordinator" : "worker")
  const roleVariable = reading.role?.variable ?? reading.rank?.variable
  return {
    launcher: reading.launcher,
    role,
    rank: rank.value,
    localRank: localRank.value,
    worldSize,
    localWorldSize,
    nodeRank: reading.nodeRank?.value ?? Math.floor(rank.value / localWorldSize),
    nodeId,
    isMaster: role === "coordinator" && rank.value === 0,
    isDistributed: true,
    ...(roleVariable === undefined ? {} : { roleVariable })
  }
}
