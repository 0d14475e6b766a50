/**
 * Flags that more than one command takes (`analyse`, and the analyser's master and workers): one definition, the
 * same spelling and help everywhere.
 *
 * @since 0.1.0
 */
import { LogFormat } from "@dla/core"
import * as Flag from "effect/cli/Flag"

/** `--format <name or regex>`: a built-in format, alias or wrapped format, or a regex with a `level` group; absent: detect per file. */
export const format = Flag.String("format").pipe(
  Flag.mapTryCatch(LogFormat.fromSpec, (error) => (error instanceof Error ? error.message : String(error))),
  Flag.optional,
  Flag.withDescription(
    `Log format: ${LogFormat.named.map((f) => f.name).join(", ")} (or an alias: ${Object.keys(LogFormat.aliases).join(", ")}); ${LogFormat.wrappers.map((w) => `${w.name}+<format>`).join(" or ")} for container logs and rank-labelled output (alone: any format inside); or a regular expression with a named group (?<level>...). Default: detected per file`
  )
)

/** `--include <glob>` (repeatable): only files matching one of them. */
export const include = Flag.String("include").pipe(
  Flag.atLeast(0),
  Flag.withDescription("Only files matching this glob (repeatable; '*.log' matches at any depth)")
)

/** `--exclude <glob>` (repeatable): leave out files matching one of them. */
export const exclude = Flag.String("exclude").pipe(
  Flag.atLeast(0),
  Flag.withDescription("Leave out files matching this glob (repeatable)")
)

/** `--json`: results as JSON on stdout. */
export const json = Flag.Boolean("json").pipe(
  Flag.withDefault(false),
  Flag.withDescription("Print the results as JSON")
)
