/** The logger's view of who this process is: `@dla/core`'s detection, made unable to stop the program. */
import * as os from "node:os"
import * as DistributedContext from "@dla/core/DistributedContext"
import * as Result from "effect/Result"

/**
 * The context read from `env`. A malformed variable (`RANK=abc`) becomes a one-line warning and a standalone
 * context: a logger must never be the reason a training job fails to start.
 */
export const fromEnv = (
  env: DistributedContext.Env
): { readonly context: DistributedContext.DistributedContext; readonly warning?: string } => {
  const result = DistributedContext.decode(env)
  return Result.isSuccess(result)
    ? { context: result.success }
    : {
        context: DistributedContext.standalone(os.hostname()),
        warning: `${result.failure.message}; logging as a standalone process`
      }
}
