/**
 * How a worker is named, and what its name says: a worker of a launched rank (mpirun, srun, torchrun) is
 * `rank-<rank>` (`rank-<rank>.<thread>` with several threads), and the assignment's `failed_workers` lists such
 * workers by rank (`[2]`), others by id.
 *
 * @since 0.1.0
 */

/**
 * The id of a launched rank's worker: `rank-3`, or `rank-3.2` for the rank's second thread.
 *
 * @since 0.1.0
 * @category constructors
 */
export const ofRank = (rank: number, thread?: number): string =>
  thread === undefined ? `rank-${rank}` : `rank-${rank}.${thread}`

/**
 * The rank of a worker named by {@link ofRank}; undefined for any other id.
 *
 * @since 0.1.0
 * @category getters
 */
export const rank = (workerId: string): number | undefined => {
  const found = /^rank-(\d+)(?:\.\d+)?$/.exec(workerId)?.[1]
  return found === undefined ? undefined : Number(found)
}

/**
 * A failed worker as the assignment's `failed_workers` holds it: its rank when it has one, else its id.
 *
 * @since 0.1.0
 * @category models
 */
export type Failed = number | string

/**
 * Failed workers by rank (each rank once, whatever its threads) where they have ranks, by id otherwise.
 *
 * @since 0.1.0
 * @category constructors
 */
export const failed = (workerIds: ReadonlyArray<string>): Array<Failed> => [
  ...new Set(workerIds.map((id) => rank(id) ?? id))
]

/**
 * The worker id behind a `failed_workers` entry (a rank's first worker for a rank).
 *
 * @since 0.1.0
 * @category getters
 */
export const fromFailed = (entry: Failed): string => (typeof entry === "number" ? ofRank(entry) : entry)
