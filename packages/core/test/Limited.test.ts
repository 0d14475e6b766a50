import { Limited } from "@dla/core"
import { describe, expect, it } from "vitest"

const tick = () => new Promise((resolve) => setTimeout(resolve, 1))

describe("Limited.each", () => {
  it("runs every item once, with its index, never more than the limit at once", async () => {
    const seen: Array<[number, number]> = []
    let running = 0
    let most = 0
    await Limited.each([10, 11, 12, 13, 14, 15, 16], 3, async (item, index) => {
      most = Math.max(most, ++running)
      await tick()
      seen.push([item, index])
      running--
    })
    expect(seen.sort((a, b) => a[0] - b[0])).toEqual([10, 11, 12, 13, 14, 15, 16].map((item, i) => [item, i]))
    expect(most).toBe(3)
  })

  it("rejects with the first failure and starts no item after it", async () => {
    const started: Array<number> = []
    const run = Limited.each([0, 1, 2, 3, 4, 5, 6, 7], 2, async (item) => {
      started.push(item)
      await tick()
      if (item === 1) throw new Error("item 1 failed")
    })
    await expect(run).rejects.toThrow("item 1 failed")
    // Long enough for a lane that went on to have started every other item.
    for (let i = 0; i < 20; i++) await tick()
    // Items 0 and 1 ran side by side; when 1 failed, the other lane had taken at most one more.
    expect(started.length).toBeLessThanOrEqual(3)
  })

  it("does nothing for no items", async () => {
    let calls = 0
    await Limited.each([], 4, async () => {
      calls++
    })
    expect(calls).toBe(0)
  })
})
