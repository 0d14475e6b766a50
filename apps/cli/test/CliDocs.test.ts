import { readFileSync } from "node:fs"
import { Cli } from "@dla/cli"
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import * as CliDocs from "../src/internal/CliDocs.ts"

describe("--help", () => {
  it.effect("of every command, nested ones and dla itself, ends with examples", () =>
    Effect.gen(function* () {
      for (const path of CliDocs.paths(yield* Effect.promise(Cli.load))) {
        const text = yield* CliDocs.help(path.slice(1))
        expect(text, path.join(" ")).toMatch(/\nEXAMPLES\n {2}# .+\n {2}(?:dla|srun dla) /)
      }
    })
  )
})

describe("docs/cli.md", () => {
  it.effect("is what the CLI prints today (run `pnpm docs:cli` after changing a command)", () =>
    Effect.gen(function* () {
      const committed = readFileSync(new URL("../../../docs/cli.md", import.meta.url), "utf8")
      expect(committed).toBe(yield* CliDocs.render)
    })
  )

  it("covers every command, nested ones too, with their flags", async () => {
    const paths = CliDocs.paths(await Cli.load()).map((p) => p.join(" "))
    expect(paths).toContain("dla checkpoints verify")
    expect(paths).toContain("dla status")
    const committed = readFileSync(new URL("../../../docs/cli.md", import.meta.url), "utf8")
    for (const path of paths) expect(committed).toContain(`## ${path}\n`)
    expect(committed).toContain("--watch")
  })

  it.effect("help is captured without colors", () =>
    Effect.gen(function* () {
      const text = yield* CliDocs.help(["status"])
      expect(text).toMatch(/^DESCRIPTION\n {2}Show a run's workers/)
      expect(text).not.toContain("\x1b[")
    })
  )
})
