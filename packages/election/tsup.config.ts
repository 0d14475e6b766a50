import { packageBuild } from "../../tsup.shared.ts"

// Every public module is an entry (`@dla/election/<Module>`): the analyser's fencing takes FencedKv alone, so a run
// on one machine does not load the NATS client that Leadership needs.
export default packageBuild(["src/*.ts"])
