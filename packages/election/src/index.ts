/**
 * @dla/election: leadership among candidate processes over NATS (bully algorithm) with KV-fenced terms.
 *
 * @since 0.1.0
 */
export * as Candidate from "./Candidate.ts"
export * as ElectionError from "./ElectionError.ts"
export * as FencedKv from "./FencedKv.ts"
export * as KvBucket from "./KvBucket.ts"
export * as Leadership from "./Leadership.ts"
export * as Lease from "./Lease.ts"
