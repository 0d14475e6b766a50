/**
 * `dla copy <patterns...>`: copy log files to HDFS (WebHDFS) or mounted storage, every interval, only on the
 * coordinator, and with `--nats` only on the holder of the copy's lease. `--once` runs one pass and exits.
 */
import { HdfsCopier } from "@dla/hdfs"
import * as Console from "effect/Console"
import * as Argument from "effect/cli/Argument"
import * as Command from "effect/cli/Command"
import * as Flag from "effect/cli/Flag"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Nats from "../internal/Nats.ts"

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

export const copy = Command.make(
  "copy",
  {
    patterns: Argument.String("patterns").pipe(
      Argument.atLeast(1),
      Argument.withDescription("Glob patterns of the files to copy ('**' crosses directories), relative to --root-dir")
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
    once: Flag.Boolean("once").pipe(
      Flag.withDefault(false),
      Flag.withDescription("Run one pass, print a summary and exit (1 when a file failed)")
    )
  },
  (options) =>
    Effect.gen(function* () {
      // Credentials only from the URL (nats://copier:password@host): `--user` here is WebHDFS's.
      const nats = Option.isSome(options.nats) ? yield* Nats.connection(options.nats.value, Nats.anonymous) : undefined
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
        pathPatterns: options.patterns,
        ...defined("destination", options.dest),
        ...defined("rootDir", options.rootDir),
        ...defined("intervalSeconds", options.interval),
        ...defined("maxRetries", options.maxRetries),
        ...defined("retryDelaySeconds", options.retryDelay),
        preserveStructure: options.preserveStructure,
        createDestDirs: options.createDestDirs
      }
      if (!options.once) {
        if (yield* copier.startCopy(copyOptions)) yield* Effect.never
        return
      }
      const status = yield* copier.copyOnce(copyOptions)
      if (status === undefined) return // disabled here: the skip message says why
      yield* Console.log(
        status.leaseHeld === false
          ? `Another process holds the lease of '${options.name}': nothing copied`
          : `Copied ${status.filesCopied} files, ${status.bytesCopied} bytes to ${status.config.destination}`
      )
      if (status.lastError !== null) return yield* Effect.fail(new Error(status.lastError))
    }).pipe(Effect.scoped)
).pipe(
  Command.withDescription(
    "Copy logs to HDFS (WebHDFS) or mounted storage, incrementally and atomically, only on the coordinator (DISABLE_HDFS_COPY, DLA_HDFS_COPY=force|off)."
  )
)
