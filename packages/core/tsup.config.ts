import { packageBuild } from "../../tsup.shared.ts"

// Every public module is an entry, so `@dla/core/<Module>` resolves (and declarations can name its types).
export default packageBuild(["src/*.ts"])
