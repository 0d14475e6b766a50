/**
 * `pnpm bench`: what a checkpoint directory costs per save, the assignment's way (one directory per checkpoint, each
 * holding every processed file as a hard link), against a peer in the same run that keeps no files (checkpoint.json
 * alone, in its own directory). `keep 3` (the default) builds a save from the oldest checkpoint due to go, so it adds
 * only the files that one lacks; `keep 1` links every processed file into each new directory.
 *
 *   node --conditions=source bench/checkpoints.ts [--files 2000] [--saves 20] [--runs 3]
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect } from "effect"
import * as CheckpointStore from "../src/CheckpointStore.ts"
import { numericFlags } from "./flags.ts"

const { files, saves, runs } = numericFlags({ files: 2000, saves: 20, runs: 3 })

const root = mkdtempSync(join(tmpdir(), "dla-bench-ckpt-root-"))
const paths = Array.from({ length: files }, (_, i) => join(root, `node-${i}.log`))
for (const path of paths) writeFileSync(path, "[2026-01-01T00:00:00] [INFO] up\n")

const checkpoint = (sequence: number): CheckpointStore.Checkpoint => ({
  version: 1,
  run_id: "bench",
  sequence,
  timestamp: new Date().toISOString(),
  counts: { INFO: sequence },
  lines: sequence,
  unmatched: 0,
  bytes: sequence,
  // The run's processed files grow save after save, as a run's do.
  processed_files: paths.slice(0, Math.round((files * sequence) / saves)),
  pending_files: paths.slice(Math.round((files * sequence) / saves)),
  failed_workers: [],
  completed_tasks: [],
  failed_tasks: [],
  complete: sequence === saves
})

/** Milliseconds for `saves` saves into a fresh checkpoint directory. */
const run = async (options: Omit<CheckpointStore.DirectoryOptions, "dir" | "runId" | "root">) => {
  const dir = mkdtempSync(join(tmpdir(), "dla-bench-ckpt-"))
  const store = Effect.runSync(
    CheckpointStore.CheckpointStore.pipe(
      Effect.provide(CheckpointStore.layerDirectory({ dir, runId: "bench", root, ...options }))
    )
  )
  const began = performance.now()
  for (let n = 1; n <= saves; n++) await Effect.runPromise(store.save(checkpoint(n)))
  const ms = performance.now() - began
  rmSync(dir, { recursive: true, force: true })
  return ms
}

const modes = {
  "checkpoint.json only (peer)": { keepInputs: async () => {} },
  "every file, keep 3 (default)": {},
  "every file, keep 1": { keep: 1 }
} satisfies Record<string, Omit<CheckpointStore.DirectoryOptions, "dir" | "runId" | "root">>
const times: Record<string, Array<number>> = Object.fromEntries(Object.keys(modes).map((name) => [name, []]))
// Interleaved, so that a busy moment of a shared machine falls on every mode alike.
for (let r = 0; r < runs; r++) {
  for (const [name, options] of Object.entries(modes)) times[name]!.push(await run(options))
}
rmSync(root, { recursive: true, force: true })

const median = (xs: Array<number>) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
const peer = median(times["checkpoint.json only (peer)"]!)
console.log(`\nCheckpoint directories: ${saves} saves of a run of ${files} files (median of ${runs} runs)`)
console.log("mode                              per save (ms)   vs peer")
for (const name of Object.keys(modes)) {
  const ms = median(times[name]!)
  console.log(`${name.padEnd(34)}${(ms / saves).toFixed(1).padStart(13)}   ${(ms / peer).toFixed(2).padStart(6)}x`)
}
