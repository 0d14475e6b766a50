import { mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Option } from "effect"
import * as CheckpointStore from "../src/CheckpointStore.ts"
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

const directory = (root: string) => {
  const dir = mkdtempSync(join(tmpdir(), "dla-ckpt-"))
  const store = Effect.runSync(
    CheckpointStore.CheckpointStore.pipe(Effect.provide(CheckpointStore.layerDirectory({ dir, runId: "r1", root })))
  )
  return { dir, store }
}

describe("CheckpointStore", () => {
  it.live("the directory store writes the seed's fields and hard-links the processed files", () =>
    Effect.gen(function* () {
      const root = mkdtempSync(join(tmpdir(), "dla-logs-"))
      writeFileSync(join(root, "a.log"), "[t] [INFO] x\n")
      const { dir, store } = directory(root)
      yield* store.save(checkpoint(1, [join(root, "a.log")]))
      const json = JSON.parse(readFileSync(join(dir, "r1", "checkpoint.json"), "utf8"))
      expect(json).toMatchObject({
        counts: { INFO: 3 },
        processed_files: [join(root, "a.log")],
        failed_workers: ["w9"]
      })
      expect(typeof json.timestamp).toBe("string")
      expect(json.pending_files).toEqual([])
      expect(statSync(join(dir, "r1", "files", "a.log")).ino).toBe(statSync(join(root, "a.log")).ino)
      expect(yield* store.load).toEqual(Option.some(checkpoint(1, [join(root, "a.log")])))
    })
  )

  it.live("a half-written or foreign checkpoint file counts as none", () =>
    Effect.gen(function* () {
      const { dir, store } = directory(tmpdir())
      yield* store.save(checkpoint(1, []))
      writeFileSync(join(dir, "r1", "checkpoint.json"), '{"version": 1, "run_id": "r1", "seq')
      expect(yield* store.load).toEqual(Option.none())
      writeFileSync(join(dir, "r1", "checkpoint.json"), JSON.stringify({ hello: "world" }))
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
