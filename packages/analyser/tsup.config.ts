import { packageBuild } from "../../tsup.shared.ts"

// Every public module is an entry (`@dla/analyser/<Module>`, `@dla/analyser/nats/<Module>`), plus the embedded
// engine's worker-thread entry.
// (`build` empties dist/ first, so neither config cleans: two cleaning configs would race.)
export default [
  packageBuild(["src/*.ts", "src/nats/*.ts"], { clean: false }),
  // The thread entry is bundled into one self-contained file: a thread that loads one small module is counting
  // ~130 ms sooner than one that resolves and evaluates core and effect's modules one by one (Schema above all).
  packageBuild(
    { "internal/countThread": "src/internal/countThread.ts" },
    {
      noExternal: [/.*/],
      dts: false,
      clean: false,
      splitting: false,
      sourcemap: false,
      minify: true,
      // Bundled from core's sources, as the tests run them.
      esbuildOptions: (options) => {
        options.conditions = ["source"]
      }
    }
  )
]
