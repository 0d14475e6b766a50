import { spawnSync } from "node:child_process"
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { afterAll, describe, expect, it } from "vitest"

const repo = fileURLToPath(new URL("../../..", import.meta.url))
const home = mkdtempSync(join(tmpdir(), "dla-home-"))
afterAll(() => rmSync(home, { recursive: true, force: true }))
const version = JSON.parse(readFileSync(join(repo, "apps", "cli", "package.json"), "utf8")).version

/** The README's first command: the first line of its first `sh` block. */
const firstCommand = () => /```sh\n(.+)\n/.exec(readFileSync(join(repo, "README.md"), "utf8"))![1]!

describe("the README's first command", () => {
  it("ends by installing the dla launcher and using it as the docs type it", () => {
    expect(firstCommand()).toMatch(/&& pnpm build && \. scripts\/install-dla\.sh && dla analyse samples\/logs$/)
  })

  it("leaves dla on PATH in a new shell, with neither the toolchain nor the repository needed there", () => {
    // The built CLI is what the launcher runs (CI builds before testing).
    expect(existsSync(join(repo, "apps", "cli", "dist", "bin.cjs"))).toBe(true)
    writeFileSync(join(home, ".bashrc"), "# a user's own settings\n")
    // What the first command runs after `pnpm build`, in this shell (with the toolchain's PATH)...
    const tail = firstCommand().slice(firstCommand().indexOf(". scripts/install-dla.sh"))
    const first = spawnSync("bash", ["-c", tail], { cwd: repo, encoding: "utf8", env: { ...process.env, HOME: home } })
    expect(first.status, first.stderr).toBe(0)
    expect(first.stdout).toMatch(/^Total lines: 5,?000$/m)
    // ...then a new interactive shell that starts from a bare environment, elsewhere.
    const fresh = spawnSync("bash", ["-i", "-c", "cd / && dla --version && command -v dla"], {
      cwd: home,
      encoding: "utf8",
      env: { HOME: home, PATH: "/usr/bin:/bin", TERM: "dumb" }
    })
    expect(fresh.status, fresh.stderr).toBe(0)
    expect(fresh.stdout).toBe(`dla v${version}\n${join(home, ".local", "bin", "dla")}\n`)
    // Running it again adds nothing to ~/.bashrc.
    spawnSync("bash", ["-c", ". scripts/install-dla.sh"], { cwd: repo, env: { ...process.env, HOME: home } })
    const marked = readFileSync(join(home, ".bashrc"), "utf8").match(/# dla: /g) ?? []
    expect(marked).toHaveLength(1)
  })
})
