/** The `dla` program on Node (started by `bin.ts`). */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as NodeServices from "@effect/platform-node/NodeServices"
import * as Effect from "effect/Effect"
import * as Runtime from "effect/Runtime"
import * as Cli from "./Cli.ts"

// runMain turns SIGINT and SIGTERM into an interruption of the program (its scopes close, finalizers run); the signal
// that came first decides the exit code, 128 + its number as shells report it.
let signalled: number | undefined
const onSignal = (code: number) => () => {
  signalled ??= code
}
process.once("SIGINT", onSignal(130))
process.once("SIGTERM", onSignal(143))

Cli.run(process.argv.slice(2)).pipe(
  Effect.provide(NodeServices.layer),
  NodeRuntime.runMain({
    // Cli.run reports every failure itself (one line on stderr) and returns the exit code. Only an interruption
    // ends the fiber otherwise: the default teardown makes that 130 (143 after SIGTERM).
    disableErrorReporting: true,
    teardown: (exit, onExit) => {
      const exitWith = (code: number) => onExit(code === Cli.ExitCode.interrupted ? (signalled ?? code) : code)
      return exit._tag === "Success" && typeof exit.value === "number"
        ? exitWith(exit.value)
        : Runtime.defaultTeardown(exit, exitWith)
    }
  })
)
