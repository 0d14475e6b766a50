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

const promisedMember = (member: unknown): unknown => {
  if (Effect.isEffect(member)) return () => Effect.runPromise(member as Effect.Effect<unknown, unknown>)
  if (typeof member !== "function") return member
  return (...args: ReadonlyArray<unknown>) => {
    const out: unknown = member(...args)
    return Effect.isEffect(out) ? Effect.runPromise(out as Effect.Effect<unknown, unknown>) : out
  }
}

/**
 * The Promise face of a service (see {@link Promised}).
 *
 * @since 0.1.0
 * @category constructors
 */
export const promised = <S extends object>(service: S): Promised<S> =>
  Object.fromEntries(Object.entries(service).map(([key, member]) => [key, promisedMember(member)])) as Promised<S>

/**
 * Acquires a scoped resource in a scope of its own and resolves to its Promise face plus `close()`, which closes that
 * scope (releasing the resource as the end of the scope does in the Effect face). When acquiring fails, what was
 * acquired is released and the Promise rejects with the error.
 *
 * @since 0.1.0
 * @category constructors
 */
export const scoped = async <S extends object, E>(
  acquire: Effect.Effect<S, E, Scope.Scope>
): Promise<Promised<S> & Closeable> => {
  const scope = Effect.runSync(Scope.make())
  const service = await Effect.runPromise(
    Scope.provide(scope)(acquire).pipe(Effect.onError((cause) => Scope.close(scope, Exit.failCause(cause))))
  )
  return { ...promised(service), close: () => Effect.runPromise(Scope.close(scope, Exit.void)) }
}
