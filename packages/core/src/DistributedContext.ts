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

import * as Launchers from "./internal/launchers.ts"

/**
 * The launcher that started this process (`torchrun`, `mpirun`, `slurm`...), `explicit` (only `DLA_*`) or `none`.
 *
 * @since 0.1.0
 * @category models
 */
export type Launcher = Launchers.Launcher

/**
 * `coordinator` (the process that coordinates, e.g. rank 0) or `worker`.
 *
 * @since 0.1.0
 * @category models
 */
export type Role = Launchers.Role

/**
 * Who this process is in a distributed job: launcher, role, ranks, sizes, node.
 *
 * @since 0.1.0
 * @category models
 */
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

/**
 * An environment as a record of variables (`process.env`, or one built for a test).
 *
 * @since 0.1.0
 * @category models
 */
export type Env = Launchers.Env

const Count = Schema.Int.check(Schema.isGreaterThanOrEqualTo(0))

/**
 * A context as data, to validate one received from another process (e.g. a worker announcing itself).
 *
 * @since 0.1.0
 * @category schemas
 */
export const schema: Schema.Codec<DistributedContext> = Schema.Struct({
  launcher: Schema.Literals(Launchers.launchers),
  role: Schema.Literals(Launchers.roles),
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

/**
 * A variable holding a value this module cannot accept; `message` is one line naming it, its value and why.
 *
 * @since 0.1.0
 * @category errors
 */
export class DistributedContextError extends Data.TaggedError("DistributedContextError")<{
  readonly variable: string
  readonly value: string
  readonly reason: string
  readonly message: string
}> {}

/**
 * Launchers in the order they win when several have set variables: the innermost launcher first.
 *
 * @since 0.1.0
 * @category constants
 */
export const precedence: ReadonlyArray<Exclude<Launcher, "explicit" | "none">> = Launchers.precedence

/**
 * How `decode` names a node that no variable names.
 *
 * @since 0.1.0
 * @category models
 */
export interface DecodeOptions {
  /** Node name when no variable gives one (`DLA_NODE_ID`, `SLURMD_NODENAME`). Defaults to `os.hostname()`. */
  readonly hostname?: () => string
}

/**
 * The context of a process started by no launcher at all.
 *
 * @since 0.1.0
 * @category constructors
 */
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

/**
 * Reads the context from `env`; a malformed value is a {@link DistributedContextError} naming its variable.
 *
 * @since 0.1.0
 * @category constructors
 */
export const decode = (
  env: Env,
  options: DecodeOptions = {}
): Result.Result<DistributedContext, DistributedContextError> =>
  Result.gen(function* () {
    const found = yield* Launchers.readLauncher(env)
    const explicit = yield* Launchers.readExplicit(env)
    const nodeId = Launchers.text(env, "DLA_NODE_ID") ?? found?.nodeId ?? (options.hostname ?? osHostname)()
    if (found === undefined && explicit === undefined) return standalone(nodeId)
    return yield* build({ ...found, ...explicit, launcher: found?.launcher ?? "explicit" }, nodeId)
  }).pipe(Result.mapError(toError))

/**
 * {@link decode} for callers that prefer exceptions: throws its {@link DistributedContextError}.
 *
 * @since 0.1.0
 * @category constructors
 */
export const detect = (env: Env, options: DecodeOptions = {}): DistributedContext =>
  Result.getOrThrow(decode(env, options))

/**
 * The logging-helpers guide's `get_node_rank()`: this process's global rank (`RANK`, `OMPI_COMM_WORLD_RANK`,
 * `SKYPILOT_NODE_RANK`...), or undefined outside a distributed context. Throws on a malformed value.
 *
 * @since 0.1.0
 * @category getters
 */
export const getNodeRank = (env: Env = process.env): number | undefined => {
  const context = detect(env)
  return context.isDistributed ? context.rank : undefined
}

/**
 * The index of this process's node (machine) in the job (`context.nodeRank`), or undefined outside a distributed
 * context. Throws on a malformed value.
 *
 * @since 0.1.0
 * @category getters
 */
export const getNodeIndex = (env: Env = process.env): number | undefined => {
  const context = detect(env)
  return context.isDistributed ? context.nodeRank : undefined
}

/**
 * The context of the running process, from `process.env` and the host name.
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromEnv: Effect.Effect<DistributedContext, DistributedContextError> = Effect.suspend(() =>
  Effect.fromResult(decode(process.env))
)

/**
 * The distributed context as an Effect service.
 *
 * @since 0.1.0
 * @category services
 */
export class Current extends Context.Service<Current, DistributedContext>()("@dla/core/DistributedContext") {}

/**
 * Provides {@link Current} from `process.env`, failing when a variable is malformed.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<Current, DistributedContextError> = Layer.effect(Current, fromEnv)

const toError = ({ variable, value, reason }: Launchers.Invalid) =>
  new DistributedContextError({
    variable,
    value,
    reason,
    message: `Invalid ${variable}=${JSON.stringify(value)}: ${reason}`
  })

// ---------------------------------------------------------------------------------------------------------------
// Defaults and checks

const check = (ok: boolean, read: Launchers.Read, value: number, reason: string): Launchers.Parsed<void> =>
  ok ? Result.void : Launchers.invalid(read.variable, String(value), reason)

const atLeastOne = (read: Launchers.Read | undefined) =>
  read === undefined ? Result.void : check(read.value >= 1, read, read.value, "must be at least 1")

const below = (index: Launchers.Read, size: Launchers.Read | undefined) =>
  size === undefined
    ? Result.void
    : check(index.value < size.value, index, index.value, `must be less than ${size.variable}=${size.value}`)

/**
 * Fills what the launcher left out (documented in docs/environment.md) and checks every bound.
 * A missing size is the smallest consistent with what is known (`rank + 1`, `localRank + 1`); a missing node rank
 * assumes the block placement torchrun, mpirun and srun use by default.
 */
const build = (reading: Launchers.Reading, nodeId: string): Launchers.Parsed<DistributedContext> =>
  Result.gen(function* () {
    const rank = reading.rank ?? { value: 0, variable: "rank" }
    const localRank = reading.localRank ?? { value: 0, variable: "local rank" }
    for (const size of [reading.worldSize, reading.localWorldSize, reading.nodeCount]) yield* atLeastOne(size)
    yield* below(rank, reading.worldSize)
    yield* below(localRank, reading.localWorldSize)
    const localWorldSize = reading.localWorldSize?.value ?? localRank.value + 1
    const worldSize = reading.worldSize?.value ?? Math.max(rank.value + 1, localWorldSize)
    if (reading.localWorldSize !== undefined && reading.worldSize !== undefined) {
      yield* check(
        localWorldSize <= worldSize,
        reading.localWorldSize,
        localWorldSize,
        `must not exceed ${reading.worldSize.variable}=${worldSize}`
      )
    }
    if (reading.nodeRank !== undefined) yield* below(reading.nodeRank, reading.nodeCount)
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
  })
