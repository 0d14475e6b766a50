/**
 * Promise work over many items with at most a few in flight: file system calls (libuv has threads to spare) or round
 * trips to a server, where one at a time leaves the pipe idle and all at once floods it.
 *
 * @since 0.2.0
 */

/**
 * Runs `work` on every item, at most `limit` at once, each lane taking the next item as it finishes one. The first
 * failure rejects the whole, and the lanes start no further item (those already running finish).
 *
 * @since 0.2.0
 * @category running
 */
export const each = async <A>(
  items: ReadonlyArray<A>,
  limit: number,
  work: (item: A, index: number) => Promise<void>
): Promise<void> => {
  let next = 0
  const lane = async () => {
    while (next < items.length) {
      const index = next++
      await work(items[index]!, index).catch((error: unknown) => {
        next = items.length
        throw error
      })
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane))
}
