/**
 * One real worker process for the dashboard tests: `node --conditions=source worker.ts <nats-url> <run> <id> <ms>`
 * serves run <run> over NATS, waiting <ms> before each task so a test can act mid-run.
 */
import { Distributed } from "@dla/analyser/nats"
import { connect } from "@nats-io/transport-node"
import { Effect } from "effect"

const [url = "", runId = "", workerId = "", delayMs = "0"] = process.argv.slice(2)
const nc = await connect({ servers: url })
await Effect.runPromise(
  Distributed.worker(nc, { runId, workerId, once: true, taskDelay: Number(delayMs), heartbeatInterval: "200 millis" })
)
await nc.close()
