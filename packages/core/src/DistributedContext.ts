/**
 * Who this process is in a distributed job, read from its environment.
 *
 * @since 0.1.0
 */

export type Launcher =
  | "torchrun"
  | "slurm"
  | "openmpi"
  | "mpich"
  | "skypilot"
  | "ray"
  | "spark"
  | "dask"
  | "kubernetes"
  | "none"

export type Role = "coordinator" | "worker"

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
  /** True when a launcher was detected. */
  readonly isDistributed: boolean
}

export type Env = Readonly<Record<string, string | undefined>>
