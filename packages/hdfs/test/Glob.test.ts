import { mkdirSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { afterEach, describe, expect, it } from "@effect/vitest"
import { expand, literalBase } from "../src/internal/glob.ts"
import { removeDir, tempDir } from "./support/helpers.ts"

let dir = ""
afterEach(() => removeDir(dir))

describe("glob", () => {
  it("expands ** across directories, relative to a base, sorted and without repeats, leaving dot files out", async () => {
    dir = tempDir("glob")
    const hidden = [".cache/x.log", "node-b/.hidden.log"]
    for (const p of [
      "node-a/train.log",
      "node-a/deep/x.log",
      "node-b/train.log",
      "node-b/notes.txt",
      "top.log",
      ...hidden
    ]) {
      mkdirSync(join(dir, p, ".."), { recursive: true })
      writeFileSync(join(dir, p), "x")
    }
    expect(await expand(["**/*.log", "node-a/*.log"], dir)).toEqual(
      ["node-a/deep/x.log", "node-a/train.log", "node-b/train.log", "top.log"].map((p) => join(dir, p))
    )
    expect(await expand([join(dir, "*/train.log")], "/")).toEqual([
      join(dir, "node-a/train.log"),
      join(dir, "node-b/train.log")
    ])
    expect(await expand([join(dir, "node-b/**")], "/")).toEqual([
      join(dir, "node-b/notes.txt"),
      join(dir, "node-b/train.log")
    ])
    expect(await expand([join(dir, "missing/*.log")], "/")).toEqual([])
    // Wildcards and ** leave dot files and directories out (above); a pattern that spells the dot out takes them.
    expect(await expand([".cache/*.log", "node-b/.*"], dir)).toEqual(hidden.map((p) => join(dir, p)))
  })

  it("literalBase is the directory a pattern's wildcards start below", () => {
    expect(literalBase("/tmp/logs/*/*.log", "/")).toBe("/tmp/logs")
    expect(literalBase("/app/logs/app.log", "/")).toBe("/app/logs")
    expect(literalBase("logs/**/*.log", "/work")).toBe("/work/logs")
    expect(literalBase("*.log", "/work")).toBe("/work")
  })
})
