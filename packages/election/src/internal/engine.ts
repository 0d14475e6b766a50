/**
 * The bully election as a small event-driven state machine: NATS messages and timers drive it, the term key in
 * JetStream KV decides who holds a term. Plain callbacks rather than Effect: every handler runs to completion on the
 * event loop, which is the whole concurrency story; the only async steps (KV claim, fence check) re-check the
 * election round after each await.
 */
import type { KV } from "@nats-io/kv"
import type { NatsConnection, Subscription } from "@nats-io/nats-core"
import { Option } from "effect"
import { type Candidate, outranks } from "../Candidate.ts"
import { type GuardResult, type HeldTerm, TermFence } from "./fence.ts"
import * as Protocol from "./protocol.ts"

export type { GuardResult }

/**
 * Where this node stands in the election.
 *
 * @since 0.1.0
 * @category models
 */
export type Role = "candidate" | "follower" | "leader" | "resigned"

/**
 * This node's view of the election: its role, the newest term it knows and that term's leader.
 *
 * @since 0.1.0
 * @category models
 */
export interface State {
  readonly role: Role
  /** The newest term this node knows of (its own term while it leads). */
  readonly term: number
  /** The leader of that term as far as this node knows, `undefined` while electing. */
  readonly leader: string | undefined
}

/**
 * The election's timers and KV request timeout, in ms (see `Leadership.defaultTiming`).
 *
 * @since 0.1.0
 * @category models
 */
export interface Timing {
  readonly heartbeatMs: number
  readonly leaderTimeoutMs: number
  readonly answerTimeoutMs: number
  readonly coordinatorTimeoutMs: number
  readonly requestTimeoutMs: number
}

export interface Config extends Timing {
  readonly nc: NatsConnection
  readonly kv: KV
  /** The time a term record is stamped with (the Effect's `Clock`). */
  readonly now: () => number
  readonly scope: string
  readonly self: Candidate
}

/** Claims beyond this many CAS conflicts in a row wait for the next election round. */
const maxClaimAttempts = 3

export class Engine {
  private state: State = { role: "follower", term: 0, leader: undefined }
  private readonly listeners = new Set<(state: State) => void>()
  private readonly subjects: ReturnType<typeof Protocol.subjects>
  private readonly fence: TermFence
  private subscription: Subscription | undefined
  private timer: ReturnType<typeof setTimeout> | undefined
  /** Bumped whenever this node's election view changes, so stale timers and in-flight claims give up. */
  private round = 0
  private answered = false
  /** The term this node claimed (kept after stepping down, for error messages). */
  private ownTerm = 0
  private stopped = false

  private readonly config: Config

  constructor(config: Config) {
    this.config = config
    this.subjects = Protocol.subjects(config.scope, crypto.randomUUID().replaceAll("-", ""))
    this.fence = new TermFence(
      config.kv,
      Protocol.termKey(config.scope),
      config.self,
      config.requestTimeoutMs,
      config.now
    )
  }

  get current(): State {
    return this.state
  }

  /** Calls `listener` on every change of state; returns the function that stops it. */
  listen(listener: (state: State) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  async start(): Promise<void> {
    this.subscription = this.config.nc.subscribe(this.subjects.all, {
      callback: (error, message) => {
        if (error === null) this.onMessage(message.subject, message.string(), message.reply)
      }
    })
    await this.config.nc.flush()
    // Listen for a sitting leader for one leader timeout before electing: candidates that boot a little apart still
    // hold a single election, and a lower joiner simply follows the leader it hears.
    this.setState({ role: "follower", term: 0, leader: undefined })
    this.after(this.config.leaderTimeoutMs, () => this.startElection(this.state.term))
  }

  /** Resigns, then stops timers and the subscription. */
  async stop(): Promise<void> {
    this.resign()
    this.stopped = true
    this.clearTimer()
    this.subscription?.unsubscribe()
    await this.config.nc.flush().catch(() => undefined)
  }

  /** Gives up leadership (followers elect at once) and candidacy; the node keeps following announcements. */
  resign(): void {
    if (this.state.role === "resigned") return
    const wasLeader = this.state.role === "leader"
    this.round++
    this.clearTimer()
    this.setState({ role: "resigned", term: this.state.term, leader: wasLeader ? undefined : this.state.leader })
    if (wasLeader) this.send(this.subjects.resign, this.ownTerm)
  }

  /** Proves this node still leads (see {@link TermFence.check}); a newer term found makes it step down. */
  guard(): Promise<GuardResult> {
    return this.fence.serially(() => this.checkTerm())
  }

  private async checkTerm(): Promise<GuardResult> {
    const term = this.ownTerm
    const notLeader = (): GuardResult => ({
      ok: false,
      reason: "NotLeader",
      term,
      currentTerm: this.state.term,
      currentLeader: this.state.leader
    })
    if (this.state.role !== "leader") return notLeader()
    const check = await this.fence.check(term)
    if (check.kind === "unreachable") {
      return { ok: false, reason: "Unverified", term, detail: check.detail, cause: check.cause }
    }
    if (check.kind === "superseded") {
      this.stepDown(term, check.held)
      return { ok: false, reason: "Superseded", term, currentTerm: check.held?.term, currentLeader: check.held?.leader }
    }
    return this.state.role === "leader" && this.ownTerm === term ? { ok: true, term } : notLeader()
  }

  private setState(next: State): void {
    const now = this.state
    if (now.role === next.role && now.term === next.term && now.leader === next.leader) return
    this.state = next
    for (const listener of this.listeners) listener(next)
  }

  private send(subject: string, term: number, round = 0, reply?: string): void {
    const { id, priority } = this.config.self
    try {
      this.config.nc.publish(subject, Protocol.encode({ id, priority, term, round }), reply ? { reply } : undefined)
    } catch {
      // Connection closed or draining: the timers drive the next attempt.
    }
  }

  private after(ms: number, action: () => void): void {
    this.clearTimer()
    this.timer = setTimeout(action, ms)
  }

  private clearTimer(): void {
    if (this.timer !== undefined) clearTimeout(this.timer)
    this.timer = undefined
  }

  private onMessage(subject: string, text: string, reply: string | undefined): void {
    if (this.stopped) return
    const kind = this.subjects.kind(subject)
    if (kind === undefined) return
    const message = Protocol.decode(text)
    if (Option.isNone(message) || message.value.id === this.config.self.id) return
    if (kind === "election") this.onElection(message.value, reply)
    else if (kind === "answer") this.onAnswer(message.value)
    else if (kind === "resign") this.onResign(message.value)
    else this.onLeader(message.value)
  }

  /** ELECTION from another candidate: a higher node answers OK and makes sure a leader (itself) emerges. */
  private onElection(message: Protocol.Message, reply: string | undefined): void {
    if (this.state.role === "resigned" || !outranks(this.config.self, message)) return
    if (reply) this.send(reply, this.state.term, message.round)
    if (this.state.role === "leader") this.send(this.subjects.coordinator, this.ownTerm)
    else if (this.state.role !== "candidate") this.startElection(this.state.term)
  }

  /** OK from a higher node: it will take over, so wait for its COORDINATOR instead of claiming. */
  private onAnswer(message: Protocol.Message): void {
    if (this.state.role !== "candidate" || message.round !== this.round || this.answered) return
    this.answered = true
    const round = this.round
    this.after(this.config.coordinatorTimeoutMs, () => {
      if (round === this.round) this.startElection(this.state.term)
    })
  }

  /** COORDINATOR or heartbeat. */
  private onLeader(message: Protocol.Message): void {
    // An older term's leader (paused or cut off) learns from our heartbeats or its next fence check.
    if (message.term < this.state.term) return
    if (message.term === this.state.term && this.state.role === "leader") return
    if (this.state.role === "resigned") {
      this.setState({ role: "resigned", term: message.term, leader: message.id })
      return
    }
    if (outranks(this.config.self, message)) {
      // Bully: a lower node leads, so this node takes over.
      if (this.state.role === "candidate") {
        this.setState({ ...this.state, term: message.term })
        return
      }
      this.setState({ role: "follower", term: message.term, leader: message.id })
      this.startElection(message.term)
      return
    }
    this.follow(message.id, message.term)
  }

  private onResign(message: Protocol.Message): void {
    if (message.id !== this.state.leader || this.state.role === "leader") return
    if (this.state.role === "resigned") this.setState({ ...this.state, leader: undefined })
    else {
      this.setState({ role: "follower", term: this.state.term, leader: undefined })
      this.startElection(this.state.term)
    }
  }

  private follow(leader: string, term: number): void {
    this.round++
    this.setState({ role: "follower", term, leader })
    this.after(this.config.leaderTimeoutMs, () => this.startElection(this.state.term))
  }

  private startElection(term: number): void {
    if (this.stopped || this.state.role === "resigned" || this.state.role === "leader") return
    const round = ++this.round
    this.answered = false
    this.setState({ role: "candidate", term, leader: undefined })
    this.send(this.subjects.election, term, round, this.subjects.answer)
    this.after(this.config.answerTimeoutMs, () => {
      if (round === this.round && !this.answered) void this.claim(round)
    })
  }

  /** No higher node answered: take the next term with a CAS on the term key. */
  private async claim(round: number): Promise<void> {
    this.clearTimer()
    let seen = -1
    for (let attempt = 0; attempt < maxClaimAttempts; attempt++) {
      if (round !== this.round || this.stopped) return
      let held: HeldTerm
      try {
        held = await this.fence.read()
      } catch {
        return this.retryLater(round)
      }
      if (round !== this.round || this.stopped) return
      const record = held.record
      if (seen >= 0 && record !== undefined && record.term > seen && outranks(toCandidate(record), this.config.self)) {
        // A higher node claimed while we did: its COORDINATOR is on the way.
        return this.follow(record.leader, record.term)
      }
      seen = record?.term ?? 0
      const term = Math.max(seen, this.state.term) + 1
      let revision: number | undefined
      try {
        revision = await this.fence.write(term, held.revision)
      } catch {
        return this.retryLater(round)
      }
      if (revision === undefined) continue
      // The term is ours in KV even if our view moved meanwhile: lead it (a higher node will bully us in turn).
      if (this.stopped || this.state.role === "resigned") {
        this.send(this.subjects.resign, term)
        return
      }
      return this.becomeLeader(term)
    }
    this.retryLater(round)
  }

  private retryLater(round: number): void {
    if (round !== this.round || this.stopped) return
    this.after(this.config.leaderTimeoutMs, () => {
      if (round === this.round) this.startElection(this.state.term)
    })
  }

  private becomeLeader(term: number): void {
    this.round++
    this.ownTerm = term
    this.setState({ role: "leader", term, leader: this.config.self.id })
    this.send(this.subjects.coordinator, term)
    const beat = () => {
      if (this.state.role !== "leader" || this.ownTerm !== term) return
      this.send(this.subjects.heartbeat, term)
      this.after(this.config.heartbeatMs, beat)
    }
    this.after(this.config.heartbeatMs, beat)
  }

  /** A fence check found a newer term: stop leading and follow its holder (or elect when the key is gone). */
  private stepDown(term: number, held: Protocol.TermRecord | undefined): void {
    if (this.state.role !== "leader" || this.ownTerm !== term) return
    if (held !== undefined && held.term > term) {
      this.follow(held.leader, held.term)
      return
    }
    this.setState({ role: "follower", term: this.state.term, leader: undefined })
    this.startElection(this.state.term)
  }
}

const toCandidate = (record: Protocol.TermRecord): Candidate => ({ id: record.leader, priority: record.priority })
