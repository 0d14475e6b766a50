/**
 * The scan kernel: a read buffer and a newline finder over it. Files are read straight into the buffer; the finder
 * writes the offsets of the next newlines into `ends`, many lines per call, so the per-line loop in JS only asks the
 * format for each line's level.
 *
 * With WebAssembly SIMD (Node, Deno and Bun all have it) the buffer lives in the memory of a small kernel
 * (kernel.wat, 16 bytes a step): about three times faster than one native `indexOf` (memchr) call per line, whose
 * cost is the call, not the search (docs/benchmarks.md). For the formats it reads itself ({@link Scanner.levels}) it
 * also tells each line's level, so JS is not called per line at all. Without WebAssembly, the same interface runs
 * `indexOf` per line and has no `levels`.
 */
import { Buffer } from "node:buffer"
import { base64 } from "./kernelWasm.ts"

/** Newline offsets one finder call reports at most. */
const ENDS = 1 << 16
const PAGE = 65536

export interface Scanner {
  /** The read buffer (its length is the capacity). Replaced by {@link Scanner.reserve}: read it again after. */
  bytes: Buffer
  /** Newline offsets in `bytes` (plus {@link Scanner.base}) written by {@link Scanner.newlines}. */
  readonly ends: Int32Array
  /** What to subtract from an entry of `ends` to get an offset in `bytes`. */
  readonly base: number
  /** Finds the newlines of `bytes[from, to)` in order, at most `ends.length`; returns how many it wrote. */
  newlines(from: number, to: number): number
  /** Makes `bytes` at least `size` long, keeping its first `keep` bytes. */
  reserve(size: number, keep: number): void
  /**
   * The WebAssembly kernel only: counts the lines that start in `bytes[from, stopAt)` and end before `to` in the
   * kernel's format `format` ({@link formats}) and returns where the next line starts. It adds the lines it is sure
   * of to `ends[0, 7)` (per level id) and writes the others to `ends` as {@link UNSURE_COUNT} (start, newline) pairs
   * from {@link UNSURE} (plus `base`), for the format's `levelOf`; it stops early when they fill {@link UNSURE_CAP}.
   */
  readonly levels?: (format: number, from: number, to: number, stopAt: number) => number
}

/** The formats the kernel reads itself (kernel.wat's `$levelOf`), by name. */
export const formats: Readonly<Record<string, number>> = { bracketed: 1, klog: 2 }
/** Where `levels` writes how many lines it left unsure, in `ends`. */
export const UNSURE_COUNT = 8
/** Where `levels` writes the unsure lines' pairs, in `ends`. */
export const UNSURE = 16
/** How many unsure pairs `levels` writes at most per call. */
export const UNSURE_CAP = (ENDS - UNSURE) / 2

// The little of the WebAssembly API the kernel uses (the project's TypeScript libs have no DOM types).
interface WasmMemory {
  readonly buffer: ArrayBuffer
  grow(pages: number): number
}
interface KernelExports {
  readonly memory: WasmMemory
  readonly newlines: (from: number, to: number, out: number, cap: number) => number
  readonly levels: (format: number, from: number, to: number, stopAt: number, out: number, cap: number) => number
}
type WasmModule = object
interface WasmApi {
  validate(binary: Uint8Array): boolean
  readonly Module: new (binary: Uint8Array) => WasmModule
  readonly Instance: new (module: WasmModule) => { readonly exports: unknown }
}
const wasm = (globalThis as { WebAssembly?: WasmApi }).WebAssembly

const compiled: WasmModule | undefined = (() => {
  try {
    const binary = Buffer.from(base64, "base64")
    return wasm?.validate(binary) ? new wasm.Module(binary) : undefined
  } catch {
    return undefined // no WebAssembly here (or no SIMD): the indexOf finder does the job
  }
})()

/** Which finder this runtime uses: `"wasm"` (SIMD kernel) or `"js"` (indexOf per line). */
export const kind: "wasm" | "js" = compiled === undefined ? "js" : "wasm"

/** A scanner whose buffer is the kernel's memory: `[ends][bytes]`. */
const wasmScanner = (api: WasmApi, module: WasmModule, size: number): Scanner => {
  const kernel = new api.Instance(module).exports as KernelExports
  const base = ENDS * 4
  const memory = kernel.memory
  const find = kernel.newlines
  const levels = kernel.levels
  const view = () => ({
    bytes: Buffer.from(memory.buffer, base, memory.buffer.byteLength - base),
    ends: new Int32Array(memory.buffer, 0, ENDS)
  })
  const grow = (bytes: number) => {
    const missing = base + bytes - memory.buffer.byteLength
    if (missing > 0) memory.grow(Math.ceil(missing / PAGE))
  }
  grow(size)
  const scanner: Scanner = {
    ...view(),
    base,
    newlines: (from, to) => find(base + from, base + to, 0, ENDS),
    levels: (format, from, to, stopAt) => levels(format, base + from, base + to, base + stopAt, 0, UNSURE_CAP) - base,
    reserve: (size) => {
      if (size <= scanner.bytes.length) return
      grow(size) // growing keeps the memory's bytes; only the views must be made again
      Object.assign(scanner, view())
    }
  }
  return scanner
}

/** The fallback finder: one native `indexOf` (memchr on a Buffer) per newline. */
const findWithIndexOf = (bytes: Buffer, ends: Int32Array, from: number, to: number) => {
  let n = 0
  while (n < ends.length) {
    const newline = bytes.indexOf(0x0a, from)
    if (newline < 0 || newline >= to) break
    ends[n++] = newline
    from = newline + 1
  }
  return n
}

/** The fallback: a plain Buffer. */
const jsScanner = (size: number): Scanner => {
  const ends = new Int32Array(ENDS)
  const scanner: Scanner = {
    bytes: Buffer.allocUnsafe(size),
    ends,
    base: 0,
    newlines: (from, to) => findWithIndexOf(scanner.bytes, ends, from, to),
    reserve: (size, keep) => {
      if (size <= scanner.bytes.length) return
      const bigger = Buffer.allocUnsafe(Math.max(size, scanner.bytes.length * 2))
      scanner.bytes.copy(bigger, 0, 0, keep)
      scanner.bytes = bigger
    }
  }
  return scanner
}

// Shared by every borrowed scan: a scan uses its ends synchronously, before any other can start.
const borrowedEnds = new Int32Array(ENDS)

/**
 * A scanner over bytes read elsewhere (Follow's own buffers), for one synchronous scan: the `indexOf` finder, no
 * copy. It cannot grow.
 */
export const over = (bytes: Uint8Array): Scanner => {
  const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  return {
    bytes: view,
    ends: borrowedEnds,
    base: 0,
    newlines: (from, to) => findWithIndexOf(view, borrowedEnds, from, to),
    reserve: () => {
      throw new Error("Kernel.over: a borrowed buffer cannot grow")
    }
  }
}

/** A new scanner of at least `size` bytes: the kernel's unless `finder` says `"js"` (tests, benchmarks). */
export const make = (size: number, finder: "wasm" | "js" = kind): Scanner =>
  finder === "wasm" && wasm !== undefined && compiled !== undefined
    ? wasmScanner(wasm, compiled, size)
    : jsScanner(size)

// Scans in flight at once in one thread (a worker's concurrent tasks) each need a scanner; finished ones wait here for
// the next scan instead of being built again. A scanner a giant line grew is let go.
const idle: Array<Scanner> = []
const KEEP_IDLE = 4
const KEEP_BYTES = 8 * 1024 * 1024

/** A scanner of at least `size` bytes; give it back with {@link release}. */
export const acquire = (size: number): Scanner => {
  const scanner = idle.pop() ?? make(size)
  scanner.reserve(size, 0)
  return scanner
}

export const release = (scanner: Scanner) => {
  if (idle.length < KEEP_IDLE && scanner.bytes.length <= KEEP_BYTES) idle.push(scanner)
}
