/**
 * The copier service: periodic, coordinated copies of log files to HDFS (or mounted storage), one fiber per copy
 * operation, only on the coordinator (see CopyGate) and, with NATS, only on the lease holder (see Lease).
 *
 * @since 0.1.0
 */
import { hostname } from "node:os"
import { posix, relative } from "node:path"
import { DistributedContext } from "@dla/core"
import type { NatsConnection } from "@nats-io/nats-core"
import { Context, Effect, Exit, FiberMap, Layer, ManagedRuntime, Result, Schedule, Scope, Semaphore } from "effect"
import * as CopyConfig from "./CopyConfig.ts"
import * as CopyGate from "./CopyGate.ts"
import * as Destination from "./Destination.ts"
import { fromUnknown, HdfsError, isRetryable } from "./HdfsError.ts"
import * as fileStorage from "./internal/fileStorage.ts"
import { expand, literalBase } from "./internal/glob.ts"
import * as Manifest from "./internal/manifest.ts"
import { syncFile } from "./internal/syncFile.ts"
import * as Lease from "./Lease.ts"
import * as WebHdfs from "./WebHdfs.ts"

export interface CopierOptions {
  /** Environment to read (default `process.env`). */
  readonly env?: DistributedContext.Env
  /** The distributed context (default: detected from `env`): a worker role disables copying unless DLA_HDFS_COPY=force. */
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

export type OperationState = "starting" | "copying" | "waiting" | "standby"

export interface OperationStatus {
  readonly name: string
  readonly config: CopyConfig.CopyConfig
  readonly state: OperationState
  /** ISO times of the last pass's start and of the last pass without errors. */
  readonly lastRunAt: string | null
  readonly lastSuccessAt: string | null
  readonly runs: number
  /** Totals since the operation started: files written (created or appended) and bytes sent. */
  readonly filesCopied: number
  readonly bytesCopied: number
  readonly lastError: string | null
  /** With NATS: whether this process holds the lease; null without NATS. */
  readonly leaseHeld: boolean | null
}

/** The seeds' `get_status()`. */
export interface Status {
  readonly enabled: boolean
  readonly reason: string
  readonly environmentVariable: string | null
}

export interface Health {
  /** The LogManager guide's `health_check()` status: `warning` when any issue is found. */
  readonly status: "healthy" | "warning"
  /**
   * The guide's message: `HDFS copy enabled but no operations running`, `<n> HDFS operations active`,
   * `HDFS copy disabled (worker node)`, or the issues found.
   */
  readonly message: string
  readonly healthy: boolean
  readonly enabled: boolean
  readonly reason: string
  readonly operations: number
  /** One line per problem: copying enabled with nothing running, failing copies, stalled copies. */
  readonly issues: ReadonlyArray<string>
}

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

interface Operation {
  status: {
    -readonly [K in keyof OperationStatus]: OperationStatus[K]
  }
  /** One pass, serialised so runOnce and the interval never overlap. */
  readonly pass: Effect.Effect<void>
  /** Whether this process may copy now: always without a lease, else while it holds it (standing by otherwise). */
  readonly mayCopy: () => boolean
}

const DEFAULT_CHUNK_BYTES = 8 * 1024 * 1024

const openStorage = (destination: Destination.Destination): Destination.Storage =>
  destination.kind === "file" ? fileStorage.make(destination) : WebHdfs.make(destination)

/**
 * Destination path of one source file. With preserveStructure, its path below rootDir, or without one (as the
 * LogManager guide's `preserve_structure=True` example) below the literal base of the first pattern containing it.
 */
const destinationPath = (root: string, source: string, config: CopyConfig.CopyConfig, bases: ReadonlyArray<string>) => {
  const below = (dir: string) => relative(dir, source)
  const inside = !config.preserveStructure
    ? ""
    : config.rootDir !== undefined
      ? below(config.rootDir)
      : (bases.map(below).find((path) => path !== "" && !path.startsWith("..")) ?? "")
  const keep = inside !== "" && !inside.startsWith("..")
  return posix.join(root, keep ? inside.split(/[\\/]/).join("/") : posix.basename(source.replaceAll("\\", "/")))
}

export const make = (options: CopierOptions = {}) =>
  Effect.gen(function* () {
    const env = options.env ?? globalThis.process?.env ?? {}
    const detected = options.context === undefined ? DistributedContext.decode(env) : Result.succeed(options.context)
    if (Result.isFailure(detected)) {
      return yield* new HdfsError({ reason: "BadConfig", message: detected.failure.message, cause: detected.failure })
    }
    const gate = yield* Effect.fromResult(CopyGate.resolve(env, detected.success))
    yield* Effect.logInfo(gate.message)
    const stateDir = options.stateDir ?? CopyConfig.stateDirFromEnv(env)
    const webhdfs = { ...CopyConfig.webHdfsFromEnv(env), ...options.webhdfs }
    const chunkBytes = options.chunkBytes ?? DEFAULT_CHUNK_BYTES
    const owner = options.owner ?? `${hostname()}:${globalThis.process?.pid ?? 0}`
    const fibers = yield* FiberMap.make<string>()
    const operations = new Map<string, Operation>()
    const scope = yield* Effect.scope

    const makeOperation = (config: CopyConfig.CopyConfig, lease: Lease.Lease | undefined) => {
      const manifestPath = Manifest.manifestPath(stateDir, config.copyName)
      let records: Manifest.Records | undefined // loaded on the first pass, and again for every new lease term
      let trusted = new Set<string>()
      let trustedTerm = 0 // the lease term the records were loaded in
      let rootReady = false
      let client: { readonly url: string; readonly storage: Destination.Storage } | undefined
      const status: Operation["status"] = {
        name: config.copyName,
        config,
        state: "starting",
        lastRunAt: null,
        lastSuccessAt: null,
        runs: 0,
        filesCopied: 0,
        bytesCopied: 0,
        lastError: null,
        leaseHeld: lease === undefined ? null : false
      }
      const retryPolicy = {
        schedule: Schedule.exponential(`${config.retryDelaySeconds} seconds`),
        times: config.maxRetries,
        while: isRetryable
      }
      const withRetry = <A>(effect: Effect.Effect<A, HdfsError>, what: string) =>
        effect.pipe(
          Effect.tapError((error) =>
            isRetryable(error)
              ? Effect.logWarning(`HDFS copy '${config.copyName}': ${what} failed, will retry: ${error.message}`)
              : Effect.void
          ),
          Effect.retry(retryPolicy)
        )

      const mayCopy = () => {
        if (lease === undefined) return true
        const held = lease.isHeld()
        status.leaseHeld = held
        if (!held) status.state = "standby"
        return held
      }

      const passBody = Effect.gen(function* () {
        if (!mayCopy()) return
        if (lease !== undefined && lease.term() !== trustedTerm) {
          // A new lease term: another process may have copied meanwhile, so trust nothing saved before.
          records = undefined
          trustedTerm = lease.term()
        }
        status.state = "copying"
        status.lastRunAt = new Date().toISOString()
        status.runs++
        const errors: Array<string> = []
        const filesBefore = status.filesCopied
        const bytesBefore = status.bytesCopied
        if (records === undefined) {
          trusted = new Set()
          records = yield* Effect.tryPromise({
            try: () => Manifest.load(manifestPath),
            catch: fromUnknown("LocalIO", `manifest ${manifestPath}`)
          }).pipe(
            Effect.catch((error) =>
              Effect.as(
                Effect.logWarning(
                  `HDFS copy '${config.copyName}': ignoring a damaged manifest (the destination is checked instead): ${error.message}`
                ),
                {}
              )
            )
          )
        }
        const saved = records
        const url = CopyConfig.renderDestination(config.destination, new Date(), config.timeZone)
        const destination = yield* Effect.fromResult(Destination.parse(url, webhdfs))
        // One client per destination URL, so a WebHDFS client keeps knowing which namenode is active.
        if (client?.url !== url) {
          const opened = openStorage(destination)
          client = { url, storage: lease === undefined ? opened : guarded(opened, lease.assertHeld) }
        }
        const storage = client.storage
        if (!rootReady) {
          const root = yield* withRetry(storage.status(destination.path), `checking ${url}`)
          if (root === undefined && config.createDestDirs)
            yield* withRetry(storage.mkdirs(destination.path), `creating ${url}`)
          else if (root === undefined) {
            return yield* new HdfsError({
              reason: "BadConfig",
              message: `destination ${url} does not exist and createDestDirs is false`
            })
          } else if (root.type !== "DIRECTORY") {
            return yield* new HdfsError({
              reason: "BadConfig",
              message: `destination ${url} is a file, not a directory`
            })
          }
          rootReady = !config.destination.includes("{date}")
        }
        const cwd = config.rootDir ?? globalThis.process?.cwd() ?? "/"
        const sources = yield* Effect.tryPromise({
          try: () => expand(config.pathPatterns, cwd),
          catch: fromUnknown("LocalIO", "listing source files")
        })
        const bases = config.pathPatterns.map((pattern) => literalBase(pattern, cwd))
        // Saved after every file that changed: a crash loses at most the record of the file just sent (and the
        // destination check on the next start recovers that one).
        const persist = Effect.tryPromise({
          try: () => Manifest.save(manifestPath, config.copyName, saved),
          catch: fromUnknown("LocalIO", `saving manifest ${manifestPath}`)
        }).pipe(Effect.catch((error) => Effect.logWarning(`HDFS copy '${config.copyName}': ${error.message}`)))
        const claimed = new Map<string, string>()
        for (const source of sources) {
          if (lease !== undefined && !lease.isHeld()) {
            errors.push("the lease was lost during the pass")
            break
          }
          const destPath = destinationPath(destination.path, source, config, bases)
          const other = claimed.get(destPath)
          if (other !== undefined) {
            errors.push(`${source} and ${other} both map to ${destPath}: set preserveStructure`)
            continue
          }
          claimed.set(destPath, source)
          const sync = syncFile({
            storage,
            source,
            destPath,
            record: saved[source],
            trusted: trusted.has(source),
            chunkBytes
          })
          // A file in flight finishes even when the operation is stopped; waits between retries do not hold a stop.
          const result = yield* withRetry(Effect.uninterruptible(sync), `copying ${source}`).pipe(Effect.result)
          if (result._tag === "Failure") {
            errors.push(`${source}: ${result.failure.message}`)
            yield* Effect.logError(
              `HDFS copy '${config.copyName}': ${source} failed after ${config.maxRetries} retries: ${result.failure.message}`
            )
            continue
          }
          const { record, action, bytesSent } = result.success
          trusted.add(source)
          if (action !== "unchanged") {
            status.filesCopied++
            status.bytesCopied += bytesSent
            yield* Effect.logDebug(`HDFS copy '${config.copyName}': ${action} ${destPath} (+${bytesSent} bytes)`)
          }
          if (JSON.stringify(saved[source]) !== JSON.stringify(record)) {
            saved[source] = record
            yield* persist
          }
        }
        // Forget files that no longer match (rotated away, deleted): should one come back, the destination check
        // still keeps it from being sent twice.
        const listed = new Set(sources)
        const gone = Object.keys(saved).filter((source) => !listed.has(source))
        for (const source of gone) delete saved[source]
        if (gone.length > 0) yield* persist
        status.lastError = errors.length === 0 ? null : errors.join("; ")
        if (errors.length === 0) status.lastSuccessAt = new Date().toISOString()
        const filesSent = status.filesCopied - filesBefore
        if (filesSent > 0) {
          yield* Effect.logInfo(
            `HDFS copy '${config.copyName}': sent ${filesSent} files, ${status.bytesCopied - bytesBefore} bytes to ${url}`
          )
        }
      })

      const semaphore = Semaphore.makeUnsafe(1)
      const pass = semaphore.withPermits(1)(
        passBody.pipe(
          Effect.catch((error) =>
            Effect.sync(() => {
              status.lastError = error.message
            }).pipe(Effect.andThen(Effect.logError(`HDFS copy '${config.copyName}': ${error.message}`)))
          ),
          Effect.ensuring(
            Effect.sync(() => {
              if (status.state === "copying") status.state = "waiting"
            })
          )
        )
      )
      return { status, pass, mayCopy } satisfies Operation
    }

    /** Checks every quarter second until this process holds the operation's lease (at once without a lease). */
    const waitForLease = (operation: Operation) =>
      Effect.sync(operation.mayCopy).pipe(
        Effect.repeat({ until: (held) => held, schedule: Schedule.spaced("250 millis") })
      )

    /** Runs passes every interval, each once the lease is held. */
    const loop = (operation: Operation) =>
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
        const config = CopyConfig.resolveCopy(copyOptions, env)
        if (config instanceof HdfsError) return yield* config
        // A bad URL fails now rather than at every pass.
        yield* Effect.fromResult(
          Destination.parse(CopyConfig.renderDestination(config.destination, new Date(), config.timeZone), webhdfs)
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
        return makeOperation(config, lease)
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
            message: `HDFS copy operation '${copyOptions.copyName}' is already running`
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

    const snapshot = (operation: Operation): OperationStatus => ({ ...operation.status })
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
            return Effect.fail(
              new HdfsError({ reason: "BadConfig", message: `no HDFS copy operation named '${name}'` })
            )
          }
          return Effect.map(operation.pass, () => snapshot(operation))
        }),
      listOperations: Effect.sync(() => [...operations.values()].map(snapshot)),
      getStatus: Effect.succeed({
        enabled: gate.enabled,
        reason: gate.reason,
        environmentVariable: gate.environmentVariable
      }),
      healthCheck: Effect.sync(() => {
        const issues: Array<string> = []
        if (gate.enabled && operations.size === 0) issues.push("HDFS copy enabled but no operations running")
        const now = Date.now()
        for (const { status } of operations.values()) {
          if (status.lastError !== null) issues.push(`copy '${status.name}': ${status.lastError}`)
          const last = status.lastRunAt === null ? null : Date.parse(status.lastRunAt)
          if (status.state !== "standby" && last !== null && now - last > 3 * status.config.intervalSeconds * 1000) {
            issues.push(
              `copy '${status.name}': no pass for ${Math.round((now - last) / 1000)}s (interval ${status.config.intervalSeconds}s)`
            )
          }
        }
        const message =
          issues.length > 0
            ? issues.join("; ")
            : gate.enabled
              ? `${operations.size} HDFS operations active`
              : "HDFS copy disabled (worker node)"
        return {
          status: issues.length === 0 ? "healthy" : "warning",
          message,
          healthy: issues.length === 0,
          enabled: gate.enabled,
          reason: gate.reason,
          operations: operations.size,
          issues
        }
      })
    })
  })

/** Every write checks the lease first, so a holder that lost it (paused, partitioned) stops before the next write. */
const guarded = (storage: Destination.Storage, assertHeld: Effect.Effect<void, HdfsError>): Destination.Storage => ({
  ...storage,
  create: (path, data) => Effect.andThen(assertHeld, storage.create(path, data)),
  append: (path, data) => Effect.andThen(assertHeld, storage.append(path, data)),
  rename: (from, to) => Effect.andThen(assertHeld, storage.rename(from, to)),
  mkdirs: (path) => Effect.andThen(assertHeld, storage.mkdirs(path))
})

/** The copier as a Layer; its scope's end stops every copy (after the files in flight) and releases leases. */
export const layer = (options: CopierOptions = {}): Layer.Layer<HdfsCopier, HdfsError> =>
  Layer.effect(HdfsCopier, make(options))

/** The copier for code without Effect: every method returns a Promise; `close()` stops everything. */
export interface PromiseCopier {
  readonly startCopy: (options: CopyConfig.CopyOptions) => Promise<boolean>
  readonly stopCopy: (name: string) => Promise<boolean>
  readonly stopAll: () => Promise<void>
  readonly runOnce: (name: string) => Promise<OperationStatus>
  readonly copyOnce: (
    options: CopyConfig.CopyOptions,
    leaseWaitSeconds?: number
  ) => Promise<OperationStatus | undefined>
  readonly listOperations: () => Promise<ReadonlyArray<OperationStatus>>
  readonly getStatus: () => Promise<Status>
  readonly healthCheck: () => Promise<Health>
  readonly close: () => Promise<void>
}

export const createCopier = async (options: CopierOptions = {}): Promise<PromiseCopier> => {
  const runtime = ManagedRuntime.make(layer(options))
  const copier = await runtime.runPromise(HdfsCopier)
  const run = <A>(effect: Effect.Effect<A, HdfsError>) => runtime.runPromise(effect)
  return {
    startCopy: (copyOptions) => run(copier.startCopy(copyOptions)),
    stopCopy: (name) => run(copier.stopCopy(name)),
    stopAll: () => run(copier.stopAll),
    runOnce: (name) => run(copier.runOnce(name)),
    copyOnce: (copyOptions, leaseWaitSeconds) => run(copier.copyOnce(copyOptions, leaseWaitSeconds)),
    listOperations: () => run(copier.listOperations),
    getStatus: () => run(copier.getStatus),
    healthCheck: () => run(copier.healthCheck),
    close: () => runtime.dispose()
  }
}
