/**
 * The two ways leadership can fail a caller: an action fenced off because this node cannot prove it holds the
 * current term, and an election that cannot start at all.
 *
 * @since 0.1.0
 */
import { Schema } from "effect"

/**
 * Why a fenced action was refused:
 * - `NotLeader`: this node was not the leader when the action was asked for.
 * - `Superseded`: a newer term exists in the fencing key; this node has stepped down.
 * - `Unverified`: the fencing key could not be reached, so leadership could not be proven (nothing was done).
 *
 * @since 0.1.0
 * @category errors
 */
export const FencedReason = Schema.Literals(["NotLeader", "Superseded", "Unverified"])
/**
 * The reason of a {@link Fenced}, as a type.
 *
 * @since 0.1.0
 * @category errors
 */
export type FencedReason = typeof FencedReason.Type

/**
 * A state-changing action was refused because this node could not prove it leads the current term.
 *
 * @since 0.1.0
 * @category errors
 */
export class Fenced extends Schema.TaggedError<Fenced>()("Fenced", {
  reason: FencedReason,
  /** The election scope (run id). */
  scope: Schema.String,
  /** This node's term, 0 when it never led. */
  term: Schema.Number,
  /** The newest term known, when it is known. */
  currentTerm: Schema.optional(Schema.Number),
  /** The leader of the newest term, when it is known. */
  currentLeader: Schema.optional(Schema.String),
  /** What went wrong when the fencing key could not be reached. */
  detail: Schema.optional(Schema.String),
  /** The failure underneath, when the fencing key could not be reached. */
  cause: Schema.optional(Schema.Unknown)
}) {
  override get message(): string {
    const where = `election ${this.scope}`
    if (this.reason === "NotLeader") {
      const leader = this.currentLeader ? ` (leader is ${this.currentLeader}, term ${this.currentTerm})` : ""
      return `${where}: not the leader${leader}`
    }
    if (this.reason === "Superseded") {
      return `${where}: term ${this.term} was superseded by term ${this.currentTerm} (leader ${this.currentLeader}); stepped down`
    }
    return `${where}: cannot verify term ${this.term}: ${this.detail ?? "fencing key unreachable"}`
  }
}

/**
 * The election could not be set up (bad options, KV bucket not reachable).
 *
 * @since 0.1.0
 * @category errors
 */
export class ElectionError extends Schema.TaggedError<ElectionError>()("ElectionError", {
  scope: Schema.String,
  detail: Schema.String,
  /** The failure underneath, when there is one. */
  cause: Schema.optional(Schema.Unknown)
}) {
  override get message(): string {
    return `election ${this.scope}: ${this.detail}`
  }
}
