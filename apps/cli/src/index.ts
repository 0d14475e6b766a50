/**
 * @dla/cli: the `dla` command line, for embedding or testing its commands.
 *
 * @since 0.1.0
 */
export * as Cli from "./Cli.ts"
export * as Flags from "./Flags.ts"
export * as Report from "./Report.ts"
