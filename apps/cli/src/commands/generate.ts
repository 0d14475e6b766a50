/**
 * `dla generate <dir>`: sample logs in dla's style or exactly the assignment generator's, reproducible from a seed.
 */
import { Generator } from "@dla/core"
import * as Console from "effect/Console"
import * as Argument from "effect/cli/Argument"
import * as Command from "effect/cli/Command"
import * as Flag from "effect/cli/Flag"
import * as Effect from "effect/Effect"
import * as Progress from "../internal/Progress.ts"
import * as Report from "../Report.ts"

const atLeast = (min: number) => (flag: Flag.Flag<number>) =>
  flag.pipe(
    Flag.filter(
      (n: number) => n >= min,
      (n: number) => `${n} is below the minimum ${min}`
    )
  )

export const generate = Command.make(
  "generate",
  {
    dir: Argument.String("dir").pipe(
      Argument.withDescription(
        "Directory to write log_01.log ... (node1.log ... with --style assignment) into (created when missing)"
      )
    ),
    style: Flag.Literals("style", Generator.styles).pipe(
      Flag.withDefault("dla" as const),
      Flag.withDescription(
        "dla (default), or assignment: the assignment's utils/generate_logs.py files (node1.log ..., its messages)"
      )
    ),
    files: Flag.Int("files").pipe(
      Flag.withDefault(10),
      atLeast(1),
      Flag.withDescription("Number of files (default 10)")
    ),
    lines: Flag.Int("lines").pipe(
      Flag.withDefault(5000),
      atLeast(0),
      Flag.withDescription("Lines per file (default 5000)")
    ),
    seed: Flag.Int("seed").pipe(
      Flag.withDefault(1),
      Flag.withDescription("Seed: the same seed writes the same files (default 1)")
    )
  },
  ({ dir, files, lines, seed, style }) =>
    Effect.gen(function* () {
      const progress = Progress.make(process.stderr, { unit: "lines" })
      const written = yield* Generator.generate(dir, {
        files,
        lines,
        seed,
        style,
        onProgress: (w) => progress.update(w.lines, files * lines, Progress.bytes(w.bytes))
      }).pipe(Effect.ensuring(Effect.sync(progress.finish)))
      const bytes = written.reduce((sum, file) => sum + file.bytes, 0)
      const plural = (n: number, word: string) => `${Report.thousands(n)} ${word}${n === 1 ? "" : "s"}`
      yield* Console.log(
        `Generated ${plural(files, "file")}, ${plural(files * lines, "line")}, ${(bytes / 1e6).toFixed(1)} MB in ${dir}`
      )
    })
).pipe(
  Command.withDescription("Write sample logs ([timestamp] [LEVEL] message), reproducible from --seed."),
  Command.withExamples([
    { command: "dla generate /tmp/logs", description: "10 files of 5,000 lines" },
    {
      command: "dla generate /tmp/big --files 100 --lines 1000000 --seed 7",
      description: "About 6 GB, the same bytes for the same seed"
    }
  ])
)
