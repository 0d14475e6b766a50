/**
 * The scan kernel's own level reading (kernel.wat `levels`) against the formats' JS `levelOf`: the counts must be
 * the same by construction, line by line, for any bytes.
 */
import { Buffer } from "node:buffer"
import { LogFormat, Random } from "@dla/core"
import { describe, expect, it } from "vitest"
import * as Kernel from "../src/internal/kernel.ts"
import { Tally } from "../src/internal/tally.ts"

const { bracketed, klog } = LogFormat

const bracketedLines = [
  "[2025-01-01T00:00:00] [INFO] Request processed in 42 ms",
  "[2025-01-01T00:00:01] [WARN] Timeout while waiting for response",
  "[2025-01-01T00:00:02] [ERROR] Cache miss for session key",
  "[2025-01-01T00:00:03] [DEBUG] Disk usage above 85 percent",
  "[2025-01-01T00:00:04] [TRACE] entering handler",
  "[2025-01-01T00:00:05] [FATAL] out of memory",
  "[2025-01-01T00:00:06] [NOTICE] rotated",
  "[2025-01-01T00:00:07] [WARNING] deprecated",
  "[2025-01-01T00:00:08] [info] lower case",
  "[2025-01-01T00:00:09] [Error] mixed case",
  "[2025-01-01T00:00:10] [VERBOSE] unknown to the kernel",
  "[2025-01-01T00:00:11] [LOUD] not a level",
  "[2025-01-01T00:00:12] [INFO]",
  "[2025-01-01T00:00:13] [ERROR]",
  "[2025-01-01T00:00:14] [INFO",
  "[2025-01-01T00:00:15] [ERRORS] x",
  "[2025-01-01T00:00:16] message with [ERROR] inside",
  "[Sun Dec 04 04:47:44 2005] [error] mod_jk child workerEnv in error state 6",
  "[Wed Oct 11 14:32:52 2017] [core:error] [pid 1] AH00037: Symbolic link not allowed",
  "[2025-01-01T00:00:17]  [INFO] two blanks",
  "[2025-01-01 00:00:18] [WARN] a space for the T",
  "2025-01-01T00:00:19 [INFO] no brackets",
  "[2025-01-01T00:00:20][INFO] no blank",
  "",
  "x"
]

const klogLines = [
  "I1130 12:00:00.123456    1 main.go:42] Starting controller",
  "W1130 12:00:01.000001    1 reflector.go:424] watch of *v1.Pod ended",
  "E1130 12:00:02.500000    7 server.go:99] failed: ERROR in the message",
  "F1130 12:00:03.000000    1 main.go:12] unable to start",
  "D1130 12:00:04.000000    1 main.go:12] not a glog letter",
  "i1130 12:00:05.000000    1 main.go:12] lower case",
  "I113 12:00:06.000000    1 main.go:12] three digits",
  "[rank0]:[W219 09:17:03.293812312 ProcessGroupNCCL.cpp:1168] c10d's header",
  "[W socket.cpp:663] [c10d] short header",
  "I1130 1:00:07.000000 one-digit hour",
  "I1130",
  "W1130 12:0",
  "I1130 12:00:08.000000    1 a.go:1]"
]

const formats = [
  { format: bracketed, base: bracketedLines },
  { format: klog, base: klogLines }
]

/** A line changed at random: a byte replaced, inserted or cut, or a CR at its end. */
const mutate = (random: Random.Random, line: string): string => {
  const at = random.int(line.length + 1)
  const bytes = "[]:- T\r\nINFOERRWADBUGCaer0\t"
  switch (random.int(5)) {
    case 0:
      return line.slice(0, at) + bytes[random.int(bytes.length)]! + line.slice(at + 1)
    case 1:
      return line.slice(0, at) + bytes[random.int(bytes.length)]! + line.slice(at)
    case 2:
      return line.slice(0, at) + line.slice(at + 1 + random.int(4))
    case 3:
      return `${line}\r`
    default:
      return line
  }
}

const lines = (base: ReadonlyArray<string>, count: number, seed: number) => {
  const random = Random.make(seed)
  return Array.from({ length: count }, () => {
    let line = base[random.int(base.length)]!
    for (let k = random.int(3); k > 0; k--) line = mutate(random, line)
    // A mutation may add a newline: split lines are lines all the same.
    return line
  })
}

/** The id the kernel gives the one line `line` (a newline added): a level id, or `levelOf`'s when it is not sure. */
const kernelId = (scanner: Kernel.Scanner, format: LogFormat.LogFormat, line: Buffer) => {
  line.copy(scanner.bytes)
  scanner.bytes[line.length] = 0x0a
  scanner.ends.fill(0, 0, 8)
  expect(scanner.levels!(Kernel.formats[format.name]!, 0, line.length + 1, line.length + 1)).toBe(line.length + 1)
  const id = scanner.ends.subarray(0, 7).indexOf(1)
  if (id >= 0) return id
  expect(scanner.ends[Kernel.UNSURE_COUNT]).toBe(1)
  const end = line.at(-1) === 0x0d ? line.length - 1 : line.length
  return format.levelOf(scanner.bytes, 0, end)
}

describe("the kernel's levels", () => {
  it.each(formats)("give every $format.name line the id levelOf gives it", ({ format, base }) => {
    const scanner = Kernel.make(1 << 16, "wasm")
    const all = [...base, ...lines(base, 20_000, 7)].flatMap((line) => line.split("\n"))
    let sure = 0
    for (const text of all) {
      const line = Buffer.from(text, "latin1")
      const end = line.at(-1) === 0x0d ? line.length - 1 : line.length
      const id = kernelId(scanner, format, line)
      expect(id, JSON.stringify(text)).toBe(format.levelOf(line, 0, end))
      if (scanner.ends[Kernel.UNSURE_COUNT] === 0) sure++
    }
    // The test reaches the kernel's own reading: a good share of lines are not handed back.
    expect(sure).toBeGreaterThan(all.length / 8)
  })

  it("count a text like levelOf does, over chunk boundaries and more unsure lines than one call hands back", () => {
    // Unsure lines (lower case) in a run longer than UNSURE_CAP, then mixed lines, the last without a newline.
    const text = Buffer.from(
      [
        ...Array(Kernel.UNSURE_CAP + 5).fill("[2025-01-01T00:00:00] [info] x"),
        ...lines(bracketedLines, 50_000, 11)
      ].join("\n")
    )
    const count = (finder: "wasm" | "js", chunk: number) => {
      const scanner = Kernel.make(text.length, finder)
      text.copy(scanner.bytes)
      const tally = new Tally(bracketed.levelOf, bracketed.name)
      let from = 0
      for (let stopAt = chunk; from < text.length; stopAt += chunk) {
        const next = tally.scanLines(scanner, from, Math.min(text.length, stopAt), Math.min(text.length, stopAt))
        if (next === from && stopAt >= text.length) break
        from = next
      }
      if (from < text.length) tally.last(scanner.bytes, from, text.length)
      return { perLevel: [...tally.perLevel], lines: tally.lines, unmatched: tally.unmatched }
    }
    const expected = count("js", text.length)
    expect(expected.lines).toBe(text.toString("latin1").split("\n").length)
    for (const chunk of [text.length, 1 << 20, 100_003, 4097])
      expect(count("wasm", chunk), `${chunk}`).toEqual(expected)
  })

  it("are used for the bracketed format only, and only with WebAssembly", () => {
    expect(Kernel.make(16, "wasm").levels).toBeDefined()
    expect(Kernel.make(16, "js").levels).toBeUndefined()
  })
})
