/**
 * The logger's view of who this process is. Until `@dla/core` ships `DistributedContext.detect`, a minimal reading
 * of the torchrun and Slurm variables stands in for it.
 */
import * as os from "node:os"
import type { DistributedContext } from "@dla/core"

type Context = DistributedContext.DistributedContext

const int = (value: string | undefined): number | undefined => {
  if (value === undefined || value.trim() === "") return undefined
  const n = Number(value)
  return Number.isInteger(n) && n >= 0 ? n : undefined
}

export const fromEnv = (env: DistributedContext.Env): Context => {
  const torchrun = int(env.RANK) !== undefined && int(env.WORLD_SIZE) !== undefined
  const slurm = !torchrun && int(env.SLURM_PROCID) !== undefined
  const rank = (torchrun ? int(env.RANK) : slurm ? int(env.SLURM_PROCID) : undefined) ?? 0
  const localRank = (torchrun ? int(env.LOCAL_RANK) : slurm ? int(env.SLURM_LOCALID) : undefined) ?? 0
  const worldSize = (torchrun ? int(env.WORLD_SIZE) : slurm ? int(env.SLURM_NTASKS) : undefined) ?? 1
  const localWorldSize = (torchrun ? int(env.LOCAL_WORLD_SIZE) : slurm ? int(env.SLURM_NTASKS_PER_NODE) : 1) ?? 1
  const nodeRank = (torchrun ? int(env.GROUP_RANK) : slurm ? int(env.SLURM_NODEID) : 0) ?? 0
  const isDistributed = torchrun || slurm
  return {
    launcher: torchrun ? "torchrun" : slurm ? "slurm" : "none",
    role: rank === 0 ? "coordinator" : "worker",
    rank,
    localRank,
    worldSize,
    localWorldSize,
    nodeRank,
    nodeId: env.SLURMD_NODENAME ?? env.HOSTNAME ?? os.hostname(),
    isMaster: rank === 0,
    isDistributed
  }
}
