import { mkdirSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { afterEach, describe, expect, it } from "@effect/vitest"
import { expand, segmentRegExp } from "../src/internal/glob.ts"
import { removeDir, tempDir } from "./support/helpers.ts"

let dir = ""
afterEach(() => removeDir(dir))

describe("glob", () => {
  it("compiles one segment: *, ?, classes, alternatives, no leading dot", () => {
    expect(segmentRegExp("*.log").test("train.log")).toBe(true)
    expect(segmentRegExp("*.log").test(".hidden.log")).toBe(false)
    expect(segmentRegExp("rank?.{log,txt}").test("rank3.txt")).toBe(true)
    expect(segmentRegExp("rank[0-1].log").test("rank2.log")).toBe(false)
    expect(segmentRegExp("a.b").test("axb")).toBe(false)
  })

  it("expands ** across directories, relative to a base, sorted and without repeats", async () => {
    dir = tempDir("glob")
    for (const p of ["node-a/train.log", "node-a/deep/x.log", "node-b/train.log", "node-b/notes.txt", "top.log"]) {
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
  })
})
