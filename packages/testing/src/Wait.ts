/**
 * Bounded polling for tests that wait on another process or a timer: every loop has a deadline and names what it
 * waited for when it gives up.
 *
 * @since 0.1.0
 */

/**
 * How long to wait and how often to look.
 *
 * @since 0.1.0
 * @category models
 */
export interface WaitOptions {
  /** Give up after this long (default 15 s). */
  readonly timeoutMs?: number
  /** Pause between two looks (default 50 ms). */
  readonly intervalMs?: number
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * Resolves once `check` holds; rejects with "timed out waiting for <what>" after `timeoutMs`.
 *
 * @since 0.1.0
 * @category waiting
 */
export const waitFor = async (
  what: string,
  check: () => boolean | Promise<boolean>,
  options: WaitOptions = {}
): Promise<void> => {
  const deadline = performance.now() + (options.timeoutMs ?? 15_000)
  while (!(await check())) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await sleep(options.intervalMs ?? 50)
  }
}

/**
 * Retries `attempt` until it resolves and returns its value; after `timeoutMs`, rejects with its last failure.
 *
 * @since 0.1.0
 * @category waiting
 */
export const eventually = async <A>(attempt: () => Promise<A>, options: WaitOptions = {}): Promise<A> => {
  const deadline = performance.now() + (options.timeoutMs ?? 15_000)
  for (;;) {
    try {
      return await attempt()
    } catch (error) {
      if (performance.now() > deadline) throw error
      await sleep(options.intervalMs ?? 50)
    }
  }
}
