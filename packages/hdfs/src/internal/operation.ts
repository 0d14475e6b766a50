/**
 * One copy operation: its status and its pass (list the sources, bring each destination file up to date, keep the
 * manifest), serialised so a pass asked for (runOnce) and the interval's never overlap. With a lease, every write
 * checks it first.
 */
import { posix, relative } from "node:path"
import { Clock, Effect, Schedule, Semaphore } from "effect"
import * as CopyConfig from "../CopyConfig.ts"
import * as Destination from "../Destination.ts"
import { fromUnknown, HdfsError, isRetryable } from "../HdfsError.ts"
import type * as Lease from "../Lease.ts"
import type { OperationStatus } from "../OperationStatus.ts"
import * as WebHdfs from "../WebHdfs.ts"
import * as fileStorage from "./fileStorage.ts"
import { expand, literalBase } from "./glob.ts"
import * as Manifest from "./manifest.ts"
import { syncFile } from "./syncFile.ts"

/** What every operation of one copier shares. */
export interface Settings {
  /** Where manifests are kept. */
  readonly stateDir: string
  readonly webhdfs: Destination.WebHdfsOptions
  /** Largest single upload body. */
  readonly chunkBytes: number
}

export interface Operation {
  status: {
    -readonly [K in keyof OperationStatus]: OperationStatus[K]
  }
  /** One pass, serialised so runOnce and the interval never overlap. */
  readonly pass: Effect.Effect<void>
  /** Whether this process may copy now: always without a lease, else while it holds it (standing by otherwise). */
  readonly mayCopy: () => boolean
}

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

export const make = (config: CopyConfig.CopyConfig, lease: Lease.Lease | undefined, settings: Settings): Operation => {
  const { stateDir, webhdfs, chunkBytes } = settings
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
    const startedAt = yield* Clock.currentTimeMillis
    status.lastRunAt = new Date(startedAt).toISOString()
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
    const url = CopyConfig.renderDestination(config.destination, new Date(startedAt), config.timeZone)
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
          detail: `destination ${url} does not exist and createDestDirs is false`
        })
      } else if (root.type !== "DIRECTORY") {
        return yield* new HdfsError({
          reason: "BadConfig",
          detail: `destination ${url} is a file, not a directory`
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
    if (errors.length === 0) status.lastSuccessAt = new Date(yield* Clock.currentTimeMillis).toISOString()
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

/** Every write checks the lease first, so a holder that lost it (paused, partitioned) stops before the next write. */
const guarded = (storage: Destination.Storage, assertHeld: Effect.Effect<void, HdfsError>): Destination.Storage => ({
  ...storage,
  create: (path, data) => Effect.andThen(assertHeld, storage.create(path, data)),
  append: (path, data) => Effect.andThen(assertHeld, storage.append(path, data)),
  rename: (from, to) => Effect.andThen(assertHeld, storage.rename(from, to)),
  mkdirs: (path) => Effect.andThen(assertHeld, storage.mkdirs(path))
})
