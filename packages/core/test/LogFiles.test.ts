import { mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { LogFiles } from "@dla/core"
import { Effect } from "effect"
import { describe, expect, it } from "vitest"

const root = mkdtempSync(join(tmpdir(), "dla-files-"))
for (const path of ["b.log", "a.log", "sub/c.log", "sub/deep/d.log.gz", "sub/notes.txt", "B.log", "archive/old.log"]) {
  mkdirSync(join(root, path, ".."), { recursive: true })
  writeFileSync(join(root, path), "x\n")
}
symlinkSync(join(root, "sub"), join(root, "loop"))
symlinkSync(join(root, "nowhere"), join(root, "dangling.log"))
const names = (options: LogFiles.ListOptions = {}) =>
  Effect.runPromise(LogFiles.list(root, options)).then((files) => files.map((f) => f.relative))

describe("LogFiles.list", () => {
  it("gives each file's device and inode, the same through a linked directory", async () => {
    const files = await Effect.runPromise(LogFiles.list(root))
    const linked = await Effect.runPromise(LogFiles.list(join(root, "loop")))
    for (const file of [...files, ...linked]) {
      const { dev, ino } = statSync(file.path)
      expect(file, file.relative).toMatchObject({ dev, ino })
    }
    expect(linked.map((f) => f.ino)).toEqual(files.filter((f) => f.relative.startsWith("sub/")).map((f) => f.ino))
  })

  it("lists every regular file recursively in byte order, without following directory links", async () => {
    expect(await names()).toEqual([
      "B.log",
      "a.log",
      "archive/old.log",
      "b.log",
      "sub/c.log",
      "sub/deep/d.log.gz",
      "sub/notes.txt"
    ])
  })

  it("filters with include and exclude globs", async () => {
    expect(await names({ include: ["*.log"] })).toEqual(["B.log", "a.log", "archive/old.log", "b.log", "sub/c.log"])
    expect(await names({ include: ["*.log", "*.gz"], exclude: ["archive/**"] })).toEqual([
      "B.log",
      "a.log",
      "b.log",
      "sub/c.log",
      "sub/deep/d.log.gz"
    ])
    expect(await names({ include: ["sub/*"] })).toEqual(["sub/c.log", "sub/notes.txt"])
  })

  it("include and exclude globs match dot files and dot directories too", async () => {
    const dotted = mkdtempSync(join(tmpdir(), "dla-files-dot-"))
    for (const path of [".hidden.log", ".cache/x.log", "a.log"]) {
      mkdirSync(join(dotted, path, ".."), { recursive: true })
      writeFileSync(join(dotted, path), "x\n")
    }
    const list = (options: LogFiles.ListOptions) =>
      Effect.runPromise(LogFiles.list(dotted, options)).then((files) => files.map((f) => f.relative))
    try {
      expect(await list({ include: ["*.log"] })).toEqual([".cache/x.log", ".hidden.log", "a.log"])
      expect(await list({ include: ["**/*.log"], exclude: ["*/*"] })).toEqual([".hidden.log", "a.log"])
    } finally {
      rmSync(dotted, { recursive: true, force: true })
    }
  })

  it("skips a loop of symbolic links with its reason and lists the other files", async () => {
    const looped = mkdtempSync(join(tmpdir(), "dla-files-loop-"))
    try {
      writeFileSync(join(looped, "good.log"), "x\n")
      symlinkSync(join(looped, "b.log"), join(looped, "a.log"))
      symlinkSync(join(looped, "a.log"), join(looped, "b.log"))
      const skipped: Array<string> = []
      const files = await Effect.runPromise(LogFiles.list(looped, { onSkip: (error) => skipped.push(error.message) }))
      expect(files.map((f) => f.relative)).toEqual(["good.log"])
      expect(skipped).toEqual([
        `${join(looped, "a.log")}: cannot be read (ELOOP)`,
        `${join(looped, "b.log")}: cannot be read (ELOOP)`
      ])
      // Without a listener too: the loop is left out, never the end of the listing.
      expect((await Effect.runPromise(LogFiles.list(looped))).map((f) => f.relative)).toEqual(["good.log"])
    } finally {
      rmSync(looped, { recursive: true, force: true })
    }
  })

  it("a file root lists itself; a missing root fails with NotFound", async () => {
    const [file] = await Effect.runPromise(LogFiles.list(join(root, "a.log")))
    const { dev, ino } = statSync(join(root, "a.log"))
    expect(file).toMatchObject({ relative: "a.log", size: 2, dev, ino })
    const error = await Effect.runPromise(Effect.flip(LogFiles.list(join(root, "missing"))))
    expect(error).toMatchObject({ _tag: "FileError", reason: "NotFound" })
  })
})
