/**
 * @dla/election: leadership among candidate processes over NATS (bully algorithm) with KV-fenced terms.
 *
 * @since 0.1.0
 */
/**
 * Who takes part in an election and how candidates rank.
 *
 * @since 0.1.0
 * @category modules
 */
export * as Candidate from "./Candidate.ts"
/**
 * The errors of the election: `Fenced` and `ElectionError`.
 *
 * @since 0.1.0
 * @category modules
 */
export * as ElectionError from "./ElectionError.ts"
/**
 * KV values stamped with the writer's term, which a stale leader can never overwrite.
 *
 * @since 0.1.0
 * @category modules
 */
export * as FencedKv from "./FencedKv.ts"
/**
 * Opening a KV bucket, creating it when missing.
 *
 * @since 0.1.0
 * @category modules
 */
export * as KvBucket from "./KvBucket.ts"
/**
 * Leadership of one scope among candidate processes.
 *
 * @since 0.1.0
 * @category modules
 */
export * as Leadership from "./Leadership.ts"
/**
 * A time-bounded lease on a KV key, and the `dla_leases` bucket.
 *
 * @since 0.1.0
 * @category modules
 */
export * as Lease from "./Lease.ts"
