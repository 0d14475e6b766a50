/**
 * Fixtures that live as long as one test file: started before its first test, stopped after its last.
 *
 * @since 0.1.0
 */
import { connect, type NatsConnection } from "@nats-io/transport-node"
import { afterAll, beforeAll } from "vitest"
import { type NatsServer, startNatsServer } from "./NatsServer.ts"

/**
 * A file's nats-server and a connection to it, read through accessors once the file's tests run.
 *
 * @since 0.1.0
 * @category models
 */
export interface FileNats {
  readonly server: () => NatsServer
  readonly nc: () => NatsConnection
}

/**
 * One nats-server and one connection shared by every test of the calling file (call it at the file's top level).
 *
 * @since 0.1.0
 * @category fixtures
 */
export const natsPerFile = (): FileNats => {
  let server: NatsServer | undefined
  let nc: NatsConnection | undefined
  beforeAll(async () => {
    server = await startNatsServer()
    nc = await connect({ servers: server.url })
  })
  afterAll(async () => {
    await nc?.close()
    await server?.stop()
  })
  const started = <A>(value: A | undefined): A => {
    if (value === undefined) throw new Error("natsPerFile: read before the file's tests started")
    return value
  }
  return { server: () => started(server), nc: () => started(nc) }
}
