/** The documentation's own links: every relative link of the READMEs and docs/ reaches a file, and a heading. */
import { existsSync, readdirSync, readFileSync } from "node:fs"
import { dirname, join, relative } from "node:path"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "vitest"

const repo = fileURLToPath(new URL("../../../", import.meta.url))
const markdown = [
  "README.md",
  ...readdirSync(join(repo, "docs")).map((f) => join("docs", f)),
  ...["packages", "apps"].flatMap((dir) => readdirSync(join(repo, dir)).map((p) => join(dir, p, "README.md")))
].filter((f) => f.endsWith(".md") && existsSync(join(repo, f)))

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to dashes. */
const slug = (heading: string) =>
  heading
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, "")
    .replace(/\s/g, "-")

const anchors = (file: string) =>
  new Set(
    [
      ...readFileSync(file, "utf8")
        .replace(/```[\s\S]*?```/g, "")
        .matchAll(/^#{1,6}\s+(.+)$/gm)
    ].map((m) => slug(m[1]!))
  )

/** `[text](target)` links outside code, without a scheme (http:, mailto:). */
const links = (text: string) =>
  [
    ...text
      .replace(/```[\s\S]*?```/g, "")
      .replace(/`[^`\n]*`/g, "")
      .matchAll(/\]\(([^)\s]+)\)/g)
  ]
    .map((m) => m[1]!)
    .filter((target) => !/^[a-z]+:/i.test(target))

describe("documentation links", () => {
  it("finds the guides", () => {
    expect(markdown).toContain(join("docs", "benchmarks.md"))
    expect(markdown.length).toBeGreaterThan(10)
  })

  it.each(markdown)("%s: every relative link resolves, #anchors included", (file) => {
    const path = join(repo, file)
    const broken: Array<string> = []
    for (const link of links(readFileSync(path, "utf8"))) {
      const [target, anchor] = link.split("#") as [string, string | undefined]
      const resolved = target === "" ? path : join(dirname(path), target)
      if (!existsSync(resolved)) broken.push(`${link} (no ${relative(repo, resolved)})`)
      else if (anchor !== undefined && resolved.endsWith(".md") && !anchors(resolved).has(anchor)) {
        broken.push(`${link} (no heading #${anchor})`)
      }
    }
    expect(broken).toEqual([])
  })
})
