/**
 * The term key of one election scope, as one node sees it: reading who holds which term, claiming a term by
 * compare-and-set, and the fence check that proves a leader's term is still the newest. No timers or messages here:
 * the engine decides when to claim and what a failed check means for its role.
 */
import type { KV } from "@nats-io/kv"
import { Option } from "effect"
import type { Candidate } from "../Candidate.ts"
import type { FencedReason } from "../ElectionError.ts"
import { compareAndSet, describe, readCurrent } from "./kv.ts"
import * as Protocol from "./protocol.ts"

export type GuardResult =
  | { readonly ok: true; readonly term: number }
  | {
      readonly ok: false
      readonly reason: FencedReason
      readonly term: number
      readonly currentTerm?: number | undefined
      readonly currentLeader?: string | undefined
      readonly detail?: string | undefined
      readonly cause?: unknown
    }

/** The term record in the key (`undefined` when absent or unreadable) and the revision to CAS against. */
export interface HeldTerm {
  readonly record: Protocol.TermRecord | undefined
  readonly revision: number
}

/** What a fence check found: the term still held, the key unreachable, or a newer term (or none) in the key. */
export type Check =
  | { readonly kind: "held" }
  | { readonly kind: "unreachable"; readonly detail: string; readonly cause?: unknown }
  | { readonly kind: "superseded"; readonly held: Protocol.TermRecord | undefined }

export class TermFence {
  /** Revision of the term key as last written by this node. */
  private revision = 0
  /** Checks run one at a time: each one CASes the revision the previous one wrote. */
  private queue: Promise<unknown> = Promise.resolve()
  private readonly kv: KV
  private readonly key: string
  private readonly self: Candidate
  private readonly timeoutMs: number
  /** The time a term record is stamped with. */
  private readonly now: () => number

  constructor(kv: KV, key: string, self: Candidate, timeoutMs: number, now: () => number) {
    this.kv = kv
    this.key = key
    this.self = self
    this.timeoutMs = timeoutMs
    this.now = now
  }

  async read(): Promise<HeldTerm> {
    const current = await readCurrent(this.kv, this.key)
    const record = current.entry ? Option.getOrUndefined(Protocol.decodeTermRecord(current.entry.string())) : undefined
    return { record, revision: current.revision }
  }

  /**
   * Writes this node's record of `term` only if the key is still at `revision`. Resolves with the new revision (which
   * later checks CAS against), or `undefined` when another write got there first.
   */
  async write(term: number, revision: number): Promise<number | undefined> {
    const written = await compareAndSet(this.kv, this.key, this.record(term), revision, this.timeoutMs)
    if (written !== undefined) this.revision = written
    return written
  }

  /** Runs `task` after every check started before it has settled. */
  serially<A>(task: () => Promise<A>): Promise<A> {
    const run = this.queue.then(task)
    this.queue = run.catch(() => undefined)
    return run
  }

  /**
   * Proves `term` is still the newest: CASes the key at the revision this node last wrote. Any claim by another node
   * moved that revision, so success means no newer term existed when the write was ordered by the server.
   */
  async check(term: number): Promise<Check> {
    for (let attempt = 0; attempt < 2; attempt++) {
      let written: number | undefined
      try {
        written = await this.write(term, this.revision)
      } catch (e) {
        return { kind: "unreachable", detail: describe(e), cause: e }
      }
      if (written !== undefined) return { kind: "held" }
      let held: HeldTerm
      try {
        held = await this.read()
      } catch (e) {
        return { kind: "unreachable", detail: describe(e), cause: e }
      }
      if (held.record?.term === term && held.record.leader === this.self.id) {
        // Our own earlier write whose reply was lost: adopt its revision and check again.
        this.revision = held.revision
        continue
      }
      return { kind: "superseded", held: held.record }
    }
    return { kind: "unreachable", detail: "the term key keeps changing" }
  }

  private record(term: number): string {
    const { id, priority } = this.self
    return JSON.stringify({ term, leader: id, priority, at: this.now() } satisfies Protocol.TermRecord)
  }
}
