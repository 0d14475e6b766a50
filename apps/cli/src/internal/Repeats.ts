/**
 * Collapses repeated diagnostics: a line said again and again (a master retrying a checkpoint through a NATS
 * election printed the same warning 377 times) is written once, and its count follows when something else is said,
 * when its window ends, or at `flush`. Lines in between are written as they come, so nothing is hidden but repeats.
 * Hand-written: a log library's sampling drops lines without saying how many, which is what this must tell.
 */

export interface Repeats<Tag = undefined> {
  /** Writes `line` unless it repeats one written less than the window ago; then only counts it. */
  readonly line: (line: string, tag?: Tag) => void
  /** Writes the counts of every line still being counted (at the end of a run, before its results). */
  readonly flush: () => void
}

export interface Options {
  /** A line repeated after this long is written again, after its count (default 60 s). */
  readonly windowMs?: number
  /** Milliseconds since some origin (tests pass a fake one). */
  readonly now?: () => number
}

interface Counted<Tag> {
  readonly since: number
  readonly tag: Tag | undefined
  repeats: number
}

/**
 * `write` gets each line (no newline) to print: the lines themselves and `<line> (repeated N more times)`, each with
 * the tag it was said with (a level).
 */
export const make = <Tag = undefined>(
  write: (line: string, tag: Tag | undefined) => void,
  options: Options = {}
): Repeats<Tag> => {
  const windowMs = options.windowMs ?? 60_000
  const now = options.now ?? Date.now
  const counting = new Map<string, Counted<Tag>>()
  const summarise = (line: string, counted: Counted<Tag>) => {
    if (counted.repeats > 0)
      write(`${line} (repeated ${counted.repeats} more ${counted.repeats === 1 ? "time" : "times"})`, counted.tag)
  }
  return {
    line: (line, tag) => {
      const at = now()
      const counted = counting.get(line)
      if (counted !== undefined && at - counted.since < windowMs) {
        counted.repeats++
        return
      }
      if (counted !== undefined) summarise(line, counted)
      // Anything else said ends the runs of repeats before it (their counts come first, in the order they started)
      // and forgets lines older than the window.
      for (const [other, c] of counting) {
        if (other !== line && (c.repeats > 0 || at - c.since >= windowMs)) {
          summarise(other, c)
          counting.delete(other)
        }
      }
      counting.set(line, { since: at, tag, repeats: 0 })
      write(line, tag)
    },
    flush: () => {
      for (const [line, counted] of counting) summarise(line, counted)
      counting.clear()
    }
  }
}
