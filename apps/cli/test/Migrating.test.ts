/**
 * docs/migrating.md's examples run: every block tagged `test` (```` ```ts test ```` or ```` ```sh test ````), in
 * document order, in one temp directory. TypeScript blocks run under Node from the packages' sources (their
 * `@dla/*` imports point at them); shell blocks run in bash with `dla` (this CLI, from source) on the PATH and
 * `NATS_URL` set to a real nats-server. Words `KEY=VALUE` after `test` are the block's environment; `file=NAME`
 * names a TypeScript block's file (the logger names its files after the script).
 */
import { spawnSync } from "node:child_process"
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { type NatsServer, startNatsServer } from "@dla/testing"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { launcherFree } from "./env.ts"

const repo = fileURLToPath(new URL("../../../", import.meta.url))
const doc = readFileSync(join(repo, "docs", "migrating.md"), "utf8")

interface Example {
  readonly language: "ts" | "sh"
  readonly env: Record<string, string>
  readonly file: string
  readonly code: string
  readonly line: number
}

export const examples = (markdown: string): Array<Example> =>
  [...markdown.matchAll(/^```(ts|sh) test([^\n]*)\n([\s\S]*?)^```$/gm)].map((match) => {
    const words = match[2]!
      .trim()
      .split(/\s+/)
      .filter((word) => word !== "")
    const env = Object.fromEntries(words.map((word) => word.split("=", 2) as [string, string]))
    const { file = "example.ts", ...rest } = env
    return {
      language: match[1] as "ts" | "sh",
      env: rest,
      file,
      code: match[3]!,
      line: markdown.slice(0, match.index).split("\n").length
    }
  })

/** `@dla/logger` → the package's source entry; `@dla/core/DistributedContext` → its module. */
const fromSources = (code: string) =>
  code.replace(/from "@dla\/([\w-]+)(?:\/(\w+))?"/g, (_, pkg: string, module: string | undefined) =>
    JSON.stringify(join(repo, "packages", pkg, "src", `${module ?? "index"}.ts`)).replace(/^/, "from ")
  )

let server: NatsServer
let work = ""
let bin = ""

beforeAll(async () => {
  server = await startNatsServer()
  work = mkdtempSync(join(tmpdir(), "dla-migrating-"))
  bin = join(work, ".bin")
  mkdirSync(bin)
  const cli = join(repo, "apps", "cli", "src", "bin.ts")
  writeFileSync(join(bin, "dla"), `#!/bin/sh\nexec "${process.execPath}" --conditions=source "${cli}" "$@"\n`)
  chmodSync(join(bin, "dla"), 0o755)
})

afterAll(async () => {
  await server?.stop()
  rmSync(work, { recursive: true, force: true })
})

describe("docs/migrating.md", () => {
  const found = examples(doc)

  it("has runnable examples for the logging helpers, NVRx, the LogManager and the assignment", () => {
    expect(found.filter((e) => e.language === "ts").length).toBeGreaterThanOrEqual(3)
    expect(found.filter((e) => e.language === "sh").length).toBeGreaterThanOrEqual(3)
  })

  for (const example of found) {
    it(`the ${example.language} example at line ${example.line} runs`, () => {
      const env = {
        ...launcherFree(),
        PATH: `${bin}:${process.env.PATH}`,
        NATS_URL: server.url,
        DLA_BASELINE_DIR: join(work, ".baselines"),
        ...example.env
      }
      const run =
        example.language === "ts"
          ? (() => {
              writeFileSync(join(work, example.file), fromSources(example.code))
              return spawnSync(process.execPath, ["--conditions=source", example.file], {
                cwd: work,
                env,
                encoding: "utf8",
                timeout: 60_000
              })
            })()
          : spawnSync("bash", ["-euo", "pipefail", "-c", example.code], {
              cwd: work,
              env,
              encoding: "utf8",
              timeout: 90_000
            })
      expect(run.status, `${run.stdout}\n${run.stderr}`).toBe(0)
    })
  }
})
