import { Random } from "@dla/core"
import { describe, expect, it } from "vitest"

const take = (random: Random.Random, n: number) => Array.from({ length: n }, () => random.next())

describe("Random", () => {
  it("the same seed gives the same sequence; another seed another one", () => {
    expect(take(Random.make(42), 5)).toEqual(take(Random.make(42), 5))
    expect(take(Random.make(42), 5)).not.toEqual(take(Random.make(43), 5))
  })

  it("stays in range and spreads evenly", () => {
    const random = Random.make(1)
    const buckets = [0, 0, 0, 0]
    for (let i = 0; i < 40_000; i++) {
      const x = random.next()
      expect(x >= 0 && x < 1).toBe(true)
      buckets[random.int(4)]!++
    }
    for (const n of buckets) expect(Math.abs(n - 10_000)).toBeLessThan(500)
  })

  it("derive gives independent, reproducible streams per item", () => {
    expect(take(Random.derive(1, 0), 3)).toEqual(take(Random.derive(1, 0), 3))
    expect(take(Random.derive(1, 0), 3)).not.toEqual(take(Random.derive(1, 1), 3))
  })
})
