/** The id of a run: given, or derived from what it analyses. */
import { createHash } from "node:crypto"
import { resolve } from "node:path"
import * as Option from "effect/Option"

/** Same directory and filters, same run id: a master started again with the same arguments resumes the run. */
export const runId = (
  explicit: Option.Option<string>,
  root: string,
  include: ReadonlyArray<string>,
  exclude: ReadonlyArray<string>,
  prefix = "run"
) =>
  Option.getOrElse(
    explicit,
    () =>
      `${prefix}-${createHash("sha256")
        .update(JSON.stringify([resolve(root), include, exclude]))
        .digest("hex")
        .slice(0, 12)}`
  )
