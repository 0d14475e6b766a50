/**
 * Pull requests for one message at a time on a durable JetStream consumer, every one answered on a single inbox that
 * lives as long as the puller. nats.js's `consumer.next()` subscribes, arms heartbeat and expiry timers and
 * unsubscribes for every message, after a look-up of the consumer: over a run of many tasks that was most of what a
 * worker's thread spent on NATS, and the look-up held back a run's first task (docs/benchmarks.md, "A pull on one
 * inbox"). The wire protocol is JetStream's own: a request `{"batch":1,"expires":<ns>}` to
 * `$JS.API.CONSUMER.MSG.NEXT.<stream>.<consumer>`, answered by one message: a delivery (its reply subject is the ack
 * subject, `$JS.ACK...`), or a status without one (408: expired empty; 409: the consumer went away or changed leader;
 * 503: no such stream).
 */
import { createInbox, type Msg, type NatsConnection, nanos } from "@nats-io/nats-core"

/** A delivery from the consumer: its data and where its acks go. */
export interface Delivered {
  readonly data: Uint8Array
  /** The ack subject: acks, naks and progress are published to it. */
  readonly reply: string
  /** 1 for the first delivery, 2 for the first redelivery, ... (from the ack subject). */
  readonly deliveryCount: number
}

export interface Puller {
  /**
   * The next delivery, or `null` once this pull is over without one (it expired, the consumer is gone or moved, or
   * `signal` aborted): the caller decides whether to pull again.
   */
  readonly next: (signal: AbortSignal) => Promise<Delivered | null>
  readonly close: () => void
}

/**
 * The delivery count in an ack subject: `$JS.ACK.<stream>.<consumer>.<delivered>.<stream seq>.<consumer seq>.<time>
 * .<pending>`, or with a domain and account hash after `ACK` (and sometimes a token at the end) in newer servers.
 */
export const deliveryCount = (reply: string): number | undefined => {
  const tokens = reply.split(".")
  if (tokens[0] !== "$JS" || tokens[1] !== "ACK") return undefined
  const at = tokens.length === 9 ? 4 : tokens.length >= 11 ? 6 : -1
  const count = Number(tokens[at])
  return Number.isSafeInteger(count) && count >= 1 ? count : undefined
}

const encoder = new TextEncoder()

/**
 * JetStream's answers to a delivery, published to its ack subject: done, hand back (at once or after `delayMs`),
 * still working ("work in progress": restarts the ack wait), drop for good.
 */
export const answers = {
  ack: encoder.encode("+ACK"),
  nak: encoder.encode("-NAK"),
  nakAfter: (delayMs: number) => encoder.encode(`-NAK ${JSON.stringify({ delay: nanos(delayMs) })}`),
  working: encoder.encode("+WPI"),
  term: encoder.encode("+TERM")
} as const

/**
 * A puller on `consumer` of `stream`. A pull that is never answered (the server lost it as it restarted; the stream
 * is gone) is given up `graceMs` (default 250) after it should have expired. Answers go to the takers in the order
 * they asked: pulls of one message are interchangeable, so one answering late (its taker gave up) serves the next
 * taker, and a task that finds no taker is handed back.
 */
export const make = (
  nc: NatsConnection,
  stream: string,
  consumer: string,
  options: { readonly expiresMs: number; readonly graceMs?: number }
): Puller => {
  // nats.js keeps the connection's options (and so an inbox prefix a permission scheme may need) off its public type.
  const inbox = createInbox((nc as { readonly options?: { readonly inboxPrefix?: string } }).options?.inboxPrefix)
  const takers: Array<(delivered: Delivered | null) => void> = []
  const answer = (msg: Msg) => {
    const count = msg.reply === undefined ? undefined : deliveryCount(msg.reply)
    const delivered = count === undefined ? null : { data: msg.data, reply: msg.reply!, deliveryCount: count }
    const taker = takers.shift()
    if (taker !== undefined) taker(delivered)
    else if (delivered !== null) nc.publish(delivered.reply, answers.nak) // no taker: back to the queue at once
  }
  const subscription = nc.subscribe(inbox, { callback: (error, msg) => (error === null ? answer(msg) : undefined) })
  const subject = `$JS.API.CONSUMER.MSG.NEXT.${stream}.${consumer}`
  const request = encoder.encode(JSON.stringify({ batch: 1, expires: nanos(options.expiresMs) }))
  const giveUpMs = options.expiresMs + (options.graceMs ?? 250)
  return {
    next: (signal) =>
      new Promise((resolve, reject) => {
        if (signal.aborted) return resolve(null)
        try {
          nc.publish(subject, request, { reply: inbox })
        } catch (error) {
          return reject(error) // the connection is closed
        }
        const settle = (delivered: Delivered | null) => {
          clearTimeout(timer)
          signal.removeEventListener("abort", stop)
          resolve(delivered)
        }
        const stop = () => {
          const at = takers.indexOf(settle)
          if (at >= 0) takers.splice(at, 1)
          settle(null)
        }
        const timer = setTimeout(stop, giveUpMs)
        signal.addEventListener("abort", stop, { once: true })
        takers.push(settle)
      }),
    close: () => subscription.unsubscribe()
  }
}
