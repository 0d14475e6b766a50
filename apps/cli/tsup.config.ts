import { packageBuild } from "../../tsup.shared.ts"

// The `dla` binary bundles its dependencies into one file: loading one module instead of hundreds of effect modules
// cuts its start time, which every command pays; minified, it also parses faster. (`build` empties dist/ first, so
// neither config cleans.)
export default [
  packageBuild(["src/index.ts"], { clean: false }),
  packageBuild(["src/bin.ts"], {
    // ...except the packages that talk to NATS: the NATS client is CommonJS that require()s node built-ins and its
    // own packages (which an ESM bundle cannot do), and the analyser starts worker threads from its own dist/ files.
    noExternal: [/^(?!@dla\/analyser|@dla\/hdfs|@nats-io\/)/],
    dts: false,
    clean: false,
    splitting: false,
    sourcemap: false,
    minify: true
  })
]
