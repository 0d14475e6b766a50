import { defineConfig, type Options } from "tsup"

/** The one build every dla package uses: ESM + declarations, dependencies left external. */
export const packageBuild = (entry: Options["entry"] = ["src/index.ts"], extra: Options = {}) =>
  defineConfig({
    entry,
    format: "esm",
    dts: true,
    clean: true,
    sourcemap: true,
    target: "node22",
    platform: "node",
    ...extra
  })
