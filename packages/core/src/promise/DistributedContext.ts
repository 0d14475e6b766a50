/**
 * The Promise face of {@link DistributedContext}: the role, rank and node of this process, for code without Effect.
 * The pure readers (`detect`, `decode`, `getNodeRank`, `getNodeIndex`, `standalone`) are the same functions in both
 * faces.
 *
 * @since 0.1.0
 */

import * as EffectFace from "../DistributedContext.ts"
import { run } from "../PromiseFace.ts"

/**
 * The same models as the Effect face.
 *
 * @since 0.1.0
 * @category models
 */
export type { DecodeOptions, DistributedContext, Env, Launcher, Role } from "../DistributedContext.ts"

/**
 * The pure readers and the error, shared with the Effect face.
 *
 * @since 0.1.0
 * @category parsing
 */
export {
  DistributedContextError,
  decode,
  detect,
  getNodeIndex,
  getNodeRank,
  precedence,
  standalone
} from "../DistributedContext.ts"

/**
 * The context of the running process, from `process.env` and the host name ({@link EffectFace.fromEnv});
 * rejects with a `DistributedContextError` when a variable is malformed.
 *
 * @since 0.1.0
 * @category parsing
 */
export const fromEnv = (): Promise<EffectFace.DistributedContext> => run(EffectFace.fromEnv)
