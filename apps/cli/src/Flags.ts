/**
 * Flags that more than one command takes (`analyse`, and the analyser's master and workers): one definition, the
 * same spelling and help everywhere.
 *
 * @since 0.1.0
 */
import { availableParallelism } from "node:os"
import { LogFormat } from "@dla/core"
import * as CliError from "effect/cli/CliError"
import * as Flag from "effect/cli/Flag"
import * as Effect from "effect/Effect"
import * as Result from "effect/Result"
import * as Diagnostics from "./internal/Diagnostics.ts"

/**
 * `LogFormat.parse`, with its own words for a regex that has named groups but no `level` one: the user meant a
 * regex, so core's list of built-in names would mislead.
 *
 * @since 0.1.0
 * @category parsing
 */
export const parseFormat = (spec: string): Result.Result<LogFormat.LogFormat, LogFormat.LogFormatError> =>
  spec.includes("(?<") && !spec.includes("(?<level>")
    ? Result.fail(
        new LogFormat.LogFormatError({
          spec,
          detail: `no (?<level>...) group in the regex '${spec}': name the group that captures the level`
        })
      )
    : LogFormat.parse(spec)

/**
 * `--format <name or regex>`: a built-in format, alias or wrapped format, or a regex with a `level` group; absent:
 * detect per file.
 *
 * @since 0.1.0
 * @category flags
 */
export const format = Flag.String("format").pipe(
  Flag.mapEffect((spec) =>
    Effect.fromResult(parseFormat(spec)).pipe(
      Effect.mapError(
        (error) => new CliError.InvalidValue({ option: "format", value: spec, expected: error.message, kind: "flag" })
      )
    )
  ),
  Flag.optional,
  Flag.withDescription(
    `Log format: ${LogFormat.named.map((f) => f.name).join(", ")} (or an alias: ${Object.keys(LogFormat.aliases).join(", ")}); ${LogFormat.wrappers.map((w) => `${w.name}+<format>`).join(" or ")} for container logs and rank-labelled output (alone: any format inside); or a regular expression with a named group (?<level>...). Default: detected per file`
  )
)

/**
 * `--include <glob>` (repeatable): only files matching one of them.
 *
 * @since 0.1.0
 * @category flags
 */
export const include = Flag.String("include").pipe(
  Flag.atLeast(0),
  Flag.withDescription("Only files matching this glob (repeatable; '*.log' matches at any depth)")
)

/**
 * `--exclude <glob>` (repeatable): leave out files matching one of them.
 *
 * @since 0.1.0
 * @category flags
 */
export const exclude = Flag.String("exclude").pipe(
  Flag.atLeast(0),
  Flag.withDescription("Leave out files matching this glob (repeatable)")
)

/**
 * `--json`: results as JSON on stdout.
 *
 * @since 0.1.0
 * @category flags
 */
export const json = Flag.Boolean("json").pipe(
  Flag.withDefault(false),
  Flag.withDescription("Print the results as JSON")
)

/**
 * `--by-file`: each file's figures after the totals (see internal/ByFile).
 *
 * @since 0.1.0
 * @category flags
 */
export const byFile = Flag.Boolean("by-file").pipe(
  Flag.withDefault(false),
  Flag.withDescription(
    "Also each file's detected format, counts and lines without a level (a table, or `files` in --json)"
  )
)

/** `--workers <n>` (at least 1; checked before it becomes optional, so the message names the number). */
/**
 * `--replicas`: copies JetStream keeps on a cluster (1 to 5), of what the command creates.
 *
 * @since 0.1.0
 * @category flags
 */
export const replicas = (description: string) =>
  Flag.Int("replicas").pipe(
    Flag.withDefault(1),
    Flag.filter(
      (n: number) => n >= 1 && n <= 5,
      (n: number) => `--replicas must be 1 to 5, got ${n}`
    ),
    Flag.withDescription(description)
  )

/**
 * `--workers <n>`: how many workers count in parallel (at least 1; default: one per core, threads only as the input
 * pays for them).
 *
 * @since 0.1.0
 * @category flags
 */
export const workers = Flag.Int("workers").pipe(
  Flag.filter(
    (n: number) => n >= 1,
    (n: number) => `--workers must be at least 1, got ${n}`
  ),
  Flag.optional,
  Flag.withDescription(
    "Workers counting in parallel: this thread, and one worker thread each for the others (default: one per core, " +
      "the threads only as the input pays for them: 256 MB a thread; a small input is counted as --sequential does)"
  )
)

/**
 * More workers than cores only adds switching: a run with 64 threads on 2 cores was 28x slower. Said once on stderr;
 * the run still goes ahead (a test or a shared machine may mean it).
 *
 * @since 0.1.0
 * @category flags
 */
export const warnAboveCores = (workers: number, cores: number = availableParallelism()) =>
  workers > cores
    ? Effect.sync(() =>
        Diagnostics.warn(
          `--workers ${workers} is more than the ${cores} core(s) of this machine: expect it slower, not faster`
        )
      )
    : Effect.void
