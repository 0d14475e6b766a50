import { mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { basename, join } from "node:path"
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

describe("LogFiles.find", () => {
  it("finds what list lists, in the same order, with no stat of a regular file (a link still has its size)", async () => {
    symlinkSync(join(root, "a.log"), join(root, "to-a.log"))
    try {
      const listed = await Effect.runPromise(LogFiles.list(root))
      const found = await Effect.runPromise(LogFiles.find(root))
      expect(found.map((f) => [f.path, f.relative])).toEqual(listed.map((f) => [f.path, f.relative]))
      expect(found.filter((f) => f.size !== undefined).map((f) => [f.relative, f.size])).toEqual([["to-a.log", 2]])
      const globbed = { include: ["*.log"], exclude: ["archive/**"] }
      expect((await Effect.runPromise(LogFiles.find(root, globbed))).map((f) => f.relative)).toEqual(
        (await Effect.runPromise(LogFiles.list(root, globbed))).map((f) => f.relative)
      )
      // A root that is a file is stat'ed all the same.
      expect(await Effect.runPromise(LogFiles.find(join(root, "a.log")))).toMatchObject([
        { relative: "a.log", size: 2 }
      ])
    } finally {
      rmSync(join(root, "to-a.log"))
    }
  })

  it("gives each file the path path.join gives, however the root is spelled", async () => {
    const cwd = process.cwd()
    process.chdir(root)
    try {
      for (const spelled of [root, `${root}/`, `${root}/./sub/..`, ".", "./", "sub/..", "../" + basename(root)]) {
        for (const files of [
          await Effect.runPromise(LogFiles.find(spelled)),
          await Effect.runPromise(LogFiles.list(spelled))
        ]) {
          expect(files.length, spelled).toBe(7)
          for (const file of files) expect(file.path, spelled).toBe(join(spelled, file.relative))
        }
      }
    } finally {
      process.chdir(cwd)
    }
  })

  it("holdsAtLeast: exact for a few files or near the mark, from a sample when far below it", async () => {
    const many = mkdtempSync(join(tmpdir(), "dla-files-many-"))
    try {
      for (let i = 0; i < 1000; i++) writeFileSync(join(many, `f${String(i).padStart(4, "0")}.log`), "x".repeat(100))
      const found = await Effect.runPromise(LogFiles.find(many))
      // 100,000 bytes in all: the sample says far below 1 MB; near the mark, every file is stat'ed.
      expect(LogFiles.holdsAtLeast(found, 1_000_000)).toBe(false)
      expect(LogFiles.holdsAtLeast(found, 100_000)).toBe(true)
      expect(LogFiles.holdsAtLeast(found, 100_001)).toBe(false)
      // A few files: each is stat'ed; known sizes count as given; a file gone counts nothing.
      expect(LogFiles.holdsAtLeast(found.slice(0, 3), 300)).toBe(true)
      expect(
        LogFiles.holdsAtLeast([...found.slice(0, 2), { path: join(many, "gone.log"), relative: "gone.log" }], 300)
      ).toBe(false)
      expect(LogFiles.holdsAtLeast([{ path: join(many, "gone.log"), relative: "gone.log", size: 500 }], 300)).toBe(true)
    } finally {
      rmSync(many, { recursive: true, force: true })
    }
  })
})
