// Smoke test of the built @dla/core on the runtime that runs it (Node, Bun or Deno): see scripts/runtime-smoke.mjs.
import assert from "node:assert/strict"
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as zlib from "node:zlib"
import * as Effect from "effect/Effect"
import { Counts, DirectoryAnalysis, FileAnalysis, Generator, LogFormat } from "../dist/index.js"

const dir = mkdtempSync(join(tmpdir(), "dla-smoke-core-"))
try {
  const files = await Effect.runPromise(Generator.generate(dir, { files: 2, lines: 1000, seed: 3 }))
  const expected = {}
  for (const file of files) {
    for (const [, level] of readFileSync(file.path, "utf8").matchAll(/^\[[^\]]*\] \[([A-Z]+)\]/gm)) {
      expected[level] = (expected[level] ?? 0) + 1
    }
  }
  const result = await Effect.runPromise(DirectoryAnalysis.analyse(dir))
  assert.deepEqual({ ...result.counts.levels }, expected)
  assert.equal(result.counts.lines, 2000)

  const whole = await FileAnalysis.analyseFile(files[0].path)
  const parts = await Promise.all(
    FileAnalysis.splitRanges(whole.bytes, 4096).map((range) => FileAnalysis.analyseFile(files[0].path, { range }))
  )
  assert.ok(Counts.equals(Counts.mergeAll(parts), whole))

  const gz = join(dir, "spark.log.gz")
  writeFileSync(gz, zlib.gzipSync("17/06/09 20:10:40 INFO a\r\n17/06/09 20:10:41 ERROR b WARN\n17/06/09 20:10:42 x"))
  assert.equal((await FileAnalysis.detectFormat(gz)).name, LogFormat.log4j.name)
  const spark = await FileAnalysis.analyseFile(gz)
  assert.deepEqual({ ...spark.levels }, { INFO: 1, ERROR: 1 })
  assert.equal(spark.unmatched, 1)

  await assert.rejects(FileAnalysis.analyseFile(join(dir, "missing.log")), { _tag: "FileError", reason: "NotFound" })

  // The scan kernel: WebAssembly SIMD on every runtime we support; the batch and stream paths count the same.
  assert.equal(FileAnalysis.kernel, "wasm")
  const batch = await FileAnalysis.analyseBatch([...files.map((file) => ({ path: file.path })), { path: gz }])
  assert.deepEqual(
    batch.map((outcome) => outcome.lines),
    [1000, 1000, 3]
  )
  assert.ok(Counts.equals(Counts.mergeAll(batch.slice(0, 2)), result.counts))
  const streamed = await FileAnalysis.analyseStream(
    "-",
    (async function* () {
      yield readFileSync(files[0].path)
    })()
  )
  assert.ok(Counts.equals({ ...streamed, bytes: whole.bytes }, whole))

  const xz = join(dir, "old.log.xz")
  writeFileSync(xz, new Uint8Array([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00, 0, 4]))
  await assert.rejects(FileAnalysis.analyseFile(xz), {
    reason: "Unsupported",
    message: `${xz}: compressed with xz: not supported`
  })
  const zst = join(dir, "app.log.zst")
  if (FileAnalysis.hasZstd()) {
    writeFileSync(zst, zlib.zstdCompressSync(readFileSync(files[0].path)))
    assert.ok(Counts.equals({ ...(await FileAnalysis.analyseFile(zst)), bytes: whole.bytes }, whole))
  }
  console.log(`core: kernel ${FileAnalysis.kernel}, zstd ${FileAnalysis.hasZstd() ? "yes" : "no"}`)
} finally {
  rmSync(dir, { recursive: true, force: true })
}
console.log(`core smoke ok on ${process.env.DLA_RUNTIME ?? "node"}`)
