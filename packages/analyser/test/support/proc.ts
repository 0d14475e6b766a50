/**
 * A real master or worker process for the tests (the CLI's commands do the same with flags):
 *   node --conditions=source proc.ts master|candidate|worker '<json options>'
 * (`candidate`: a master with standbys, elected with the other candidates of the run.)
 * Events go to stderr as JSON lines; the master's summary is the last line on stdout. Exit 0 on success, 1 on error.
 */

import * as Fence from "@dla/analyser/Fence"
import { Distributed } from "@dla/analyser/nats"
import { connect } from "@nats-io/transport-node"
import { Effect } from "effect"
import { listening } from "../../src/internal/listening.ts"

const [role, json] = process.argv.slice(2)
const { servers, ...options } = JSON.parse(json ?? "{}")
const say = (event: object) => process.stderr.write(`${JSON.stringify({ ...event, at: Date.now() % 100_000 })}\n`)

// No stack captured per request, as `dla` connects (apps/cli/src/internal/Nats.ts): a bench worker costs what one of
// `dla worker` does.
const nc = await connect({ servers, maxReconnectAttempts: -1, reconnectTimeWait: 100, noAsyncTraces: true })
const program: Effect.Effect<unknown, unknown> =
  role === "master"
    ? listening(Distributed.master(nc, options).pipe(Effect.provide(Fence.layerUnfenced)), { onEvent: say })
    : role === "candidate"
      ? listening(Distributed.masterWithStandbys(nc, { ...options, onLeadership: say }), { onEvent: say })
      : Distributed.worker(nc, { ...options, onEvent: say, onTask: say })
const exit = await Effect.runPromiseExit(program)
if (exit._tag === "Success") process.stdout.write(`${JSON.stringify(exit.value)}\n`)
else say({ _tag: "Error", cause: String(exit.cause) })
await nc.close()
process.exit(exit._tag === "Success" ? 0 : 1)
