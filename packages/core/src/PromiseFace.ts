/**
 * How every dla package derives its Promise face (`@dla/<package>/promise`) from its Effect API, so both faces have
 * the same names and options: an Effect becomes a Promise that rejects with the same tagged error
 * ({@link run}, {@link fn} for a function returning one), a service's members become functions returning Promises ({@link promised}), a scoped resource becomes
 * a Promise of that object plus `close()` ({@link scoped}), and a Stream becomes an `AsyncIterable`
 * (`Stream.toAsyncIterable`).
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Scope from "effect/Scope"

/**
 * A service in its Promise face: an `Effect` member becomes a function returning a Promise of its value, a function
 * returning an `Effect` returns a Promise; other members stay as they are.
 *
 * @since 0.1.0
 * @category models
 */
export type Promised<S> = {
  readonly [K in keyof S]: S[K] extends Effect.Effect<infer A, infer _E, never>
    ? () => Promise<A>
    : S[K] extends (...args: infer P) => Effect.Effect<infer A, infer _E, never>
      ? (...args: P) => Promise<A>
      : S[K]
}

/**
 * A resource that holds timers, subscriptions or files until it is closed (the end of its scope in the Effect face).
 *
 * @since 0.1.0
 * @category models
 */
export interface Closeable {
  /** Releases what the resource holds, as the end of its scope does in the Effect face. */
  readonly close: () => Promise<void>
}

/**
 * The option of a long-running operation's Promise face: aborting `signal` interrupts it (as interrupting its fiber
 * does in the Effect face) and the Promise rejects.
 *
 * @since 0.1.0
 * @category models
 */
export interface Abortable {
  readonly signal?: AbortSignal | undefined
}

/**
 * Runs `effect`: resolves to its value, rejects with its error itself (the tagged error of the Effect face, so
 * `instanceof` and `_tag` work), or with the defect; `options.signal` interrupts it.
 *
 * @since 0.1.0
 * @category running
 */
export const run = <A, E>(effect: Effect.Effect<A, E>, options: Abortable = {}): Promise<A> =>
  Effect.runPromise(effect, options.signal === undefined ? undefined : { signal: options.signal })

/**
 * The Promise face of a function returning an Effect: the same parameters (and defaults), a Promise of the value.
 *
 * @since 0.1.0
 * @category constructors
 */
export const fn =
  <P extends ReadonlyArray<unknown>, A, E>(f: (...args: P) => Effect.Effect<A, E>) =>
  (...args: P): Promise<A> =>
    Effect.runPromise(f(...args))

/**
 * Runs an effect for a resource's Promise face: {@link run}, or, for a resource of {@link scoped}, a run that its
 * `close()` interrupts.
 *
 * @since 0.1.0
 * @category models
 */
export type Runner = <A, E>(effect: Effect.Effect<A, E>) => Promise<A>

/** Members are checked at run time: a service's Effects need no context (`R = never`), as its type says. */
const promisedMember = (member: unknown, runner: Runner): unknown => {
  if (Effect.isEffect(member)) return () => runner(member as Effect.Effect<unknown, unknown>)
  if (typeof member !== "function") return member
  return (...args: ReadonlyArray<unknown>) => {
    const out: unknown = member(...args)
    return Effect.isEffect(out) ? runner(out as Effect.Effect<unknown, unknown>) : out
  }
}

const promisedWith = <S extends object>(service: S, runner: Runner): Promised<S> =>
  Object.fromEntries(
    Object.entries(service).map(([key, member]) => [key, promisedMember(member, runner)])
  ) as Promised<S>

/**
 * The Promise face of a service (see {@link Promised}).
 *
 * @since 0.1.0
 * @category constructors
 */
export const promised = <S extends object>(service: S): Promised<S> => promisedWith(service, run)

/**
 * Acquires a scoped resource in a scope of its own and resolves to its Promise face plus `close()`. `close()` first
 * interrupts the calls still running (their Promises reject), then closes the scope, releasing the resource as the end
 * of the scope does in the Effect face. When acquiring fails, what was acquired is released and the Promise rejects
 * with the error. Members the mapping of {@link Promised} cannot express (an action to run fenced, a Stream) come from
 * `extend`, given the service and the runner that `close()` interrupts.
 *
 * @since 0.1.0
 * @category constructors
 */
export const scoped = async <S extends object, E, X extends object = {}>(
  acquire: Effect.Effect<S, E, Scope.Scope>,
  extend?: (service: S, runner: Runner) => X
): Promise<Omit<Promised<S>, keyof X> & X & Closeable> => {
  const scope = Effect.runSync(Scope.make())
  const service = await Effect.runPromise(
    Scope.provide(scope)(acquire).pipe(Effect.onError((cause) => Scope.close(scope, Exit.failCause(cause))))
  )
  const running = new Map<AbortController, Promise<unknown>>()
  const runner: Runner = (effect) => {
    const controller = new AbortController()
    const call = run(effect, controller).finally(() => running.delete(controller))
    running.set(controller, call)
    return call
  }
  const close = async () => {
    const calls = [...running.values()]
    for (const controller of running.keys()) controller.abort()
    await Promise.allSettled(calls)
    await run(Scope.close(scope, Exit.void))
  }
  return { ...promisedWith(service, runner), ...(extend?.(service, runner) as X), close }
}
