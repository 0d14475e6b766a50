// What the packages' runtime smoke tests (packages/*/runtime-tests/smoke.mjs) share: a check that throws, a free
// loopback port, and a real JetStream nats-server (Debian's, on PATH) to connect to. Plain JavaScript with no package
// imports, so it runs as is on Node, Bun and Deno; the caller passes its own `connect` (@nats-io/transport-node).
import { spawn } from "node:child_process"
import { createServer } from "node:net"

/** Throws `message` unless `condition` holds. */
export const check = (condition, message) => {
  if (!condition) throw new Error(message)
}

/** A loopback port free at the moment of asking. */
export const freePort = () =>
  new Promise((resolve) => {
    const probe = createServer().listen(0, "127.0.0.1", () => {
      const { port } = probe.address()
      probe.close(() => resolve(port))
    })
  })

/**
 * Starts nats-server with JetStream on a free loopback port, storing in `storeDir`. `connect()` retries until the server
 * answers (10 s at most) and keeps the connection; `stop()` closes every connection and kills the server.
 */
export const startNats = async (storeDir, connect) => {
  const port = await freePort()
  const server = spawn("nats-server", ["-a", "127.0.0.1", "-p", String(port), "-js", "-sd", storeDir], {
    stdio: "ignore"
  })
  const connections = []
  return {
    connect: async () => {
      for (let i = 0; i < 100; i++) {
        try {
          const nc = await connect({ servers: `nats://127.0.0.1:${port}` })
          connections.push(nc)
          return nc
        } catch {
          await new Promise((resolve) => setTimeout(resolve, 100))
        }
      }
      throw new Error("nats-server did not start")
    },
    stop: async () => {
      await Promise.all(connections.map((nc) => nc.close()))
      server.kill("SIGKILL")
    }
  }
}
