#!/usr/bin/env node
import { NodeRuntime, NodeServices } from "@effect/platform-node"
import { Cause, Effect, Exit } from "effect"
import * as Cli from "./Cli.ts"

Cli.run(process.argv.slice(2)).pipe(
  Effect.provide(NodeServices.layer),
  NodeRuntime.runMain({
    // Cli.run reports every failure itself (one line on stderr) and sets the exit code.
    disableErrorReporting: true,
    teardown: (exit, onExit) =>
      onExit(
        exit._tag === "Success" && typeof exit.value === "number"
          ? exit.value
          : // Ctrl-C (SIGINT) interrupts the whole program, e.g. a dashboard serving until stopped.
            Exit.isFailure(exit) && Cause.hasInterruptsOnly(exit.cause)
            ? Cli.ExitCode.interrupted
            : Cli.ExitCode.failure
      )
  })
)
