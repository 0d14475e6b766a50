/**
 * @dla/cli: the `dla` command line, for embedding or testing its commands.
 *
 * @since 0.1.0
 */
/**
 * The `dla` command: run it with arguments, or load it whole for its help and docs.
 *
 * @since 0.1.0
 * @category modules
 */
export * as Cli from "./Cli.ts"

/**
 * Flags several commands share, and their parsing.
 *
 * @since 0.1.0
 * @category modules
 */
export * as Flags from "./Flags.ts"

/**
 * The results as the assignment prints them, and as JSON.
 *
 * @since 0.1.0
 * @category modules
 */
export * as Report from "./Report.ts"
