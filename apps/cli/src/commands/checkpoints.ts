/**
 * `dla checkpoints list|show|verify <dir>`: what a checkpoint directory holds, and whether its stored files still
 * add up to its counts.
 */
import * as Console from "effect/Console"
import * as Argument from "effect/cli/Argument"
import * as Command from "effect/cli/Command"
import * as Flag from "effect/cli/Flag"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import { format, json } from "../Flags.ts"
import * as Checkpoints from "../internal/Checkpoints.ts"

export class CheckpointMismatch extends Schema.TaggedError<CheckpointMismatch>()("CheckpointMismatch", {
  runId: Schema.String,
  problems: Schema.Array(Schema.String)
}) {
  override get message(): string {
    // Stored copies are hard links where possible: a log appended to or rewritten in place changes them too.
    return `checkpoint of run ${this.runId} does not verify: ${this.problems.join("; ")} (stored copies are hard links to the originals where the filesystem allows: a file changed in place after the checkpoint changes them too)`
  }
}

const dir = Argument.String("dir").pipe(
  Argument.withDescription(
    "A checkpoint directory (holding <run>/<sequence>/checkpoint.json), one run's directory in it, or one checkpoint's"
  )
)
const run = Flag.String("run").pipe(Flag.optional, Flag.withDescription("Run id (default: the newest checkpoint)"))
const sequence = Flag.Int("sequence").pipe(
  Flag.optional,
  Flag.withDescription("This checkpoint of the run (see 'dla checkpoints list'; default: the newest valid one)")
)

const list = Command.make("list", { dir, json }, ({ dir, json }) =>
  Effect.gen(function* () {
    const entries = yield* Checkpoints.list(dir)
    yield* Console.log(
      json
        ? JSON.stringify(
            entries.map((e) => ({ run_id: e.runId, dir: e.dir, checkpoint: Option.getOrNull(e.checkpoint) })),
            null,
            2
          )
        : Checkpoints.renderList(entries)
    )
  })
).pipe(
  Command.withDescription("List the checkpoints in a directory (each run keeps its newest few), newest first."),
  Command.withExamples([
    {
      command: "dla checkpoints list checkpoints",
      description: "The checkpoints kept under ./checkpoints, newest first"
    }
  ])
)

const show = Command.make("show", { dir, run, sequence, json }, ({ dir, run, sequence, json }) =>
  Effect.gen(function* () {
    const entry = yield* Checkpoints.pick(dir, Option.getOrUndefined(run), Option.getOrUndefined(sequence))
    yield* Console.log(
      json ? JSON.stringify(entry.checkpoint, null, 2) : Checkpoints.renderShow(entry.dir, entry.checkpoint)
    )
  })
).pipe(
  Command.withDescription(
    "Print one checkpoint (the newest valid one, or --sequence): counts, files processed and pending, failed workers and tasks."
  ),
  Command.withExamples([
    {
      command: "dla checkpoints show checkpoints --run run-1a2b3c4d5e6f --json",
      description: "One run's checkpoint as JSON"
    }
  ])
)

const verify = Command.make("verify", { dir, run, sequence, format }, ({ dir, run, sequence, format }) =>
  Effect.gen(function* () {
    const result = yield* Checkpoints.verify(
      dir,
      Option.getOrUndefined(run),
      Option.getOrUndefined(format),
      Option.getOrUndefined(sequence)
    )
    const id = result.checkpoint.run_id
    if (result.problems.length > 0) return yield* new CheckpointMismatch({ runId: id, problems: result.problems })
    yield* Console.log(
      result.exact
        ? `checkpoint of run ${id} verified: ${result.files} stored files recount to exactly its ${result.checkpoint.lines} lines`
        : `checkpoint of run ${id} verified as partial: ${result.files} stored files recount to ${result.recounted.lines} of its ${result.checkpoint.lines} lines (the rest is in files not yet complete)`
    )
  })
).pipe(
  Command.withDescription(
    "Recount the stored copies of the processed files and check them against checkpoint.json (the newest valid checkpoint, or --sequence; exit 1 on mismatch)."
  ),
  Command.withExamples([
    {
      command: "dla checkpoints verify checkpoints",
      description: "Count the processed files again and compare with the newest checkpoint"
    }
  ])
)

export const checkpoints = Command.make("checkpoints").pipe(
  Command.withDescription("Inspect and verify checkpoint directories written by the analyser (--checkpoint-dir)."),
  Command.withSubcommands([list, show, verify]),
  Command.withExamples([
    { command: "dla checkpoints list checkpoints", description: "The runs that saved checkpoints, newest first" },
    {
      command: "dla checkpoints verify checkpoints --run run-1a2b3c4d5e6f",
      description: "Check one run's checkpoint against its files"
    }
  ])
)
