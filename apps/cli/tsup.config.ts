import { packageBuild } from "../../tsup.shared.ts"

// The `dla` binary bundles its dependencies into one file: loading one module instead of hundreds of effect modules
// cuts its start time, which every command pays; minified, it also parses faster. (`build` empties dist/ first, so
// neither config cleans.)
export default [
  packageBuild(["src/index.ts"], { clean: false }),
  packageBuild(["src/bin.ts"], {
    noExternal: [/.*/],
    dts: false,
    clean: false,
    splitting: false,
    sourcemap: false,
    minify: true
  })
]
