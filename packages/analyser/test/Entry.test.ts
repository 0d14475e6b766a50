import { spawnSync } from "node:child_process"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "vitest"

/**
 * The modules starting with `@nats-io/` that importing `entry` loads, in a fresh Node process (nothing loaded before;
 * a resolve hook sees every import, static or dynamic, of every module on the way).
 */
const natsModulesLoadedBy = (entry: string) => {
  const script = `
    import { registerHooks } from "node:module"
    const seen = new Set()
    registerHooks({
      resolve(specifier, context, next) {
        if (specifier.startsWith("@nats-io/")) seen.add(specifier)
        return next(specifier, context)
      }
    })
    await import(${JSON.stringify(entry)})
    process.stdout.write(JSON.stringify([...seen].sort()))
  `
  const { status, stdout, stderr } = spawnSync(
    process.execPath,
    ["--conditions=source", "--input-type=module", "-e", script],
    { encoding: "utf8", cwd: fileURLToPath(new URL("..", import.meta.url)) }
  )
  expect(stderr).toBe("")
  expect(status).toBe(0)
  return JSON.parse(stdout) as Array<string>
}

const source = (path: string) => new URL(path, import.meta.url).href

describe("entries", () => {
  it("the root entry (the embedded engine) loads no NATS module", () => {
    expect(natsModulesLoadedBy(source("../src/index.ts"))).toEqual([])
  })

  it("@dla/analyser/nats does (the check above sees them)", () => {
    expect(natsModulesLoadedBy(source("../src/nats/index.ts"))).toEqual(
      expect.arrayContaining(["@nats-io/jetstream", "@nats-io/kv", "@nats-io/nats-core"])
    )
  })
})
