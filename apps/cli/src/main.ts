/** The `dla` program on Node (started by `bin.ts`). */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as NodeServices from "@effect/platform-node/NodeServices"
import * as Effect from "effect/Effect"
import * as Runtime from "effect/Runtime"
import * as Cli from "./Cli.ts"

Cli.run(process.argv.slice(2)).pipe(
  Effect.provide(NodeServices.layer),
  NodeRuntime.runMain({
    // Cli.run reports every failure itself (one line on stderr) and returns the exit code. Only an interruption
    // (Ctrl-C, SIGTERM) ends the fiber otherwise: the default teardown makes that 130.
    disableErrorReporting: true,
    teardown: (exit, onExit) =>
      exit._tag === "Success" && typeof exit.value === "number"
        ? onExit(exit.value)
        : Runtime.defaultTeardown(exit, onExit)
  })
)
