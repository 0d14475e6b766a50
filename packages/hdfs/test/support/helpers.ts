/** Small helpers shared by the hdfs tests: captured log lines, temp dirs, a copier in a scope. */
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import type { DistributedContext } from "@dla/core"
import * as HdfsCopier from "@dla/hdfs/HdfsCopier"
import { Effect, Layer, Logger } from "effect"

export interface Captured {
  readonly lines: Array<string>
  readonly layer: Layer.Layer<never>
}

/** Collects every log message (as one string) instead of printing it. */
export const captureLogs = (): Captured => {
  const lines: Array<string> = []
  const logger = Logger.make((options) => {
    const parts = Array.isArray(options.message) ? options.message : [options.message]
    lines.push(parts.map(String).join(" "))
  })
  return { lines, layer: Logger.layer([logger]) }
}

export const tempDir = (prefix: string) => mkdtempSync(join(tmpdir(), `dla-hdfs-${prefix}-`))
export const removeDir = (dir: string) => rmSync(dir, { recursive: true, force: true })

/** Runs `body` with a copier built from `options`, stopping it (and its fibers) afterwards. */
export const withCopier = <A, E>(
  options: HdfsCopier.CopierOptions,
  body: (copier: HdfsCopier.HdfsCopier["Service"]) => Effect.Effect<A, E>,
  logs: Captured = captureLogs()
) =>
  Effect.gen(function* () {
    const copier = yield* HdfsCopier.HdfsCopier
    return yield* body(copier)
  }).pipe(Effect.provide(Layer.provideMerge(HdfsCopier.layer(options), logs.layer)), Effect.scoped)

/** A context as @dla/core describes one: a worker of rank `rank`, or the coordinator. */
export const context = (role: "coordinator" | "worker", rank: number): DistributedContext.DistributedContext => ({
  launcher: "torchrun",
  role,
  rank,
  localRank: rank,
  worldSize: 4,
  localWorldSize: 4,
  nodeRank: 0,
  nodeId: "node-0",
  isMaster: rank === 0,
  isDistributed: true
})
