import { readdir, stat } from "node:fs/promises"
import { join, resolve, sep } from "node:path"
import { Effect } from "effect"
import * as AnalyserError from "../AnalyserError.ts"

/**
 * Regular files under `root`, recursively, sorted (deterministic order), skipping hidden entries and the
 * directories in `exclude` (a checkpoint directory inside the analysed tree must not be analysed).
 */
export const listFiles = (root: string, exclude: ReadonlyArray<string> = []) =>
  Effect.tryPromise({
    try: async () => {
      const info = await stat(root)
      if (!info.isDirectory()) throw new Error("not a directory")
      const skip = exclude.map((dir) => resolve(dir))
      const files: Array<string> = []
      const walk = async (dir: string): Promise<void> => {
        const entries = await readdir(dir, { withFileTypes: true })
        for (const entry of entries) {
          if (entry.name.startsWith(".")) continue
          const path = join(dir, entry.name)
          if (entry.isDirectory()) {
            if (!skip.some((s) => path === s || path.startsWith(s + sep))) await walk(path)
          } else if (entry.isFile()) files.push(path)
        }
      }
      await walk(resolve(root))
      return files.sort()
    },
    catch: (cause) => AnalyserError.make("Input", `cannot list ${root}`, cause)
  })
