import { packageBuild } from "../../tsup.shared.ts"

// Every module is an entry (`@dla/<package>/<Module>`), the Promise face (`/promise`) among them.
export default packageBuild(["src/*.ts"])
