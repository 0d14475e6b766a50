/**
 * Compiles the scan kernel's WebAssembly text (src/internal/kernel.wat) with wabt and writes the binary, base64, to
 * src/internal/kernelWasm.ts: a module every runtime and bundler loads like any other (no .wasm file to find next
 * to a bundle). Run by the package's build; a test checks the committed output matches the source.
 */
import { readFileSync, writeFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import wabt from "wabt"

const source = fileURLToPath(new URL("../src/internal/kernel.wat", import.meta.url))
const target = fileURLToPath(new URL("../src/internal/kernelWasm.ts", import.meta.url))

/** The module's text for the binary of the .wat source. */
export const compile = async (): Promise<string> => {
  const module = (await wabt()).parseWat("kernel.wat", readFileSync(source, "utf8"), { simd: true })
  try {
    module.validate()
    const { buffer } = module.toBinary({})
    return [
      "// Generated from kernel.wat by scripts/build-kernel.ts: do not edit.",
      "",
      "/** The scan kernel's WebAssembly binary, base64. */",
      // Laid out as the formatter (biome) lays out a long string, so formatting leaves the file as generated.
      "export const base64 =",
      `  "${Buffer.from(buffer).toString("base64")}"`,
      ""
    ].join("\n")
  } finally {
    module.destroy()
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) writeFileSync(target, await compile())
