import { packageBuild } from "../../tsup.shared.ts"

// Every public module is an entry (`@dla/analyser/<Module>`), plus the embedded engine's worker-thread entry.
export default packageBuild(["src/*.ts", "src/internal/countThread.ts"])
