/**
 * Glob patterns to regular expressions, for include/exclude filters on paths relative to the analysed root.
 * `**` crosses directories, `*` and `?` stay within one, `{a,b}` and `[abc]` as in a shell. A pattern without `/`
 * matches the file name at any depth (`*.log` matches `a/b/c.log`), as in .gitignore.
 */

export const toRegExp = (glob: string): RegExp => {
  let source = ""
  let braces = 0
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!
    if (c === "*") {
      if (glob[i + 1] === "*") {
        const slash = glob[i + 2] === "/"
        source += slash ? "(?:.*/)?" : ".*"
        i += slash ? 2 : 1
      } else source += "[^/]*"
    } else if (c === "?") source += "[^/]"
    else if (c === "[") {
      const close = glob.indexOf("]", i + 2)
      if (close < 0) source += "\\["
      else {
        const body = glob.slice(i + 1, close)
        source += `[${body.startsWith("!") ? `^${body.slice(1)}` : body}]`
        i = close
      }
    } else if (c === "{") {
      braces++
      source += "(?:"
    } else if (c === "}" && braces > 0) {
      braces--
      source += ")"
    } else if (c === "," && braces > 0) source += "|"
    else source += c.replace(/[.+^$()|\\]/g, "\\$&")
  }
  const anchored = glob.includes("/") ? `^${source}$` : `(?:^|/)${source}$`
  return new RegExp(anchored)
}

/** A filter from include and exclude globs: no include means everything; an exclude always wins. */
export const filter = (include: ReadonlyArray<string>, exclude: ReadonlyArray<string>): ((path: string) => boolean) => {
  const includes = include.map(toRegExp)
  const excludes = exclude.map(toRegExp)
  return (path) => (includes.length === 0 || includes.some((r) => r.test(path))) && !excludes.some((r) => r.test(path))
}
