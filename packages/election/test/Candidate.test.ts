import { Candidate, ElectionError } from "@dla/election"
import { describe, expect, it } from "vitest"

describe("Candidate", () => {
  it("derives the default id from host and pid", () => {
    expect(Candidate.defaultId("node-3", 4242)).toBe("node-3/4242")
    expect(Candidate.defaultId()).toMatch(new RegExp(`/${process.pid}$`))
  })
  it("ranks rank 0 first by default and ties at 0 without a rank", () => {
    expect(Candidate.defaultPriority(0)).toBeGreaterThan(Candidate.defaultPriority(1))
    expect(Candidate.defaultPriority()).toBe(0)
  })
  it("orders by priority, then by id, strictly", () => {
    expect(Candidate.outranks({ id: "a", priority: 2 }, { id: "z", priority: 1 })).toBe(true)
    expect(Candidate.outranks({ id: "b", priority: 1 }, { id: "a", priority: 1 })).toBe(true)
    expect(Candidate.outranks({ id: "a", priority: 1 }, { id: "b", priority: 1 })).toBe(false)
    expect(Candidate.outranks({ id: "a", priority: 1 }, { id: "a", priority: 1 })).toBe(false)
  })
})

describe("ElectionError", () => {
  it("explains each refusal in one line", () => {
    const base = { scope: "r1", term: 4 }
    expect(new ElectionError.Fenced({ ...base, reason: "NotLeader" }).message).toBe("election r1: not the leader")
    expect(new ElectionError.Fenced({ ...base, reason: "Unverified", detail: "TIMEOUT" }).message).toBe(
      "election r1: cannot verify term 4: TIMEOUT"
    )
    expect(new ElectionError.ElectionError({ scope: "r1", detail: "cannot open KV bucket" }).message).toBe(
      "election r1: cannot open KV bucket"
    )
  })
})
