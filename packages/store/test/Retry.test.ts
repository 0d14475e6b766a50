import { describe, expect, it } from "vitest"
// An internal module: the retry every store call goes through, tested on a clock of the test's own.
import { retrier } from "../src/internal/nats.ts"

describe("retrier", () => {
  it("measures its deadline on the clock it is given, not the wall clock", async () => {
    let now = 0
    let attempts = 0
    const retry = retrier(1_000, () => now)
    const failing = retry("reading x", async () => {
      attempts++
      now += 600 // each attempt takes 600 ms of the given clock: the second one ends past the deadline
      throw new Error("no responders")
    })
    await expect(failing).rejects.toMatchObject({ reason: "Unavailable", message: "reading x: no responders" })
    expect(attempts).toBe(2)
  })

  it("gives the attempt's value once one succeeds, and throws a final error at once", async () => {
    let attempts = 0
    const retry = retrier(60_000, () => 0)
    expect(await retry("x", async () => (++attempts < 3 ? Promise.reject(new Error("timeout")) : "ok"))).toBe("ok")
    expect(attempts).toBe(3)
    const final = retry(
      "y",
      () => Promise.reject(new Error("denied")),
      () => true
    )
    await expect(final).rejects.toMatchObject({ message: "y: denied" })
  })
})
