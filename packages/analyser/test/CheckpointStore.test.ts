import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as CheckpointStore from "@dla/analyser/CheckpointStore"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Option } from "effect"
import { checkpoint as makeCheckpoint } from "./support/checkpoint.ts"

const checkpoint = (sequence: number, processed: Array<string>) =>
  makeCheckpoint("r1", sequence, {
    counts: { INFO: 3 },
    lines: 4,
    unmatched: 1,
    bytes: 40,
    processed_files: processed,
    failed_workers: ["w9"],
    completed_tasks: ["t1"]
  })

const directory = (root: string, options: { readonly keep?: number; readonly dir?: string } = {}) => {
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), "dla-ckpt-"))
  const store = Effect.runSync(
    CheckpointStore.CheckpointStore.pipe(
      Effect.provide(CheckpointStore.layerDirectory({ dir, runId: "r1", root, keep: options.keep }))
    )
  )
  return { dir, store }
}

describe("CheckpointStore", () => {
  it.live(
    "the directory store writes the seed's fields and hard-links the processed files, in a directory of its own",
    () =>
      Effect.gen(function* () {
        const root = mkdtempSync(join(tmpdir(), "dla-logs-"))
        writeFileSync(join(root, "a.log"), "[t] [INFO] x\n")
        const { dir, store } = directory(root)
        yield* store.save(checkpoint(1, [join(root, "a.log")]))
        expect(readdirSync(join(dir, "r1"))).toEqual(["000001"])
        const json = JSON.parse(readFileSync(join(dir, "r1", "000001", "checkpoint.json"), "utf8"))
        expect(json).toMatchObject({
          counts: { INFO: 3 },
          processed_files: [join(root, "a.log")],
          failed_workers: ["w9"]
        })
        expect(typeof json.timestamp).toBe("string")
        expect(json.pending_files).toEqual([])
        expect(statSync(join(dir, "r1", "000001", "files", "a.log")).ino).toBe(statSync(join(root, "a.log")).ino)
        expect(yield* store.load).toEqual(Option.some(checkpoint(1, [join(root, "a.log")])))
      })
  )

  it.live("one directory per checkpoint, each with every processed file; the newest `keep` stay", () =>
    Effect.gen(function* () {
      const root = mkdtempSync(join(tmpdir(), "dla-logs-"))
      for (const name of ["a.log", "b.log", "c.log"]) writeFileSync(join(root, name), `[t] [INFO] ${name}\n`)
      const { dir, store } = directory(root, { keep: 2 })
      const paths = ["a.log", "b.log", "c.log"].map((name) => join(root, name))
      for (let n = 1; n <= 3; n++) yield* store.save(checkpoint(n, paths.slice(0, n)))
      expect(readdirSync(join(dir, "r1")).sort()).toEqual(["000002", "000003"])
      for (const name of ["a.log", "b.log", "c.log"]) {
        expect(statSync(join(dir, "r1", "000003", "files", name)).ino).toBe(statSync(join(root, name)).ino)
      }
      expect(readdirSync(join(dir, "r1", "000002", "files")).sort()).toEqual(["a.log", "b.log"])
      expect(Option.map(yield* store.load, (c) => c.sequence)).toEqual(Option.some(3))
      // A new master (a new store on the same directory) resumes from the newest and numbers on.
      const again = directory(root, { dir, keep: 2 }).store
      expect(Option.map(yield* again.load, (c) => c.processed_files.length)).toEqual(Option.some(3))
      yield* again.save(checkpoint(4, paths))
      expect(readdirSync(join(dir, "r1")).sort()).toEqual(["000003", "000004"])
      expect(readdirSync(join(dir, "r1", "000004", "files")).sort()).toEqual(["a.log", "b.log", "c.log"])
    })
  )

  it.live(
    "a save reuses the oldest checkpoint due to go: it gains the new files and loses those no longer listed",
    () =>
      Effect.gen(function* () {
        const root = mkdtempSync(join(tmpdir(), "dla-logs-"))
        for (const name of ["a.log", "b.log", "c.log"]) writeFileSync(join(root, name), `[t] [INFO] ${name}\n`)
        const [a, b, c] = ["a.log", "b.log", "c.log"].map((name) => join(root, name))
        const { dir, store } = directory(root, { keep: 2 })
        yield* store.save(checkpoint(1, [a!, b!]))
        yield* store.save(checkpoint(2, [a!]))
        yield* store.save(checkpoint(3, [a!, c!]))
        expect(readdirSync(join(dir, "r1")).sort()).toEqual(["000002", "000003"])
        expect(readdirSync(join(dir, "r1", "000003", "files")).sort()).toEqual(["a.log", "c.log"])
        expect(readdirSync(join(dir, "r1", "000002", "files")).sort()).toEqual(["a.log"])
        // keep 1: the only checkpoint is never taken apart before the next one is whole.
        const single = directory(root, { keep: 1 })
        for (let n = 1; n <= 3; n++) yield* single.store.save(checkpoint(n, [a!, b!, c!].slice(0, n)))
        expect(readdirSync(join(single.dir, "r1"))).toEqual(["000003"])
        expect(readdirSync(join(single.dir, "r1", "000003", "files")).sort()).toEqual(["a.log", "b.log", "c.log"])
      })
  )

  it.live("the newest valid checkpoint wins: a damaged newest one is passed over, one being written is unseen", () =>
    Effect.gen(function* () {
      const { dir, store } = directory(tmpdir())
      yield* store.save(checkpoint(1, []))
      yield* store.save(checkpoint(2, []))
      writeFileSync(join(dir, "r1", "000002", "checkpoint.json"), '{"version": 1, "run_id": "r1", "seq')
      // A master killed while writing checkpoint 3 leaves it under a temporary name.
      mkdirSync(join(dir, "r1", ".000003.999.tmp"))
      writeFileSync(join(dir, "r1", ".000003.999.tmp", "checkpoint.json"), JSON.stringify(checkpoint(3, [])))
      expect(Option.map(yield* store.load, (c) => c.sequence)).toEqual(Option.some(1))
      expect(existsSync(join(dir, "r1", "000001"))).toBe(true)
    })
  )

  it.live("a run checkpointed by an older dla (<run>/checkpoint.json) resumes from it", () =>
    Effect.gen(function* () {
      const { dir, store } = directory(tmpdir())
      mkdirSync(join(dir, "r1"))
      writeFileSync(join(dir, "r1", "checkpoint.json"), JSON.stringify(checkpoint(4, [])))
      expect(Option.map(yield* store.load, (c) => c.sequence)).toEqual(Option.some(4))
      yield* store.save(checkpoint(5, []))
      expect(Option.map(yield* store.load, (c) => c.sequence)).toEqual(Option.some(5))
    })
  )

  it.live("a half-written or foreign checkpoint file counts as none", () =>
    Effect.gen(function* () {
      const { dir, store } = directory(tmpdir())
      yield* store.save(checkpoint(1, []))
      writeFileSync(join(dir, "r1", "000001", "checkpoint.json"), '{"version": 1, "run_id": "r1", "seq')
      expect(yield* store.load).toEqual(Option.none())
      writeFileSync(join(dir, "r1", "000001", "checkpoint.json"), JSON.stringify({ hello: "world" }))
      expect(yield* store.load).toEqual(Option.none())
    })
  )

  it.live("all: saves to every store and loads the newest valid checkpoint", () =>
    Effect.gen(function* () {
      const a = directory(tmpdir()).store
      const b = directory(tmpdir()).store
      yield* a.save(checkpoint(5, []))
      yield* b.save(checkpoint(2, []))
      const both = CheckpointStore.all([a, b])
      expect(Option.map(yield* both.load, (c) => c.sequence)).toEqual(Option.some(5))
      yield* both.save(checkpoint(6, []))
      expect(Option.map(yield* b.load, (c) => c.sequence)).toEqual(Option.some(6))
    })
  )
})
