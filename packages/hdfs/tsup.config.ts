import { packageBuild } from "../../tsup.shared.ts"

// The package and its Promise face (`@dla/hdfs/promise`).
export default packageBuild(["src/index.ts", "src/promise.ts"])
