import { Glob } from "@dla/core"
import { describe, expect, it } from "vitest"

/**
 * [pattern, path, matches with `dot: true`, matches with `dot: false` and with no options (its default)]; `null`:
 * not asserted under those options.
 */
const cases: ReadonlyArray<readonly [pattern: string, path: string, dot: boolean | null, noDot: boolean | null]> = [
  // translates **, *, ?, {a,b} and [...] on relative paths (LogFiles filters, dot files included)
  ["*.log", "a/b/c.log", true, null],
  ["*.log", "c.log.gz", false, null],
  ["**/*.log", "c.log", true, null],
  ["logs/**", "logs/a/b.txt", true, null],
  ["logs/*", "logs/a/b.txt", false, null],
  ["app-?.log", "app-1.log", true, null],
  ["*.{log,gz}", "x.gz", true, null],
  ["[ab].log", "b.log", true, null],
  ["[!ab].log", "b.log", false, null],
  ["a+b.log", "a+b.log", true, null],
  ["a+b.log", "aab.log", false, null],
  // matches one path segment's name (hdfs expansion, leading dot left out)
  ["*.log", "train.log", null, true],
  ["*.log", ".hidden.log", null, false],
  ["rank?.{log,txt}", "rank3.txt", null, true],
  ["rank[0-1].log", "rank2.log", null, false],
  ["a.b", "axb", null, false],
  // dot: true lets wildcards and ** take a leading dot; dot: false (the default) does not
  ["*.log", ".hidden.log", true, false],
  ["*.log", "a/.hidden.log", true, false],
  ["?x", ".x", true, false],
  ["[.a]x", ".x", true, false],
  ["**/*.log", ".git/x.log", true, false],
  ["logs/**", "logs/.cache/x", true, false],
  ["logs/**/x", "logs/a/.cache/x", true, false],
  ["*.log", ".git/x.log", true, false],
  // matches the same either way: spelled-out dots, segments, nested alternatives, literal characters
  // A spelled-out dot matches whatever the option; a dot inside a segment is never special.
  [".hidden.log", ".hidden.log", true, true],
  [".*", ".profile", true, true],
  [".cache/*", ".cache/x", true, true],
  ["**/.cache/*.log", "a/.cache/x.log", true, true],
  ["{.a,b}", ".a", true, true],
  ["*.log", "x.y.log", true, true],
  ["a*", "a.log", true, true],
  // * ? and classes stay within one segment; ** crosses any number of them.
  ["a/*/c", "a/b/c", true, true],
  ["a/*/c", "a/b/x/c", false, false],
  ["a?c", "a/c", false, false],
  ["a[!b]c", "a/c", false, false],
  ["a[!b]c", "axc", true, true],
  ["a/**/c", "a/c", true, true],
  ["a/**/c", "a/b/x/c", true, true],
  ["a/**", "a/b/x/c", true, true],
  // Nested alternatives, a leading ] in a class; an unclosed { or [ and regex syntax are literal characters.
  ["x.{log,{gz,zst}}", "x.zst", true, true],
  ["x.{log,{gz,zst}}", "x.gz", true, true],
  ["x.{log,{gz,zst}}", "x.{gz", false, false],
  ["{a,b/*}.log", "b/c.log", true, true],
  ["a,b", "a,b", true, true],
  ["[]]x", "]x", true, true],
  ["[!]]x", "ax", true, true],
  ["[!]]x", "]x", false, false],
  ["a{b", "a{b", true, true],
  ["a}b", "a}b", true, true],
  ["a[b", "a[b", true, true],
  ["(a|b)^$", "(a|b)^$", true, true],
  ["a|b", "a", false, false],
  ["[a\\]x", "\\x", true, true]
]

describe("Glob.toRegExp", () => {
  it.each(cases)("%s ~ %s (dot: %s, no dot: %s)", (pattern, path, dot, noDot) => {
    const optionSets: ReadonlyArray<readonly [Glob.Options, boolean | null]> = [
      [{ dot: true }, dot],
      [{ dot: false }, noDot],
      [{}, noDot]
    ]
    for (const [options, matches] of optionSets) {
      if (matches !== null) {
        expect(Glob.toRegExp(pattern, options).test(path), `${pattern} ${path} ${JSON.stringify(options)}`).toBe(
          matches
        )
      }
    }
  })
})
