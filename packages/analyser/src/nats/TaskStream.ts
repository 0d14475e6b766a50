/**
 * The task queue over JetStream: stream `DLA_TASKS_<run>` (work-queue retention) with one shared durable pull
 * consumer, explicit acks, an ack wait and a max-deliveries limit; publish dedupe by
 * `Nats-Msg-Id = <run>/<task>/<generation>`; tasks given up are reported by the server's max-deliveries advisory.
 *
 * @since 0.1.0
 */
import { AckPolicy, type ConsumerInfo, type JetStreamManager, RetentionPolicy } from "@nats-io/jetstream"
import { millis, type NatsConnection, nanos } from "@nats-io/nats-core"
import { Duration, Effect, Layer, Option, Schedule, Stream } from "effect"
import type * as AnalyserError from "../AnalyserError.ts"
import { decodeJson, encodeJson, Task } from "../Task.ts"
import * as TaskQueue from "../TaskQueue.ts"
import {
  clients,
  ensureStream,
  ignoreNotFound,
  notFound,
  subscription,
  transport,
  tryNats
} from "./internal/jetstream.ts"
import * as Pull from "./internal/pull.ts"
import { consumerName, markDone, names } from "./RunsKv.ts"

/**
 * Creates the run's task stream and its consumer, or checks that left-over ones fit (see `ensureStream`); a
 * consumer with other limits is updated. `fresh`: a left-over stream is made again, empty and without a consumer.
 *
 * @since 0.1.0
 * @category lifecycle
 */
export const ensure = (
  jsm: JetStreamManager,
  runId: string,
  options: TaskQueue.Options & {
    readonly duplicateWindow: number
    readonly replicas: number
    readonly fresh?: boolean
  }
) =>
  Effect.gen(function* () {
    const n = names(runId)
    yield* ensureStream(jsm, {
      name: n.tasks,
      subjects: [n.taskSubject],
      retention: RetentionPolicy.Workqueue,
      duplicateWindow: options.duplicateWindow,
      replicas: options.replicas,
      fresh: options.fresh
    })
    const consumer = {
      durable_name: consumerName,
      ack_policy: AckPolicy.Explicit,
      ack_wait: nanos(Duration.toMillis(options.ackWait ?? TaskQueue.defaults.ackWait)),
      max_deliver: options.maxDeliveries ?? TaskQueue.defaults.maxDeliveries,
      max_ack_pending: -1
    }
    yield* tryNats(`cannot create consumer ${consumerName} on ${n.tasks}`, async () => {
      // One round trip when it is absent or fits (a server that updates a durable on create does that too); a server
      // that refuses to create an existing one with other limits gets it looked up and updated.
      const made = await jsm.consumers.add(n.tasks, consumer).then(
        () => true,
        () => false
      )
      if (made) return
      const existing = await jsm.consumers.info(n.tasks, consumerName).catch(ignoreNotFound)
      if (existing === undefined) await jsm.consumers.add(n.tasks, consumer)
      else if (existing.config.ack_wait !== consumer.ack_wait || existing.config.max_deliver !== consumer.max_deliver) {
        await jsm.consumers.update(n.tasks, consumerName, {
          ack_wait: consumer.ack_wait,
          max_deliver: consumer.max_deliver
        })
      }
    })
  })

/** An answer to a delivery (nak, progress, term): a core-NATS message to its ack subject, which fails once closed. */
const respond = (nc: NatsConnection, delivered: Pull.Delivered, payload: Uint8Array, what: string) =>
  Effect.try({ try: () => nc.publish(delivered.reply, payload), catch: transport(what) })

const delivery = (
  nc: NatsConnection,
  delivered: Pull.Delivered,
  task: Task,
  ackWaitMs: number,
  maxDeliveries: number
): TaskQueue.Delivery => ({
  task,
  attempt: delivered.deliveryCount,
  maxDeliveries,
  progressEvery: Duration.millis(ackWaitMs / 3),
  // An ack is a core-NATS message to the consumer's leader: one sent while a new leader is being elected is lost
  // without a word. Asking for the server's reply (JetStream's "ack ack") makes a lost ack an error to retry; the
  // same ack subject reaches whichever node leads the consumer now, and acking again is harmless.
  ack: tryNats("cannot ack a task", () => nc.request(delivered.reply, Pull.answers.ack, { timeout: 2000 })).pipe(
    Effect.asVoid
  ),
  nak: (delay) =>
    respond(
      nc,
      delivered,
      delay === undefined ? Pull.answers.nak : Pull.answers.nakAfter(Duration.toMillis(delay)),
      "cannot hand a task back"
    ),
  working: respond(nc, delivered, Pull.answers.working, "cannot report progress on a task")
})

const decodeTask = decodeJson(Task, "task")

/**
 * The TaskQueue of run `runId` (its stream and consumer must exist: see `Distributed.setupRun`).
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (nc: NatsConnection, runId: string, options: TaskQueue.Options = {}) =>
  Layer.effect(
    TaskQueue.TaskQueue,
    Effect.gen(function* () {
      const n = names(runId)
      const { js, jsm } = yield* clients(nc)
      // A worker learns the run's ack wait and delivery limit from the consumer the master made, looked up as it
      // first pulls (a master, which takes no task, looks nothing up).
      const limits = (consumer: ConsumerInfo) => ({
        ackWaitMs:
          options.ackWait !== undefined
            ? Duration.toMillis(options.ackWait)
            : consumer.config.ack_wait !== undefined
              ? millis(consumer.config.ack_wait)
              : Duration.toMillis(TaskQueue.defaults.ackWait),
        maxDeliveries: options.maxDeliveries ?? consumer.config.max_deliver ?? TaskQueue.defaults.maxDeliveries
      })

      const streamExists = tryNats(`cannot read stream ${n.tasks}`, () =>
        jsm.streams.info(n.tasks).then(
          () => true,
          (error) => (notFound(error) ? false : Promise.reject(error))
        )
      )
      // Made at the first take: a master that takes no task does not subscribe.
      let puller: Pull.Puller | undefined
      yield* Effect.addFinalizer(() => Effect.sync(() => puller?.close()))
      // The consumer's limits, looked up once (again only after an error), beside the first pull rather than before it.
      let consumerInfo: Promise<ConsumerInfo> | undefined
      const lookUp = () => {
        consumerInfo ??= jsm.consumers.info(n.tasks, consumerName)
        const looking = consumerInfo
        looking.catch(() => {
          if (consumerInfo === looking) consumerInfo = undefined
        })
        return looking
      }
      // One pull: Some(Some(delivery)), Some(None) when the run's queue is gone, None to pull again.
      const pull: Effect.Effect<
        Option.Option<Option.Option<TaskQueue.Delivery>>,
        AnalyserError.AnalyserError
      > = Effect.tryPromise({
        try: async (signal) => {
          puller ??= Pull.make(nc, n.tasks, consumerName, { expiresMs: 2000 })
          // A pull on a consumer that is not there is never answered: a failed look-up ends it at once (a task that
          // still comes finds no taker and is handed back).
          const pulling = new AbortController()
          const stop = () => pulling.abort()
          signal.addEventListener("abort", stop, { once: true })
          try {
            const delivered = puller.next(pulling.signal)
            delivered.catch(() => {}) // awaited below, unless the look-up fails first
            const info = await lookUp().catch((error) => {
              stop()
              throw error
            })
            const task = await delivered
            return task === null ? null : { delivered: task, info }
          } finally {
            signal.removeEventListener("abort", stop)
          }
        },
        catch: transport("cannot pull a task")
      }).pipe(
        Effect.flatMap((pulled) => {
          if (pulled === null) {
            return streamExists.pipe(Effect.map((exists) => (exists ? Option.none() : Option.some(Option.none()))))
          }
          const { delivered, info } = pulled
          const { ackWaitMs, maxDeliveries } = limits(info)
          return decodeTask(delivered.data).pipe(
            Effect.map((task) => Option.some(Option.some(delivery(nc, delivered, task, ackWaitMs, maxDeliveries)))),
            // A message that is not a task is dropped for good rather than redelivered forever.
            Effect.catch(() =>
              respond(nc, delivered, Pull.answers.term, "cannot drop a message that is not a task").pipe(
                Effect.ignore,
                Effect.as(Option.none())
              )
            )
          )
        }),
        Effect.catch((error) =>
          notFound(error.cause)
            ? Effect.succeed(Option.some(Option.none()))
            : // The server may be restarting: try again shortly (the connection reconnects by itself).
              Effect.sleep("250 millis").pipe(Effect.as(Option.none()))
        )
      )
      const take = pull.pipe(
        Effect.repeat({ until: Option.isSome }),
        Effect.map((o) => Option.flatten(o))
      )

      const poisoned = subscription(nc, n.maxDeliveriesAdvisory).pipe(
        Stream.mapEffect((data) =>
          tryNats("cannot read a given-up task", async () => {
            const advisory = JSON.parse(new TextDecoder().decode(data)) as { stream_seq: number; deliveries: number }
            const stored = await jsm.streams.getMessage(n.tasks, { seq: advisory.stream_seq })
            // Remove it so it no longer counts as outstanding; its id is all the master needs.
            await jsm.streams.deleteMessage(n.tasks, advisory.stream_seq).catch(() => false)
            if (stored === null) return []
            const task = JSON.parse(new TextDecoder().decode(stored.data)) as Task
            return [{ taskId: task.taskId, deliveries: advisory.deliveries }]
          }).pipe(
            // Mid-election a cluster does not answer for a few seconds: losing the advisory would hang the run.
            Effect.retry({ schedule: Schedule.spaced("500 millis"), times: 60 })
          )
        ),
        Stream.flatMap((found) => Stream.fromIterable(found))
      )

      return TaskQueue.TaskQueue.of({
        publish: (tasks, generation) =>
          tryNats("cannot publish tasks", async () => {
            // Pipelined publishes: each waits for its ack, 128 in flight at once.
            for (let i = 0; i < tasks.length; i += 128) {
              await Promise.all(
                tasks
                  .slice(i, i + 128)
                  .map((task) =>
                    js.publish(n.taskSubject, encodeJson(task), { msgID: `${runId}/${task.taskId}/${generation}` })
                  )
              )
            }
          }),
        take,
        poisoned,
        outstanding: tryNats("cannot read the task consumer", async () => {
          const info = await jsm.consumers.info(n.tasks, consumerName)
          return info.num_pending + info.num_ack_pending
        }),
        close: markDone(nc, jsm, runId)
      })
    })
  )
