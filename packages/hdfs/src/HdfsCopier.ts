/**
 * The copier service: periodic, coordinated copies of log files to HDFS (or mounted storage), one fiber per copy
 * operation, only on the coordinator (see CopyGate) and, with NATS, only on the lease holder (see Lease).
 *
 * @since 0.1.0
 */
import { hostname } from "node:os"
import { DistributedContext } from "@dla/core"
import type { NatsConnection } from "@nats-io/nats-core"
import { Clock, Config, Context, Effect, Exit, FiberMap, Layer, Option, Schedule, Scope } from "effect"
import * as CopyConfig from "./CopyConfig.ts"
import * as CopyGate from "./CopyGate.ts"
import * as Destination from "./Destination.ts"
import { HdfsError } from "./HdfsError.ts"
import * as Operation from "./internal/operation.ts"
import * as Lease from "./Lease.ts"
import { type Health, health, type OperationStatus, type Status } from "./OperationStatus.ts"

/**
 * The copier's options; every one has a default from the environment.
 *
 * @since 0.1.0
 * @category models
 */
export interface CopierOptions {
  /**
   * The environment as a record (tests, programs that build one); without it the copier's variables are read through
   * effect's `Config` ({@link environment}).
   */
  readonly env?: DistributedContext.Env
  /**
   * The distributed context: a worker role disables copying unless DLA_HDFS_COPY=force. Default: decoded from `env`
   * when given, else the `DistributedContext.Current` service when provided, else the launcher's variables.
   */
  readonly context?: DistributedContext.DistributedContext
  /** With a connection, copiers also hold a lease in the `dla_leases` KV bucket: one copier per copy name. */
  readonly nats?: NatsConnection
  readonly leaseTtlSeconds?: number
  /** Lease holder name (default `<hostname>:<pid>`). */
  readonly owner?: string
  /** Where manifests are kept (default DLA_HDFS_STATE_DIR, else ~/.cache/dla/hdfs). */
  readonly stateDir?: string
  /** Namenode HTTP addresses, user, delegation token (default HDFS_NAMENODES, HADOOP_USER_NAME, HDFS_DELEGATION_TOKEN). */
  readonly webhdfs?: Destination.WebHdfsOptions
  /** Largest single upload body (default 8 MiB); bigger files are sent as CREATE + APPENDs. */
  readonly chunkBytes?: number
}

/**
 * Re-exported from {@link OperationStatus}, where the copier's reports are defined.
 *
 * @since 0.1.0
 * @category models
 */
export type { Health, OperationState, OperationStatus, Status } from "./OperationStatus.ts"

/**
 * The copier service.
 *
 * @since 0.1.0
 * @category services
 */
export class HdfsCopier extends Context.Service<
  HdfsCopier,
  {
    /** Starts a periodic copy; false (after logging why) when copying is disabled on this node. */
    readonly startCopy: (options: CopyConfig.CopyOptions) => Effect.Effect<boolean, HdfsError>
    /** Stops one copy after the file in flight; false when no such copy runs. */
    readonly stopCopy: (name: string) => Effect.Effect<boolean>
    readonly stopAll: Effect.Effect<void>
    /** Runs one pass of a started copy now (after any pass in progress); resolves with its status. */
    readonly runOnce: (name: string) => Effect.Effect<OperationStatus, HdfsError>
    /**
     * One pass of a copy that is not started (the CLI's --once): undefined (after the skip message) when copying is
     * disabled here; with NATS it first waits up to `leaseWaitSeconds` for the lease (leaseHeld false if not won).
     */
    readonly copyOnce: (
      options: CopyConfig.CopyOptions,
      leaseWaitSeconds?: number
    ) => Effect.Effect<OperationStatus | undefined, HdfsError>
    readonly listOperations: Effect.Effect<ReadonlyArray<OperationStatus>>
    readonly getStatus: Effect.Effect<Status>
    readonly healthCheck: Effect.Effect<Health>
  }
>()("@dla/hdfs/HdfsCopier") {}

const DEFAULT_CHUNK_BYTES = 8 * 1024 * 1024

/**
 * Every environment variable the copier itself reads (the distributed context's are `@dla/core`'s).
 *
 * @since 0.1.0
 * @category constants
 */
export const VARIABLES: ReadonlyArray<string> = [
  CopyGate.OVERRIDE_VARIABLE,
  ...CopyGate.DISABLE_VARIABLES,
  ...CopyConfig.VARIABLES
]

/**
 * The copier's variables ({@link VARIABLES}) through effect's `Config`, as the record `CopyGate` and `CopyConfig`
 * read: the current `ConfigProvider` decides where they come from (`process.env` by default, a map in tests).
 *
 * @since 0.1.0
 * @category config
 */
export const environment: Config.Config<DistributedContext.Env> = Config.all(
  VARIABLES.map((name) => Config.option(Config.String(name)))
).pipe(
  Config.map((values) =>
    Object.fromEntries(
      VARIABLES.flatMap((name, i) =>
        Option.match(values[i] ?? Option.none(), {
          onNone: () => [],
          onSome: (value) => [[name, value]]
        })
      )
    )
  )
)

const badConfig = (cause: unknown) => new HdfsError({ reason: "BadConfig", cause })

/** The context from `env` when given, else the provided `DistributedContext.Current`, else the launcher's variables. */
const contextOf = (env: DistributedContext.Env | undefined) =>
  env !== undefined
    ? Effect.fromResult(DistributedContext.decode(env))
    : Effect.flatMap(Effect.serviceOption(DistributedContext.Current), (current) =>
        Option.isSome(current) ? Effect.succeed(current.value) : DistributedContext.fromEnv
      )

/**
 * Builds the copier in the current scope: reads the environment, decides the gate, and stops every copy when the scope
 * ends.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: CopierOptions = {}) =>
  Effect.gen(function* () {
    const env = options.env ?? (yield* Effect.mapError(environment, badConfig))
    const context = options.context ?? (yield* Effect.mapError(contextOf(options.env), badConfig))
    const gate = yield* Effect.fromResult(CopyGate.resolve(env, context))
    yield* Effect.logInfo(gate.message)
    const stateDir = options.stateDir ?? CopyConfig.stateDirFromEnv(env)
    const webhdfs = { ...CopyConfig.webHdfsFromEnv(env), ...options.webhdfs }
    const chunkBytes = options.chunkBytes ?? DEFAULT_CHUNK_BYTES
    const owner = options.owner ?? `${hostname()}:${globalThis.process?.pid ?? 0}`
    const fibers = yield* FiberMap.make<string>()
    const operations = new Map<string, Operation.Operation>()
    const settings: Operation.Settings = { stateDir, webhdfs, chunkBytes }
    const scope = yield* Effect.scope

    /** Checks every quarter second until this process holds the operation's lease (at once without a lease). */
    const waitForLease = (operation: Operation.Operation) =>
      Effect.sync(operation.mayCopy).pipe(
        Effect.repeat({ until: (held) => held, schedule: Schedule.spaced("250 millis") })
      )

    /** Runs passes every interval, each once the lease is held. */
    const loop = (operation: Operation.Operation) =>
      Effect.forever(
        Effect.gen(function* () {
          yield* waitForLease(operation)
          yield* operation.pass
          yield* Effect.sleep(`${operation.status.config.intervalSeconds} seconds`)
        })
      )

    /** Checks a copy's options and builds its operation, with its lease (if any) living in `operationScope`. */
    const prepare = (copyOptions: CopyConfig.CopyOptions, operationScope: Scope.Scope) =>
      Effect.gen(function* () {
        const config = yield* Effect.fromResult(CopyConfig.resolveCopy(copyOptions, env))
        // A bad URL fails now rather than at every pass.
        const now = new Date(yield* Clock.currentTimeMillis)
        yield* Effect.fromResult(
          Destination.parse(CopyConfig.renderDestination(config.destination, now, config.timeZone), webhdfs)
        )
        const lease =
          options.nats === undefined
            ? undefined
            : yield* Lease.make({
                nats: options.nats,
                key: Lease.keyFor(config.copyName),
                owner,
                ...(options.leaseTtlSeconds !== undefined ? { ttlSeconds: options.leaseTtlSeconds } : {})
              }).pipe(Scope.provide(operationScope))
        return Operation.make(config, lease, settings)
      })

    const skipped = (name: string) =>
      Effect.logInfo(`HDFS copy operation '${name}' skipped: disabled in distributed system environment`)

    const startCopy = (copyOptions: CopyConfig.CopyOptions) =>
      Effect.gen(function* () {
        if (!gate.enabled) {
          yield* skipped(copyOptions.copyName)
          return false
        }
        if (operations.has(copyOptions.copyName)) {
          return yield* new HdfsError({
            reason: "BadConfig",
            detail: `HDFS copy operation '${copyOptions.copyName}' is already running`
          })
        }
        const operationScope = yield* Scope.fork(scope)
        const operation = yield* prepare(copyOptions, operationScope).pipe(
          Effect.tapError(() => Scope.close(operationScope, Exit.void))
        )
        const { copyName, intervalSeconds } = operation.status.config
        operations.set(copyName, operation)
        yield* Effect.logInfo(`Started HDFS copy operation '${copyName}' with ${intervalSeconds}s interval.`)
        yield* FiberMap.run(
          fibers,
          copyName,
          loop(operation).pipe(Effect.ensuring(Scope.close(operationScope, Exit.void)))
        )
        return true
      })

    const copyOnce = (copyOptions: CopyConfig.CopyOptions, leaseWaitSeconds: number) =>
      Effect.gen(function* () {
        if (!gate.enabled) {
          yield* skipped(copyOptions.copyName)
          return undefined
        }
        const operation = yield* prepare(copyOptions, yield* Effect.scope)
        const held = yield* waitForLease(operation).pipe(
          Effect.timeoutOrElse({ duration: `${leaseWaitSeconds} seconds`, orElse: () => Effect.succeed(false) })
        )
        if (held) yield* operation.pass
        return snapshot(operation)
      }).pipe(Effect.scoped)

    const stopCopy = (name: string) =>
      Effect.gen(function* () {
        if (!operations.has(name)) return false
        yield* FiberMap.remove(fibers, name)
        operations.delete(name)
        yield* Effect.logInfo(`Stopped HDFS copy operation '${name}'.`)
        return true
      })

    const snapshot = (operation: Operation.Operation): OperationStatus => ({ ...operation.status })
    const stopAll = Effect.suspend(() => Effect.forEach([...operations.keys()], stopCopy, { discard: true }))
    // The end of the copier's scope (close(), the CLI's SIGINT) stops each copy as stopCopy does: logged, after the
    // file in flight.
    yield* Effect.addFinalizer(() => stopAll)

    return HdfsCopier.of({
      startCopy,
      stopCopy,
      stopAll,
      copyOnce: (copyOptions, leaseWaitSeconds) =>
        copyOnce(copyOptions, leaseWaitSeconds ?? 2 * (options.leaseTtlSeconds ?? Lease.DEFAULT_TTL_SECONDS)),
      runOnce: (name) =>
        Effect.suspend(() => {
          const operation = operations.get(name)
          if (operation === undefined) {
            return Effect.fail(new HdfsError({ reason: "BadConfig", detail: `no HDFS copy operation named '${name}'` }))
          }
          return Effect.map(operation.pass, () => snapshot(operation))
        }),
      listOperations: Effect.sync(() => [...operations.values()].map(snapshot)),
      getStatus: Effect.succeed({
        enabled: gate.enabled,
        reason: gate.reason,
        environmentVariable: gate.environmentVariable
      }),
      healthCheck: Effect.map(Clock.currentTimeMillis, (now) =>
        health(gate, [...operations.values()].map(snapshot), now)
      )
    })
  })

/**
 * The copier as a Layer; its scope's end stops every copy (after the files in flight) and releases leases.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (options: CopierOptions = {}): Layer.Layer<HdfsCopier, HdfsError> =>
  Layer.effect(HdfsCopier, make(options))

/**
 * The copier's settings that {@link layerConfig} can read through `Config`: everything but the environment record
 * (always {@link environment} there) and the live values (a NATS connection, a context).
 *
 * @since 0.1.0
 * @category models
 */
export type Settings = Omit<CopierOptions, "env" | "nats" | "context">

/**
 * The copier as a Layer built from `Config`: `settings` (each a `Config`, e.g.
 * `{ leaseTtlSeconds: Config.Int("LEASE_TTL") }`) on top of the copier's own variables ({@link environment}); a
 * missing or malformed value is a `BadConfig` error naming it.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerConfig = (
  settings: Config.Wrap<Settings> = {},
  options: Pick<CopierOptions, "nats" | "context"> = {}
): Layer.Layer<HdfsCopier, HdfsError> =>
  Layer.effect(
    HdfsCopier,
    Effect.flatMap(Effect.mapError(Config.unwrap(settings), badConfig), (read) => make({ ...read, ...options }))
  )
