/** Writes docs/cli.md from the CLI's own definitions: `pnpm docs:cli`. */
import { writeFileSync } from "node:fs"
import { Effect } from "effect"
import { render } from "../apps/cli/src/internal/CliDocs.ts"

const target = new URL("../docs/cli.md", import.meta.url)
writeFileSync(target, await Effect.runPromise(render))
console.log(`wrote ${target.pathname}`)
