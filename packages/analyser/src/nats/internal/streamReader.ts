/**
 * Reads a whole stream from its first message, and keeps reading through failures of the cluster.
 *
 * An ordered consumer has one replica by design: when the node holding it dies, or the stream's leader changes, it
 * must be recreated, and nats.js does so only when it notices missed heartbeats, which on a 2.9 cluster in the middle
 * of an election it sometimes never does: the reader then waits forever while the stream grows. So this reader
 * remembers the next stream sequence it needs, and when nothing has arrived for `stallMs` although the stream holds
 * messages at or past that sequence, it drops the consumer and opens a new one from there. Nothing is skipped; a
 * message may be read twice only if its consumer died between delivering it and our noting it (callers dedupe).
 *
 * It pushes messages to `onMessage` rather than being iterated, so `stop()` ends it at once wherever it waits.
 */
import {
  type ConsumerMessages,
  DeliverPolicy,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg
} from "@nats-io/jetstream"

export interface Options {
  /** No message for this long while the stream has more: reopen (default 4 s). */
  readonly stallMs?: number
  /** Give up after failing to open a consumer for this long in a row (default 60 s). */
  readonly giveUpMs?: number
}

export interface Handlers {
  /** The clock `stallMs` and `giveUpMs` are measured on, in milliseconds (the owner's Effect `Clock`). */
  readonly now: () => number
  readonly onMessage: (msg: JsMsg) => void
  /** Opening a consumer failed for `giveUpMs` in a row. The reader never ends otherwise: its owner stops it. */
  readonly onError: (error: unknown) => void
}

export const readAll = (
  js: JetStreamClient,
  jsm: JetStreamManager,
  stream: string,
  handlers: Handlers,
  options: Options = {}
): { readonly stop: () => void } => {
  const { now } = handlers
  const stallMs = options.stallMs ?? 4_000
  const giveUpMs = options.giveUpMs ?? 60_000
  let stopped = false
  let current: ConsumerMessages | undefined
  let watchdog: ReturnType<typeof setInterval> | undefined
  let wake: (() => void) | undefined
  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms)
      wake = () => {
        clearTimeout(timer)
        resolve()
      }
    })

  const loop = async () => {
    let next = 1
    let failingSince: number | undefined
    while (!stopped) {
      const opened = await js.consumers
        .get(stream, next === 1 ? {} : { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: next })
        .then((consumer) => consumer.consume({ expires: 2_000 }))
        .then(
          (messages) => ({ messages }),
          (error: unknown) => ({ error })
        )
      if (stopped) {
        if ("messages" in opened) opened.messages.stop()
        return
      }
      if ("error" in opened) {
        // Mid-election the cluster answers "no responders", even "stream not found", for a while: try again, within
        // a bound. Never take it for the end of the stream, which would end a run with results still to come.
        failingSince ??= now()
        if (now() - failingSince > giveUpMs) return handlers.onError(opened.error)
        await pause(500)
        continue
      }
      failingSince = undefined
      const messages = opened.messages
      current = messages
      let lastAt = now()
      watchdog = setInterval(() => {
        if (now() - lastAt < stallMs) return
        jsm.streams.info(stream).then(
          (info) => {
            if (info.state.last_seq >= next) messages.stop()
          },
          () => {} // no answer now: look again at the next tick
        )
      }, stallMs / 2)
      // Never what keeps a process alive: a reader whose owner is gone must not hold its exit (it is cleared anyway).
      watchdog.unref()
      try {
        for await (const msg of messages) {
          lastAt = now()
          next = msg.seq + 1
          handlers.onMessage(msg)
        }
      } catch {
        // The consumer failed: open a new one from `next`.
      } finally {
        clearInterval(watchdog)
        current = undefined
      }
    }
  }
  loop().catch(handlers.onError)

  return {
    stop: () => {
      stopped = true
      clearInterval(watchdog)
      current?.stop()
      wake?.()
    }
  }
}
