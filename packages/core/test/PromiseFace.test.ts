import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as Effectful from "@dla/core"
import { PromiseFace } from "@dla/core"
import {
  DirectoryAnalysis,
  DistributedContext,
  FileAnalysis,
  FileError,
  Follow,
  Generator,
  LogFiles
} from "@dla/core/promise"
import { Data, Effect } from "effect"
import { describe, expect, it } from "vitest"

class Boom extends Data.TaggedError("Boom")<{ readonly detail: string }> {}

describe("PromiseFace", () => {
  it("run resolves to the value and rejects with the tagged error itself", async () => {
    await expect(PromiseFace.run(Effect.succeed(1))).resolves.toBe(1)
    const rejection = await PromiseFace.run(Effect.fail(new Boom({ detail: "x" }))).catch((e: unknown) => e)
    expect(rejection).toBeInstanceOf(Boom)
    expect(rejection).toMatchObject({ _tag: "Boom", detail: "x" })
  })

  it("run stops the effect when the signal aborts", async () => {
    const controller = new AbortController()
    let interrupted = false
    const running = PromiseFace.run(
      Effect.never.pipe(Effect.onInterrupt(() => Effect.sync(() => (interrupted = true)))),
      {
        signal: controller.signal
      }
    )
    controller.abort()
    await expect(running).rejects.toBeDefined()
    expect(interrupted).toBe(true)
  })

  it("fn keeps the parameters and their defaults", async () => {
    const add = (a: number, b = 10) => Effect.succeed(a + b)
    const promised = PromiseFace.fn(add)
    await expect(promised(1)).resolves.toBe(11)
    await expect(promised(1, 2)).resolves.toBe(3)
  })

  it("promised turns Effect members and Effect-returning methods into Promises, and leaves the rest", async () => {
    let count = 0
    const service = {
      name: "counter",
      peek: () => count,
      increment: Effect.sync(() => ++count),
      add: (n: number) => (n < 0 ? Effect.fail(new Boom({ detail: "negative" })) : Effect.sync(() => (count += n)))
    }
    const face = PromiseFace.promised(service)
    expect(face.name).toBe("counter")
    await expect(face.increment()).resolves.toBe(1)
    await expect(face.add(2)).resolves.toBe(3)
    await expect(face.add(-1)).rejects.toBeInstanceOf(Boom)
    expect(face.peek()).toBe(3)
  })

  it("scoped holds the resource until close(), and releases it when acquiring fails", async () => {
    const events: Array<string> = []
    const resource = Effect.acquireRelease(
      Effect.sync(() => {
        events.push("acquired")
        return { ping: Effect.succeed("pong") }
      }),
      () => Effect.sync(() => events.push("released"))
    )
    const face = await PromiseFace.scoped(resource)
    await expect(face.ping()).resolves.toBe("pong")
    expect(events).toEqual(["acquired"])
    await face.close()
    expect(events).toEqual(["acquired", "released"])

    const failing = Effect.andThen(resource, Effect.fail(new Boom({ detail: "after acquire" })))
    await expect(PromiseFace.scoped(failing)).rejects.toBeInstanceOf(Boom)
    expect(events).toEqual(["acquired", "released", "acquired", "released"])
  })

  it("scoped's close() interrupts the calls still running before it releases the resource", async () => {
    const events: Array<string> = []
    const resource = Effect.acquireRelease(
      Effect.succeed({
        wait: Effect.never.pipe(Effect.onInterrupt(() => Effect.sync(() => events.push("interrupted"))))
      }),
      () => Effect.sync(() => events.push("released"))
    )
    const face = await PromiseFace.scoped(resource)
    const waiting = face.wait().catch(() => "rejected")
    await face.close()
    expect(await waiting).toBe("rejected")
    expect(events).toEqual(["interrupted", "released"])
  })
})

describe("@dla/core/promise", () => {
  it("has the Effect face's names and gives the same results", async () => {
    const dir = mkdtempSync(join(tmpdir(), "dla-promise-face-"))
    const files = await Generator.generate(dir, { files: 3, lines: 200, seed: 4 })
    expect(files).toEqual(await Effect.runPromise(Effectful.Generator.generate(dir, { files: 3, lines: 200, seed: 4 })))
    expect(await LogFiles.list(dir)).toEqual(await Effect.runPromise(Effectful.LogFiles.list(dir)))
    expect(await LogFiles.find(dir)).toEqual(await Effect.runPromise(Effectful.LogFiles.find(dir)))
    expect(LogFiles.holdsAtLeast(await LogFiles.find(dir), 1)).toBe(true)

    const result = await DirectoryAnalysis.analyse(dir)
    const effectResult = await Effect.runPromise(Effectful.DirectoryAnalysis.analyse(dir))
    expect(result.counts).toEqual(effectResult.counts)
    expect(result.counts.lines).toBe(600)

    const one = await FileAnalysis.analyse(files[0]!.path)
    const { durationMs: _, ...counted } = one
    const { durationMs: __, ...effectCounted } = await Effect.runPromise(Effectful.FileAnalysis.analyse(files[0]!.path))
    expect(counted).toEqual(effectCounted)
  })

  it("rejects with the Effect face's tagged errors", async () => {
    const missing = join(tmpdir(), "dla-promise-face-missing", "nothing")
    const rejection = await DirectoryAnalysis.analyse(missing).catch((e: unknown) => e)
    expect(rejection).toBeInstanceOf(FileError.FileError)
    expect(rejection).toMatchObject({ reason: "NotFound" })
    const dir = mkdtempSync(join(tmpdir(), "dla-promise-face-"))
    writeFileSync(join(dir, "binary.log"), new Uint8Array([1, 0, 2]))
    await expect(FileAnalysis.analyse(join(dir, "binary.log"))).rejects.toMatchObject({ reason: "Binary" })
  })

  it("Follow.stream is an AsyncIterable of snapshots; break closes the files", async () => {
    const dir = mkdtempSync(join(tmpdir(), "dla-promise-face-"))
    writeFileSync(join(dir, "app.log"), "[2025-01-01T00:00:00] [INFO] a\n[2025-01-01T00:00:01] [WARN] b\n")
    let closed: Follow.Snapshot | undefined
    for await (const snapshot of Follow.stream(dir, { onClose: (last) => (closed = last) })) {
      expect(snapshot.counts.lines).toBe(2)
      break
    }
    expect(closed?.counts.lines).toBe(2)
  })

  it("DistributedContext.fromEnv reads process.env, and the pure readers are the Effect face's", async () => {
    expect(await DistributedContext.fromEnv()).toEqual(Effectful.DistributedContext.detect(process.env))
    expect(DistributedContext.detect).toBe(Effectful.DistributedContext.detect)
    expect(DistributedContext.getNodeRank({ RANK: "3", WORLD_SIZE: "4" })).toBe(3)
  })
})
