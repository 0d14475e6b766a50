/**
 * Who takes part in an election and how candidates rank: a higher `priority` wins, equal priorities are ordered by
 * `id`, so any two distinct candidates compare strictly and the bully algorithm has exactly one winner.
 *
 * @since 0.1.0
 */
import { hostname } from "node:os"

/**
 * A candidate: its id and its priority.
 *
 * @since 0.1.0
 * @category models
 */
export interface Candidate {
  /** Unique among the candidates of one election. */
  readonly id: string
  readonly priority: number
}

/**
 * `<host>/<pid>`: unique on one machine and readable in logs.
 *
 * @since 0.1.0
 * @category constructors
 */
export const defaultId = (host: string = hostname(), pid: number = process.pid): string => `${host}/${pid}`

/**
 * The default priority: rank 0 leads, then rank 1, ... (priority `-rank`); without a rank every candidate gets 0
 * and the id (host, then pid) breaks the tie.
 *
 * @since 0.1.0
 * @category constructors
 */
export const defaultPriority = (rank?: number): number => (rank === undefined ? 0 : -rank)

/**
 * True when `a` beats `b` in an election.
 *
 * @since 0.1.0
 * @category predicates
 */
export const outranks = (a: Candidate, b: Candidate): boolean =>
  a.priority !== b.priority ? a.priority > b.priority : a.id > b.id
