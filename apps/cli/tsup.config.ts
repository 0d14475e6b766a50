import { createRequire, isBuiltin } from "node:module"
import { packageBuild } from "../../tsup.shared.ts"

/**
 * Node's built-in modules, imported statically, become `process.getBuiltinModule` calls: an ESM `import` of a
 * built-in builds its whole namespace, which runs every lazy getter (`fs` loads fs/promises, streams and readline;
 * `crypto` webcrypto), several ms of every start for modules the quick path never calls (docs/benchmarks.md,
 * "Start-up (startup helper)"). Each named export is read off the module once, and only if some import uses it (a
 * pure call the bundler drops otherwise); a getter a module wants lazily (`fs.promises`) is read off the default
 * import at its use. Node, Bun and Deno all have the call.
 */
const lazyBuiltins = {
  name: "lazy-builtins",
  setup(build: {
    onResolve: (options: { filter: RegExp }, callback: (args: { path: string; kind: string }) => unknown) => void
    onLoad: (options: { filter: RegExp; namespace: string }, callback: (args: { path: string }) => unknown) => void
  }) {
    build.onResolve({ filter: /^[a-z_:/]+$/ }, ({ path, kind }) =>
      kind === "import-statement" && isBuiltin(path)
        ? { path: path.startsWith("node:") ? path : `node:${path}`, namespace: "lazy-builtin" }
        : undefined
    )
    build.onLoad({ filter: /.*/, namespace: "lazy-builtin" }, ({ path }) => {
      const names = Object.keys(process.getBuiltinModule(path)).filter((name) => name !== "default")
      return {
        contents: [
          `const m = process.getBuiltinModule(${JSON.stringify(path)})`,
          "export default m",
          ...names.map((name, i) => `const e${i} = /* @__PURE__ */ (() => m[${JSON.stringify(name)}])()`),
          `export { ${names.map((name, i) => `e${i} as ${JSON.stringify(name)}`).join(", ")} }`
        ].join("\n"),
        loader: "js"
      }
    })
  }
}

// The `dla` binary bundles its dependencies, effect and the dla packages included, into one file: loading one
// module instead of hundreds cuts its start time, which every command pays (an external dla package would also load
// its own unbundled copy of effect: about 0.3 s more); minified, it also parses faster. (`build` empties dist/
// first, so no config cleans.)
const bundled = {
  dts: false,
  clean: false,
  splitting: false,
  sourcemap: false,
  minify: true,
  // tsup would mark every `node:` import external before any plugin saw it.
  removeNodeProtocol: false,
  esbuildPlugins: [lazyBuiltins],
  // From the dla packages' sources, as the tests run them (and whatever state their dist/ is in).
  esbuildOptions: (options: { conditions?: Array<string> }) => {
    options.conditions = ["source"]
  }
} as const

// The launcher and the program's two bundles are CommonJS: the launcher loads them through CodeCache.ts, which keeps
// V8's code for every function a run compiled (an ES module cannot be loaded that way), and a process that never
// loads an ES module never starts Node's ES module loader. `import.meta.url` is shimmed from `__filename`.
const commonJs = { ...bundled, format: "cjs", shims: true } as const

export default [
  packageBuild(["src/index.ts"], { clean: false }),
  // The launcher stays tiny: it must enable the compile cache before the bundles below are compiled.
  packageBuild(["src/bin.ts"], commonJs),
  packageBuild(
    { main: "src/main.ts" },
    {
      ...commonJs,
      // One file with every command: a command's modules are evaluated when Cli.ts imports them (esbuild wraps each
      // `import()` in a lazy initialiser), and the code cache holds what the run compiled, wrappers included. The NATS
      // client too: bundled, `--nats` loads in ~35 ms instead of ~75 ms for its ~60 files. Not prom-client (the
      // dashboard's /metrics, loaded on the first scrape).
      noExternal: [/^(?!prom-client$)/]
    }
  ),
  // The launcher's quick path (`dla analyse <path>` of a small input): its own bundle, tree-shaken down to the
  // sequential analyser and the results' printing, so it starts without effect/cli and the analyser engine. The
  // logger is imported by the first diagnostic (Diagnostics.ts), so a plain run does not evaluate it.
  packageBuild({ quick: "src/quick.ts" }, { ...commonJs, noExternal: [/.*/] }),
  // The embedded engine's counting thread, which the bundled analyser starts from `internal/countThread.js` beside
  // bin.cjs: its own small bundle, so a thread loads only what counting needs. Taken from the analyser's public
  // `@dla/analyser/countThread` entry (its built, self-contained thread bundle), never from its sources.
  packageBuild(
    { "internal/countThread": createRequire(import.meta.url).resolve("@dla/analyser/countThread") },
    {
      ...bundled,
      noExternal: [/.*/]
    }
  )
]
