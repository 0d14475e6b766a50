/**
 * The Promise face of {@link EffectFace}: masters and workers on NATS JetStream, for code without Effect. These run
 * until their run ends (a worker without `once`: until `options.signal` is aborted).
 *
 * @since 0.1.0
 */

import { PromiseFace } from "@dla/core"
import type { NatsConnection } from "@nats-io/nats-core"
import * as Effect from "effect/Effect"
import * as Fence from "../../Fence.ts"
import { type Listening, listening } from "../../internal/listening.ts"
import type * as Master from "../../Master.ts"
import type * as Worker from "../../Worker.ts"
import * as EffectFace from "../Distributed.ts"

/**
 * The same models as the Effect face.
 *
 * @since 0.1.0
 * @category models
 */
export type { LeadershipEvent, StandbySummary, WorkerEvent, WorkerOptions } from "../Distributed.ts"

/**
 * How a master runs ({@link EffectFace.MasterOptions}), without `localWorkers`: their counters are Layers, which
 * belong to the Effect face.
 *
 * @since 0.1.0
 * @category models
 */
export type MasterOptions = Omit<EffectFace.MasterOptions, "localWorkers">

/**
 * How a candidate master runs ({@link EffectFace.StandbyOptions}), without `localWorkers` (see {@link MasterOptions}).
 *
 * @since 0.1.0
 * @category models
 */
export type StandbyOptions = Omit<EffectFace.StandbyOptions, "localWorkers">

/**
 * Sets the run up on NATS and runs a lone master ({@link EffectFace.master} with `Fence.layerUnfenced`; for a master
 * with standbys, {@link masterWithStandbys}). Resolves to the summary; rejects with an `AnalyserError`.
 * `options.onEvent` hears the master's events (the Effect face's `Master.Events`), each before the Promise settles.
 *
 * @since 0.1.0
 * @category running
 */
export const master = (
  nc: NatsConnection,
  options: MasterOptions & Listening & PromiseFace.Abortable
): Promise<Master.Summary> =>
  PromiseFace.run(listening(Effect.provide(EffectFace.master(nc, options), Fence.layerUnfenced), options), options)

/**
 * Runs this candidate master of a run that has standbys ({@link EffectFace.masterWithStandbys}): resolves to the
 * summary when this candidate finished the run, `undefined` when another one did; `onEvent` as {@link master}'s.
 *
 * @since 0.1.0
 * @category running
 */
export const masterWithStandbys = (
  nc: NatsConnection,
  options: StandbyOptions & Listening & PromiseFace.Abortable
): Promise<EffectFace.StandbySummary | undefined> =>
  PromiseFace.run(listening(EffectFace.masterWithStandbys(nc, options), options), options)

/**
 * Serves runs as a worker ({@link EffectFace.worker}); resolves to the summaries of the runs served, with `once` after
 * one run. Aborting `options.signal` stops it.
 *
 * @since 0.1.0
 * @category running
 */
export const worker = (
  nc: NatsConnection,
  options: EffectFace.WorkerOptions & PromiseFace.Abortable = {}
): Promise<Array<Worker.Summary>> => PromiseFace.run(EffectFace.worker(nc, options), options)
