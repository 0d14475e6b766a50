import type { Checkpoint } from "@dla/analyser/CheckpointStore"

/** A checkpoint of run `runId` at `sequence`: nothing counted, not complete, unless `fields` say otherwise. */
export const checkpoint = (runId: string, sequence: number, fields: Partial<Checkpoint> = {}): Checkpoint => ({
  version: 1,
  run_id: runId,
  sequence,
  timestamp: new Date(0).toISOString(),
  counts: {},
  lines: 0,
  unmatched: 0,
  bytes: 0,
  processed_files: [],
  pending_files: [],
  failed_workers: [],
  completed_tasks: [],
  failed_tasks: [],
  complete: false,
  ...fields
})
