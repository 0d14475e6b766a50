import { Glob } from "@dla/core"
import { describe, expect, it } from "vitest"

type Case = readonly [pattern: string, path: string, matches: boolean]

/** Asserts every case under each of `optionSets`. */
const check = (cases: ReadonlyArray<Case>, ...optionSets: ReadonlyArray<Glob.Options>) => {
  for (const options of optionSets) {
    for (const [pattern, path, matches] of cases) {
      expect(Glob.toRegExp(pattern, options).test(path), `${pattern} ${path} ${JSON.stringify(options)}`).toBe(matches)
    }
  }
}

describe("Glob.toRegExp", () => {
  it("translates **, *, ?, {a,b} and [...] on relative paths (LogFiles filters, dot files included)", () => {
    check(
      [
        ["*.log", "a/b/c.log", true],
        ["*.log", "c.log.gz", false],
        ["**/*.log", "c.log", true],
        ["logs/**", "logs/a/b.txt", true],
        ["logs/*", "logs/a/b.txt", false],
        ["app-?.log", "app-1.log", true],
        ["*.{log,gz}", "x.gz", true],
        ["[ab].log", "b.log", true],
        ["[!ab].log", "b.log", false],
        ["a+b.log", "a+b.log", true],
        ["a+b.log", "aab.log", false]
      ],
      { dot: true }
    )
  })

  it("matches one path segment's name (hdfs expansion, leading dot left out)", () => {
    check(
      [
        ["*.log", "train.log", true],
        ["*.log", ".hidden.log", false],
        ["rank?.{log,txt}", "rank3.txt", true],
        ["rank[0-1].log", "rank2.log", false],
        ["a.b", "axb", false]
      ],
      { dot: false }
    )
  })

  it("dot: true lets wildcards and ** take a leading dot; dot: false (the default) does not", () => {
    const cases: ReadonlyArray<[pattern: string, path: string]> = [
      ["*.log", ".hidden.log"],
      ["*.log", "a/.hidden.log"],
      ["?x", ".x"],
      ["[.a]x", ".x"],
      ["**/*.log", ".git/x.log"],
      ["logs/**", "logs/.cache/x"],
      ["logs/**/x", "logs/a/.cache/x"],
      ["*.log", ".git/x.log"]
    ]
    check(
      cases.map(([pattern, path]) => [pattern, path, true]),
      { dot: true }
    )
    check(
      cases.map(([pattern, path]) => [pattern, path, false]),
      { dot: false },
      {}
    )
  })

  it("matches the same either way: spelled-out dots, segments, nested alternatives, literal characters", () => {
    check(
      [
        // A spelled-out dot matches whatever the option; a dot inside a segment is never special.
        [".hidden.log", ".hidden.log", true],
        [".*", ".profile", true],
        [".cache/*", ".cache/x", true],
        ["**/.cache/*.log", "a/.cache/x.log", true],
        ["{.a,b}", ".a", true],
        ["*.log", "x.y.log", true],
        ["a*", "a.log", true],
        // * ? and classes stay within one segment; ** crosses any number of them.
        ["a/*/c", "a/b/c", true],
        ["a/*/c", "a/b/x/c", false],
        ["a?c", "a/c", false],
        ["a[!b]c", "a/c", false],
        ["a[!b]c", "axc", true],
        ["a/**/c", "a/c", true],
        ["a/**/c", "a/b/x/c", true],
        ["a/**", "a/b/x/c", true],
        // Nested alternatives, a leading ] in a class; an unclosed { or [ and regex syntax are literal characters.
        ["x.{log,{gz,zst}}", "x.zst", true],
        ["x.{log,{gz,zst}}", "x.gz", true],
        ["x.{log,{gz,zst}}", "x.{gz", false],
        ["{a,b/*}.log", "b/c.log", true],
        ["a,b", "a,b", true],
        ["[]]x", "]x", true],
        ["[!]]x", "ax", true],
        ["[!]]x", "]x", false],
        ["a{b", "a{b", true],
        ["a}b", "a}b", true],
        ["a[b", "a[b", true],
        ["(a|b)^$", "(a|b)^$", true],
        ["a|b", "a", false],
        ["[a\\]x", "\\x", true]
      ],
      { dot: true },
      { dot: false }
    )
  })
})
