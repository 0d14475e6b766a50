import { ElectionError, FencedKv, Leadership, Lease } from "@dla/election/promise"
import { natsPerFile, waitFor } from "@dla/testing"
import { Kvm } from "@nats-io/kv"
import { describe, expect, it } from "vitest"

// The Promise face (`@dla/election/promise`) against a real nats-server: the same operations as the Effect face,
// with Promises, functions returning Promises for actions to fence, AsyncIterables for streams and close().
const nats = natsPerFile()
const timing = { heartbeatMs: 50, leaderTimeoutMs: 300, answerTimeoutMs: 60, coordinatorTimeoutMs: 300 }

describe("@dla/election/promise", () => {
  it("a lone candidate leads; guard, fenced, writeFenced and changes work through Promises", async () => {
    const leadership = await Leadership.make(nats.nc(), { ...timing, scope: "promise-solo", id: "solo" })
    try {
      const term = await leadership.awaitLeadership()
      expect(term).toBeGreaterThan(0)
      expect(await leadership.isLeader()).toBe(true)
      expect(await leadership.guard()).toBe(term)
      expect(await leadership.fenced(async () => "fenced action")).toBe("fenced action")
      const kv = await new Kvm(nats.nc()).create("promise_face_test")
      const written = await leadership.writeFenced(kv, "checkpoint", { files: 3 })
      expect(written.term).toBe(term)
      expect(await FencedKv.read(kv, "checkpoint")).toMatchObject({ term, value: { files: 3 } })
      for await (const state of leadership.changes) {
        expect(state).toMatchObject({ role: "leader", term })
        break
      }
      expect(await leadership.whileLeading(async (leading) => `led term ${leading}`)).toBe(`led term ${term}`)
    } finally {
      await leadership.close()
    }
  })

  it("whileLeading aborts its signal when the term is lost; close() ends the calls still waiting", async () => {
    const leadership = await Leadership.make(nats.nc(), { ...timing, scope: "promise-resign", id: "resigner" })
    let aborted = false
    let settled = "pending"
    const leading = leadership
      .whileLeading(
        (_term, signal) =>
          new Promise<never>((_, reject) => {
            signal.addEventListener("abort", () => {
              aborted = true
              reject(new Error("aborted"))
            })
          })
      )
      .then(
        () => (settled = "resolved"),
        () => (settled = "rejected")
      )
    await leadership.awaitLeadership()
    await leadership.resign()
    await waitFor("the signal to abort", () => aborted)
    // Resigned for good: whileLeading waits to lead again, until close() interrupts it.
    expect(settled).toBe("pending")
    await leadership.close()
    await leading
    expect(settled).toBe("rejected")
  })

  it("rejects with the Effect face's tagged error", async () => {
    const rejection = await Leadership.make(nats.nc(), { scope: "not a token" }).catch((e: unknown) => e)
    expect(rejection).toBeInstanceOf(ElectionError.ElectionError)
  })

  it("a lease is held until close(), then another contender takes it", async () => {
    const options = { nats: nats.nc(), key: "promise.lease", ttlSeconds: 2 }
    const first = await Lease.make({ ...options, owner: "first" })
    await waitFor("the first lease", () => first.isHeld())
    const second = await Lease.make({ ...options, owner: "second" })
    try {
      await expect(second.assertHeld()).rejects.toBeInstanceOf(Lease.LeaseError)
      await first.close()
      await waitFor("the second lease", () => second.isHeld())
      await expect(second.assertHeld()).resolves.toBeUndefined()
    } finally {
      await second.close()
    }
  })
})
