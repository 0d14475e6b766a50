/**
 * One copier per copy name across processes and hosts: `@dla/election`'s KV lease (bucket `dla_leases`, shared with
 * the election's terms), keyed by copy name, failing with {@link HdfsError} of reason `Lease`.
 *
 * @since 0.1.0
 */
import { Lease as KvLease } from "@dla/election"
import type { NatsConnection } from "@nats-io/nats-core"
import { Effect, type Scope } from "effect"
import { HdfsError } from "./HdfsError.ts"

/**
 * The lease bucket, shared with the election.
 *
 * @since 0.1.0
 * @category constants
 */
export const BUCKET = KvLease.defaultBucket

/**
 * A copier that stops renewing loses its lease after this long, by default.
 *
 * @since 0.1.0
 * @category constants
 */
export const DEFAULT_TTL_SECONDS = KvLease.DEFAULT_TTL_SECONDS

/**
 * A copier's lease: the election's lease options, for one copy name.
 *
 * @since 0.1.0
 * @category models
 */
export interface LeaseOptions {
  readonly nats: NatsConnection
  /** Lease key inside the bucket (one per copy name: see {@link keyFor}). */
  readonly key: string
  /** Who holds it, for people reading the bucket: host and pid by default. */
  readonly owner: string
  /** A holder that stops renewing loses the lease after this long (default 6 s). */
  readonly ttlSeconds?: number
  readonly bucket?: string
  /** Replicas of the bucket when this copier creates it (1 by default; 3 on a 3-node cluster). */
  readonly replicas?: number
}

/**
 * A running copier lease; `assertHeld` fails with an HdfsError.
 *
 * @since 0.1.0
 * @category models
 */
export interface Lease extends Omit<KvLease.Lease, "assertHeld"> {
  /** Fails when the lease is not held: checked before every write so a paused holder never writes after expiry. */
  readonly assertHeld: Effect.Effect<void, HdfsError>
}

/**
 * The lease key of a copy name. KV keys allow only [-/_=.A-Za-z0-9]: anything else in a copy name becomes '_'.
 *
 * @since 0.1.0
 * @category keys
 */
export const keyFor = (copyName: string) => `hdfs.${copyName.replace(/[^-/_=.A-Za-z0-9]/g, "_")}`

const toHdfsError = (error: KvLease.LeaseError) => new HdfsError({ reason: "Lease", cause: error })

/**
 * A lease contender whose renewal loop runs until the scope closes; then a held lease is released.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: LeaseOptions): Effect.Effect<Lease, HdfsError, Scope.Scope> =>
  KvLease.make({ ...options, purpose: "HDFS copy lease" }).pipe(
    Effect.map((lease) => ({ ...lease, assertHeld: Effect.mapError(lease.assertHeld, toHdfsError) })),
    Effect.mapError(toHdfsError)
  )
