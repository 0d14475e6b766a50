/**
 * Glob patterns to regular expressions, one dialect for every dla package: `*`, `?` and `[abc]` / `[!abc]` within
 * one path segment, `**` across directories, `{a,b}` alternatives (nestable); everything else is literal. A pattern
 * without `/` matches the last segment at any depth (`*.log` matches `a/b/c.log`), as in .gitignore, so it also
 * matches a bare file name.
 *
 * @since 0.1.0
 */

/**
 * How a pattern matches.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /**
   * Whether wildcards match a leading `.` of a segment: dot files, and dot directories entered by `**`. Default
   * false, as in a shell (`*.log` leaves out `.hidden.log`). A pattern segment that spells out the dot (`.cache/*`)
   * matches either way.
   */
  readonly dot?: boolean
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")

/** Whether the `{` at `open` has its `}`: an unclosed one is a literal character, not an error. */
const isClosed = (glob: string, open: number) => {
  let depth = 0
  for (let i = open; i < glob.length; i++) {
    if (glob[i] === "{") depth++
    else if (glob[i] === "}" && --depth === 0) return true
  }
  return false
}

/**
 * A regular expression that matches the whole of a `/`-separated path when `pattern` does.
 *
 * @since 0.1.0
 * @category constructors
 */
export const toRegExp = (pattern: string, options: Options = {}): RegExp => {
  // Where a segment starts (at the start or after `/`), a wildcard must not take a leading dot unless `dot` is set.
  const guard = options.dot ? "" : "(?!(?<![^/])\\.)"
  const glob = pattern.includes("/") ? pattern : `**/${pattern}`
  let source = ""
  let braces = 0
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!
    if (c === "*" && glob[i + 1] === "*") {
      const slash = glob[i + 2] === "/"
      source += `(?:${guard}[^/]*/)*${slash ? "" : `${guard}[^/]*`}`
      i += slash ? 2 : 1
    } else if (c === "*") source += `${guard}[^/]*`
    else if (c === "?") source += `${guard}[^/]`
    else if (c === "[") {
      // A `]` right after `[` or `[!` belongs to the class, as in a shell.
      const negated = glob[i + 1] === "!"
      const start = negated ? i + 2 : i + 1
      const close = glob.indexOf("]", start + 1)
      if (close < 0) source += "\\["
      else {
        const body = glob.slice(start, close).replace(/[\\\]]/g, "\\$&")
        source += `${guard}[${negated ? `^/${body}` : body}]`
        i = close
      }
    } else if (c === "{" && isClosed(glob, i)) {
      braces++
      source += "(?:"
    } else if (c === "}" && braces > 0) {
      braces--
      source += ")"
    } else if (c === "," && braces > 0) source += "|"
    else source += escapeRegExp(c)
  }
  return new RegExp(`^${source}$`)
}
