/**
 * `dla copy <patterns...>`: copy log files to HDFS (WebHDFS) or mounted storage, every interval, only on the
 * coordinator, and with `--nats` only on the holder of the copy's lease. `--once` runs one pass and exits.
 */
import { stat } from "node:fs/promises"
import { FileError } from "@dla/core"
import { CopyConfig, HdfsCopier } from "@dla/hdfs"
import * as Console from "effect/Console"
import * as Argument from "effect/cli/Argument"
import * as CliError from "effect/cli/CliError"
import * as Command from "effect/cli/Command"
import * as Flag from "effect/cli/Flag"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Logger from "effect/Logger"
import * as Option from "effect/Option"
import * as Schedule from "effect/Schedule"
import * as EffectLogs from "../internal/EffectLogs.ts"
import * as Failure from "../internal/Failure.ts"
import * as FromStore from "../internal/FromStore.ts"
import * as Nats from "../internal/Nats.ts"
import * as StoreFlags from "../internal/StoreFlags.ts"

const optionalNumber = (name: string, description: string) =>
  Flag.Finite(name).pipe(
    Flag.filter(
      (n: number) => n >= 0,
      (n: number) => `--${name} must not be negative, got ${n}`
    ),
    Flag.optional,
    Flag.withDescription(description)
  )

const defined = <A>(key: string, value: Option.Option<A>) => (Option.isSome(value) ? { [key]: value.value } : {})

/** Whether `destination` is HDFS (WebHDFS behind hdfs://, webhdfs://, swebhdfs://) rather than mounted storage. */
export const isHdfs = (destination: string | undefined) =>
  destination === undefined || /^(?:hdfs|s?webhdfs):/i.test(destination)

/**
 * The copier's words for a destination: it says "HDFS copy ..." whatever the target; for file:// that is "copy".
 */
export const wording = (message: string, hdfs: boolean) =>
  hdfs ? message : message.replace(/^HDFS copy/, "Copy").replace(/\bHDFS copy\b/g, "copy")

/** @dla/logger's copier lines, in the words of the destination (the copier says "HDFS copy" whatever the target). */
const worded = (hdfs: boolean) =>
  Logger.make<unknown, void>((entry) =>
    EffectLogs.effectLogger.log({
      ...entry,
      message: (Array.isArray(entry.message) ? entry.message : [entry.message]).map((m) => wording(String(m), hdfs))
    })
  )

/** A `--root-dir` that is not a directory is an error (exit 1), not a pass that finds no file. */
const ensureDirectory = (path: string) =>
  Effect.tryPromise({ try: () => stat(path), catch: (cause) => FileError.fromSystemError(path, cause) }).pipe(
    Effect.filterOrFail(
      (stats) => stats.isDirectory(),
      () => new FileError.FileError({ path, reason: "NotAFile", detail: "--root-dir must be a directory" })
    )
  )

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`

export const copy = Command.make(
  "copy",
  {
    patterns: Argument.String("patterns").pipe(
      Argument.atLeast(0),
      Argument.withDescription(
        "Glob patterns of the files to copy ('**' crosses directories), relative to --root-dir (none with --from-store)"
      )
    ),
    dest: Flag.String("dest").pipe(
      Flag.optional,
      Flag.withDescription(
        "hdfs://namenode:8020/path, webhdfs://host:9870/path or file:///path; {date} becomes the day in LOG_TIMEZONE. Default: HDFS_LOG_DEST"
      )
    ),
    name: Flag.String("name").pipe(Flag.withDefault("logs"), Flag.withDescription("Copy operation name (lease key)")),
    rootDir: Flag.String("root-dir").pipe(
      Flag.optional,
      Flag.withDescription("Directory the patterns are relative to")
    ),
    preserveStructure: Flag.Boolean("preserve-structure").pipe(
      Flag.withDefault(false),
      Flag.withDescription("Keep the layout below --root-dir (e.g. <node>/train.log) instead of file names only")
    ),
    interval: optionalNumber("interval", "Seconds between passes. Default: HDFS_COPY_INTERVAL, else 60"),
    maxRetries: optionalNumber("max-retries", "Retries of a failing file per pass (default 3)"),
    retryDelay: optionalNumber("retry-delay", "Seconds before the first retry, doubling after (default 5)"),
    createDestDirs: Flag.Boolean("create-dest-dirs").pipe(
      Flag.withDefault(true),
      Flag.withDescription("Create the destination directory when missing (--no-create-dest-dirs to require it)")
    ),
    namenode: Flag.String("namenode").pipe(
      Flag.atLeast(0),
      Flag.withDescription("Namenode HTTP address, e.g. http://nn1:9870 (repeat for HA). Default: HDFS_NAMENODES")
    ),
    user: Flag.String("user").pipe(Flag.optional, Flag.withDescription("WebHDFS user.name. Default: HADOOP_USER_NAME")),
    nats: Flag.String("nats").pipe(
      Nats.fromEnv,
      Flag.optional,
      Flag.withDescription("NATS server URL(s), comma separated: copy only while holding the lease. Default: NATS_URL")
    ),
    leaseTtl: optionalNumber("lease-ttl", "Seconds after which a silent lease holder is replaced (default 6)"),
    stateDir: Flag.String("state-dir").pipe(
      Flag.optional,
      Flag.withDescription("Where manifests are kept. Default: DLA_HDFS_STATE_DIR, else ~/.cache/dla/hdfs")
    ),
    fromStore: StoreFlags.fromStore,
    stream: StoreFlags.stream,
    once: Flag.Boolean("once").pipe(
      Flag.withDefault(false),
      Flag.withDescription("Run one pass, print a summary and exit (1 when a file failed)")
    )
  },
  (options) =>
    Effect.gen(function* () {
      // The copier's variables through Config, as the copier reads them (HDFS_LOG_DEST, HDFS_COPY_INTERVAL...).
      const env = yield* HdfsCopier.environment
      const hdfs = isHdfs(Option.getOrUndefined(options.dest) ?? env.HDFS_LOG_DEST)
      return yield* Effect.gen(function* () {
        if (options.patterns.length === 0 && !options.fromStore) {
          return yield* new CliError.ValidationError({
            message: "give the patterns of the files to copy (or --from-store)"
          })
        }
        if (options.fromStore && options.patterns.length > 0) {
          return yield* new CliError.ValidationError({ message: "--from-store copies the store: drop the patterns" })
        }
        if (options.fromStore && Option.isNone(options.nats)) {
          return yield* new CliError.ValidationError({ message: "--from-store needs --nats URL (or NATS_URL)" })
        }
        if (Option.isSome(options.rootDir)) yield* ensureDirectory(options.rootDir.value)
        // Credentials only from the URL (nats://copier:password@host): `--user` here is WebHDFS's.
        const nats = Option.isSome(options.nats)
          ? yield* Nats.connection(options.nats.value, Nats.anonymous)
          : undefined
        // From the store: every stored node's files, mirrored under the state directory, are the files to copy.
        const mirror = options.fromStore
          ? FromStore.mirrorDir(
              Option.getOrElse(options.stateDir, () => CopyConfig.stateDirFromEnv(env)),
              options.name
            )
          : undefined
        const syncMirror =
          nats !== undefined && mirror !== undefined ? FromStore.mirror(nats, mirror, options.stream) : Effect.void
        const copier = yield* HdfsCopier.make({
          ...(nats !== undefined ? { nats } : {}),
          ...defined("leaseTtlSeconds", options.leaseTtl),
          ...defined("stateDir", options.stateDir),
          webhdfs: {
            ...(options.namenode.length > 0 ? { namenodes: options.namenode } : {}),
            ...defined("user", options.user)
          }
        })
        const copyOptions = {
          copyName: options.name,
          pathPatterns: mirror === undefined ? options.patterns : ["**"],
          ...defined("destination", options.dest),
          ...defined("rootDir", mirror === undefined ? options.rootDir : Option.some(mirror)),
          ...defined("intervalSeconds", options.interval),
          ...defined("maxRetries", options.maxRetries),
          ...defined("retryDelaySeconds", options.retryDelay),
          preserveStructure: options.preserveStructure || mirror !== undefined,
          createDestDirs: options.createDestDirs
        }
        yield* syncMirror
        if (!options.once) {
          if (mirror !== undefined) {
            const seconds = Option.getOrElse(options.interval, () => Number(env.HDFS_COPY_INTERVAL) || 60)
            yield* Effect.forkScoped(Effect.repeat(syncMirror, Schedule.spaced(Duration.seconds(seconds))))
          }
          if (yield* copier.startCopy(copyOptions)) yield* Effect.never
          return
        }
        const status = yield* copier.copyOnce(copyOptions)
        if (status === undefined) return // disabled here: the skip message says why
        yield* Console.log(
          status.leaseHeld === false
            ? `Another process holds the lease of '${options.name}': nothing copied`
            : `Copied ${plural(status.filesCopied, "file")}, ${plural(status.bytesCopied, "byte")} to ${status.config.destination}`
        )
        if (status.lastError !== null) return yield* new Failure.Failure({ message: status.lastError })
        // The copier's messages (enabled, started, skipped, each pass) are diagnostics: @dla/logger's lines on stderr
        // (rank-aware, NO_COLOR, --log-level, see internal/Diagnostics) in the destination's words, leaving stdout to
        // the summary.
      }).pipe(Effect.scoped, Effect.provide(Logger.layer([worded(hdfs)])))
    })
).pipe(
  Command.withDescription(
    "Copy logs to HDFS (WebHDFS) or mounted storage, incrementally and atomically, only on the coordinator (DISABLE_HDFS_COPY, DLA_HDFS_COPY=force|off)."
  ),
  Command.withExamples([
    {
      command: "dla copy '**/*.log' --root-dir /var/log/train --dest hdfs://nn:8020/logs/{date} --once",
      description: "One pass to HDFS, then exit"
    },
    {
      command: "dla copy '*.log' --dest file:///mnt/archive --interval 300",
      description: "Every 5 minutes to mounted storage, until stopped"
    },
    {
      command: "dla copy '*.log' --dest hdfs://nn:8020/logs --nats nats://nats:4222",
      description: "Only the holder of the copy's lease copies (one copy per job)"
    }
  ])
)
