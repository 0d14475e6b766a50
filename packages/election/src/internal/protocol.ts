/**
 * The bully protocol on NATS core subjects, all under `dla.<scope>.election.`:
 * - `election`    ELECTION, sent by a candidate with a reply subject; higher candidates answer there (OK).
 * - `answer.<n>`  OK, the answer to an ELECTION; `<n>` names the asking node's inbox.
 * - `coordinator` COORDINATOR, the winner's announcement after it claimed a term.
 * - `heartbeat`   the leader's heartbeat, every heartbeat interval.
 * - `resign`      a leader giving up, so followers elect at once instead of waiting for the timeout.
 * Every message carries the sender, its priority and a term (for ELECTION and OK: the sender's known term).
 */
import { type Option, Schema } from "effect"

/** What messages and the term record share: a term, and the priority of the candidate they speak of. */
const TermFields = {
  term: Schema.Number,
  priority: Schema.Number
}

export const Message = Schema.Struct({
  ...TermFields,
  /** The sender. */
  id: Schema.String,
  /** ELECTION round of the asking node, echoed by OK so that late answers to an old round are ignored. */
  round: Schema.Number
})
export type Message = typeof Message.Type

export type Kind = "election" | "answer" | "coordinator" | "heartbeat" | "resign"

/** Decodes JSON text with `schema`: `None` for anything that is not valid JSON of the right shape. */
export const jsonDecoder = <S extends Schema.Constraint & Schema.ConstraintDecoder<unknown>>(
  schema: S
): ((text: string) => Option.Option<S["Type"]>) => Schema.decodeUnknownOption(Schema.fromJsonString(schema))

export const encode = (message: Message): string => JSON.stringify(message)

/** The message, or `None` for anything that is not valid JSON of the right shape (ignored by the engine). */
export const decode: (text: string) => Option.Option<Message> = jsonDecoder(Message)

const scopePattern = /^[A-Za-z0-9_-]+$/

/** Scopes become one subject token and one KV key token, so they must be plain. */
export const isValidScope = (scope: string): boolean => scopePattern.test(scope)

export const subjects = (scope: string, inbox: string) => {
  const base = `dla.${scope}.election`
  return {
    all: `${base}.>`,
    election: `${base}.election`,
    coordinator: `${base}.coordinator`,
    heartbeat: `${base}.heartbeat`,
    resign: `${base}.resign`,
    answer: `${base}.answer.${inbox}`,
    kind: (subject: string): Kind | undefined => {
      const rest = subject.slice(base.length + 1)
      if (rest.startsWith("answer.")) return rest === `answer.${inbox}` ? "answer" : undefined
      return rest === "election" || rest === "coordinator" || rest === "heartbeat" || rest === "resign"
        ? rest
        : undefined
    }
  }
}

/** The KV key holding the term record of a scope. */
export const termKey = (scope: string): string => `election.${scope}.term`

export const TermRecord = Schema.Struct({
  ...TermFields,
  /** The leader of `term`, whose priority `priority` is. */
  leader: Schema.String,
  /** Wall-clock ms of the last claim or fence check by the leader: a lease timestamp for humans and tools. */
  at: Schema.Number
})
export type TermRecord = typeof TermRecord.Type

export const decodeTermRecord: (text: string) => Option.Option<TermRecord> = jsonDecoder(TermRecord)
