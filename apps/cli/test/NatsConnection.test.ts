/**
 * The connection the NATS commands make is closed in bounded time, whatever the server does: a `dla` that printed its
 * report must exit. Real nats-server on loopback.
 */
import { type NatsServer, startNatsServer } from "@dla/testing"
import * as Effect from "effect/Effect"
import { describe, expect, it } from "vitest"
import * as Nats from "../src/internal/Nats.ts"

describe("Nats.connection", () => {
  const closedWithin = async (server: NatsServer, stop: () => Promise<void>) => {
    let closing = 0
    await Effect.runPromise(
      Effect.scoped(
        Effect.gen(function* () {
          yield* Nats.connection(server.url, Nats.anonymous)
          yield* Effect.promise(stop)
          closing = performance.now()
        })
      ).pipe(Effect.timeout("30 seconds"))
    )
    return performance.now() - closing
  }

  it("is closed within seconds when its server went away", async () => {
    const server = await startNatsServer()
    try {
      expect(await closedWithin(server, () => server.kill())).toBeLessThan(5_000)
    } finally {
      await server.stop()
    }
  })

  it("is closed within seconds when its server stopped answering (a drain waits for an answer: minutes)", async () => {
    const server = await startNatsServer()
    try {
      const frozen = async () => {
        process.kill(server.pid, "SIGSTOP")
      }
      expect(await closedWithin(server, frozen)).toBeLessThan(5_000)
    } finally {
      process.kill(server.pid, "SIGCONT")
      await server.stop()
    }
  })
})
