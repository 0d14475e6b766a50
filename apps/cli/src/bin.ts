#!/usr/bin/env node
import { NodeRuntime, NodeServices } from "@effect/platform-node"
import { Effect } from "effect"
import * as Cli from "./Cli.ts"

Cli.run(process.argv.slice(2)).pipe(
  Effect.provide(NodeServices.layer),
  NodeRuntime.runMain({
    // Cli.run reports every failure itself (one line on stderr) and sets the exit code.
    disableErrorReporting: true,
    teardown: (exit, onExit) =>
      onExit(exit._tag === "Success" && typeof exit.value === "number" ? exit.value : Cli.ExitCode.failure)
  })
)
