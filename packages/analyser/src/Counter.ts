/**
 * How a worker counts one task: inline on the worker's own thread (a worker process), or on a dedicated worker
 * thread (the embedded engine, one thread per worker so one machine uses all its cores).
 *
 * @since 0.1.0
 */
import { Worker as Thread } from "node:worker_threads"
import { LogFormat } from "@dla/core"
import { Context, Effect, Layer, Semaphore } from "effect"
import * as AnalyserError from "./AnalyserError.ts"
import { type Counted, countParts } from "./internal/countParts.ts"
import type { Part, Task } from "./Task.ts"

/**
 * How a worker counts the parts of a task.
 *
 * @since 0.1.0
 * @category services
 */
export class Counter extends Context.Service<
  Counter,
  {
    /**
     * Counts a task's parts; a part that cannot be counted is in `skipped` (with its reason), the rest still count.
     * Fails only when counting itself broke (a counting thread died): not the task's fault.
     */
    readonly count: (task: Task) => Effect.Effect<Counted, AnalyserError.AnalyserError>
  }
>()("@dla/analyser/Counter") {}

/**
 * What counting a task's parts gives: the counts, each file's figures, and the parts skipped.
 *
 * @since 0.1.0
 * @category models
 */
export type { Counted } from "./internal/countParts.ts"

/**
 * Counts a task of parts in the log store (`Part.store`: ranges of files `dla ship` stored). The analyser does not
 * read the store itself: `@dla/store` reads it and `@dla/analyser` schedules, both depending only on core, and
 * whoever runs a worker with a NATS connection composes them (the CLI passes `@dla/store`'s `Reader.countRange`
 * here), so neither package depends on the other and a worker without store tasks never loads the store. Rejects
 * when the store cannot be read now: the task is handed back and delivered again.
 *
 * @since 0.2.0
 * @category models
 */
export type StoreCounter = (parts: ReadonlyArray<Part>, format: string | undefined) => Promise<Counted>

type Count = (task: Task) => Effect.Effect<Counted, AnalyserError.AnalyserError>

/** Store tasks (a task's parts are of one kind: `plan` and `planStore` make them so) to `store`, the rest to `files`. */
const byKind =
  (files: Count, format: string | undefined, store: StoreCounter | undefined): Count =>
  (task) =>
    task.parts[0].store === undefined
      ? files(task)
      : store === undefined
        ? Effect.fail(
            AnalyserError.make("Transport", `${task.parts[0].path} is in the log store, which this worker cannot read`)
          )
        : Effect.tryPromise({ try: () => store(task.parts, format), catch: countingFailed(task) })

const formatOf = (spec: string | undefined) => (spec === undefined ? undefined : LogFormat.fromSpec(spec))

const countingFailed = (task: Task) => (cause: unknown) =>
  AnalyserError.make("Transport", `counting ${task.parts[0].path} failed: ${AnalyserError.describe(cause)}`, cause)

/**
 * Counts on the calling thread. `format` is a `--format` spec (a core format name or a regex with a `level` group:
 * formats travel as specs because functions cannot cross a thread or the wire); core's default when absent. `store`
 * counts the tasks of the log store ({@link StoreCounter}), on the calling thread in either layer.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerInline = (format?: string, store?: StoreCounter) =>
  Layer.effect(
    Counter,
    Effect.gen(function* () {
      // One task at a time, as on a counting thread (internal/countThread.ts says why).
      const one = yield* Semaphore.make(1)
      return Counter.of({
        count: byKind(
          (task) =>
            Effect.tryPromise({
              try: () => countParts(task.parts, formatOf(format)),
              catch: countingFailed(task)
            }).pipe(one.withPermit),
          format,
          store
        )
      })
    })
  )

// Source (.ts, run with --conditions=source) or built (.js) sibling of this module.
const threadEntry = new URL(
  import.meta.url.endsWith(".ts") ? "./internal/countThread.ts" : "./internal/countThread.js",
  import.meta.url
)

type Reply = { ready: true } | { id: number; ok: true; result: Counted } | { id: number; ok: false; error: string }

/**
 * Counts on a dedicated worker thread, started with the layer and stopped with its scope (restarted if it dies). The
 * layer is built once the thread has loaded, so a worker takes no task it would only hold while the thread starts.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerThread = (format?: string, store?: StoreCounter) =>
  Layer.effect(
    Counter,
    Effect.gen(function* () {
      let thread: Thread | undefined
      let loaded: (() => void) | undefined
      const ready = new Promise<void>((resolve) => {
        loaded = resolve
      })
      let nextId = 0
      const pending = new Map<number, { resolve: (c: Counted) => void; reject: (e: Error) => void }>()
      const start = () => {
        const t = new Thread(threadEntry, {
          ...(import.meta.url.endsWith(".ts") ? { execArgv: ["--conditions=source"] } : {})
        })
        t.on("message", (reply: Reply) => {
          if ("ready" in reply) return loaded?.()
          const waiter = pending.get(reply.id)
          pending.delete(reply.id)
          if (reply.ok) waiter?.resolve(reply.result)
          else waiter?.reject(new Error(reply.error))
        })
        const died = (error: Error) => {
          if (thread === t) thread = undefined
          loaded?.() // a thread that died while loading: the first task restarts it and reports the failure
          for (const waiter of pending.values()) waiter.reject(new ThreadDied(error.message))
          pending.clear()
        }
        t.on("error", died)
        t.on("exit", (code) => died(new Error(`worker thread exited with code ${code}`)))
        return t
      }
      thread = start()
      yield* Effect.addFinalizer(() =>
        Effect.promise(async () => {
          await thread?.terminate()
        })
      )
      yield* Effect.promise(() => ready)
      return Counter.of({
        count: byKind(
          (task) =>
            Effect.tryPromise({
              try: () =>
                new Promise<Counted>((resolve, reject) => {
                  thread ??= start()
                  const id = nextId++
                  pending.set(id, { resolve, reject })
                  thread.postMessage({
                    id,
                    parts: task.parts.map(({ path, range, size }) => ({ path, range, size })),
                    format
                  })
                }),
              catch: (cause) =>
                cause instanceof ThreadDied
                  ? AnalyserError.make("Transport", `counting thread died on ${task.parts[0].path}`, cause)
                  : countingFailed(task)(cause)
            }),
          format,
          store
        )
      })
    })
  )

/** The counting thread crashed (not the file's fault): the task goes back to the queue. */
class ThreadDied extends Error {}
