import { Counts } from "@dla/core"
import { describe, expect, it } from "vitest"

const a: Counts.Counts = { levels: { INFO: 2, ERROR: 1 }, lines: 4, unmatched: 1, bytes: 100 }
const b: Counts.Counts = { levels: { INFO: 1, WARN: 5 }, lines: 6, unmatched: 0, bytes: 50 }

describe("Counts", () => {
  it("merges level by level and sums totals", () => {
    expect(Counts.merge(a, b)).toEqual({ levels: { INFO: 3, ERROR: 1, WARN: 5 }, lines: 10, unmatched: 1, bytes: 150 })
  })
  it("merge is commutative with empty as identity", () => {
    expect(Counts.equals(Counts.merge(a, b), Counts.merge(b, a))).toBe(true)
    expect(Counts.merge(Counts.empty, a)).toEqual(a)
    expect(Counts.equals(Counts.mergeAll([a, b, Counts.empty]), Counts.merge(a, b))).toBe(true)
  })
  it("builds from a per-level-id array, leaving unseen levels out", () => {
    expect(Counts.fromArray([0, 2, 3, 0, 0, 0, 1], 7, 1, 70)).toEqual({
      levels: { DEBUG: 2, INFO: 3, FATAL: 1 },
      lines: 7,
      unmatched: 1,
      bytes: 70
    })
  })
  it("equals treats an absent level as zero", () => {
    expect(Counts.equals({ ...a, levels: { ...a.levels, WARN: 0 } }, a)).toBe(true)
    expect(Counts.equals(a, b)).toBe(false)
  })
})
