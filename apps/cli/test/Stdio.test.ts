import { spawn, spawnSync } from "node:child_process"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "vitest"

const stdio = fileURLToPath(new URL("../src/internal/Stdio.ts", import.meta.url))

/** A script that imports Stdio.ts as `Stdio`, for a child Node whose stdout and stderr are pipes. */
const script = (body: string) => `import * as Stdio from ${JSON.stringify(stdio)}\n${body}`
const netLoaded = `process.moduleLoadList.includes("NativeModule net")`

describe("Stdio", () => {
  it("tells a pipe on stderr from a terminal without building process.stderr", () => {
    const child = spawnSync(
      process.execPath,
      ["--input-type=module", "-e", script(`console.log(JSON.stringify([Stdio.stderrIsTerminal(), ${netLoaded}]))`)],
      { encoding: "utf8" }
    )
    expect(child.stderr).toBe("")
    // console.log built stdout after the question: the question alone loaded no stream.
    expect(JSON.parse(child.stdout)).toEqual([false, false])
  })

  it("asks without breaking the imports after it (a pipe's stat once sent a workspace package to node_modules)", () => {
    // The logger, from its TypeScript sources through the workspace's symlink, as the CLI imports it at a warning:
    // Node strips types only outside node_modules, so the import fails if the symlink is not resolved.
    const child = spawnSync(
      process.execPath,
      [
        "--conditions=source",
        "--input-type=module",
        "-e",
        script(`Stdio.stderrIsTerminal()
const logging = await import("@dla/logger/Logging")
console.log(typeof logging.initLogging)`)
      ],
      { encoding: "utf8", cwd: fileURLToPath(new URL("..", import.meta.url)) }
    )
    expect(child.stderr).toBe("")
    expect(child.stdout).toBe("function\n")
  })

  it("writes the results at once, in order, without building process.stdout", () => {
    const child = spawnSync(
      process.execPath,
      [
        "--input-type=module",
        "-e",
        script(`for (let i = 0; i < 2000; i++) Stdio.out(\`line \${i} é\\n\`)
const loaded = ${netLoaded}
process.stderr.write(String(loaded))`)
      ],
      { encoding: "utf8" }
    )
    expect(child.stdout).toBe(Array.from({ length: 2000 }, (_, i) => `line ${i} é\n`).join(""))
    expect(child.stderr).toBe("false")
  })

  it("hands the rest to process.stdout when stdout is a full non-blocking pipe, losing nothing", async () => {
    // 1 MB into a pipe that holds 64 KB, the reader late: the blocking write meets EAGAIN.
    const child = spawn(
      process.execPath,
      [
        "--input-type=module",
        "-e",
        script(`process.stdout._handle.setBlocking(false)
Stdio.out("a".repeat(1 << 20))
Stdio.out("b\\n")`)
      ],
      { stdio: ["ignore", "pipe", "pipe"] }
    )
    child.stdout.pause()
    await new Promise((resolve) => setTimeout(resolve, 300))
    const chunks: Array<Buffer> = []
    const errors: Array<Buffer> = []
    child.stdout.on("data", (chunk: Buffer) => chunks.push(chunk))
    child.stderr.on("data", (chunk: Buffer) => errors.push(chunk))
    child.stdout.resume()
    const code = await new Promise((resolve) => child.on("close", resolve))
    expect(Buffer.concat(errors).toString()).toBe("")
    expect(code).toBe(0)
    expect(Buffer.concat(chunks).toString()).toBe(`${"a".repeat(1 << 20)}b\n`)
  })

  it("waits at exit only for the streams that were built", () => {
    const untouched = spawnSync(
      process.execPath,
      [
        "--input-type=module",
        "-e",
        script(`Stdio.watch()
Stdio.out("results\\n")
Stdio.whenWritten(() => { Stdio.out(String(${netLoaded})); process.exit(3) })`)
      ],
      { encoding: "utf8" }
    )
    expect(untouched.stdout).toBe("results\nfalse")
    expect(untouched.status).toBe(3)

    const touched = spawnSync(
      process.execPath,
      [
        "--input-type=module",
        "-e",
        script(`Stdio.watch()
process.stderr.write("a warning\\n")
Stdio.whenWritten(() => { Stdio.out(String(${netLoaded})); process.exit(3) })`)
      ],
      { encoding: "utf8" }
    )
    expect(touched.stderr).toBe("a warning\n")
    expect(touched.stdout).toBe("true")
    expect(touched.status).toBe(3)
  })
})
