/**
 * The Promise face of {@link EffectFace}: a whole analyser run in this process (a worker per core), for code without
 * Effect.
 *
 * @since 0.1.0
 */
import { PromiseFace } from "@dla/core"
import * as EffectFace from "../Embedded.ts"
import { type Listening, listening } from "../internal/listening.ts"
import type * as Master from "../Master.ts"

/**
 * The same options as the Effect face.
 *
 * @since 0.1.0
 * @category models
 */
export type { Options } from "../Embedded.ts"

/**
 * The default number of workers (one per core), the same in both faces.
 *
 * @since 0.1.0
 * @category constants
 */
export { defaultWorkers } from "../Embedded.ts"

/**
 * Runs a whole run in this process and resolves to the master's summary ({@link EffectFace.run}); rejects with an
 * `AnalyserError`. `options.onEvent` hears the master's events (the Effect face's `Master.Events`), each before the
 * Promise settles. Aborting `options.signal` stops the run.
 *
 * @since 0.1.0
 * @category running
 */
export const run = (options: EffectFace.Options & Listening & PromiseFace.Abortable): Promise<Master.Summary> =>
  PromiseFace.run(listening(EffectFace.run(options), options), options)
