/**
 * Holding messages of a JetStream work queue, for tests that need a run to stay unfinished until they say so: the
 * test takes some tasks off the queue as a worker would, keeps them unacked, and hands them back (`nak`) when the
 * step it waits for has happened. No timing is involved: the run cannot end while they are held.
 *
 * @since 0.1.0
 */
import { type JsMsg, jetstream } from "@nats-io/jetstream"
import type { NatsConnection } from "@nats-io/transport-node"
import { eventually, type WaitOptions } from "./Wait.ts"

/**
 * Takes `count` messages from the durable pull consumer `consumer` of `stream`, waiting for both to exist and for
 * the messages to be published (bounded by `options.timeoutMs`, default 30 s). They stay unacked until the caller
 * acks or naks them (or their ack wait runs out: give the consumer one longer than the test).
 *
 * @since 0.1.0
 * @category waiting
 */
export const holdMessages = async (
  nc: NatsConnection,
  stream: string,
  consumer: string,
  count: number,
  options: WaitOptions = {}
): Promise<Array<JsMsg>> => {
  const bounded = { timeoutMs: 30_000, ...options }
  const pull = await eventually(() => jetstream(nc).consumers.get(stream, consumer), bounded)
  const held: Array<JsMsg> = []
  while (held.length < count) {
    held.push(
      await eventually(async () => {
        const msg = await pull.next({ expires: 1_000 })
        if (msg === null) throw new Error(`no message on ${stream} (consumer ${consumer}) to hold`)
        return msg
      }, bounded)
    )
  }
  return held
}
