import { ErrorMessage } from "@dla/core"
import { describe, expect, it } from "vitest"

describe("ErrorMessage.describe", () => {
  it("gives an Error's message, or its name when it has none", () => {
    expect(ErrorMessage.describe(new Error("disk full"))).toBe("disk full")
    expect(ErrorMessage.describe(new TypeError())).toBe("TypeError")
  })
  it("keeps a string and writes other values as JSON", () => {
    expect(ErrorMessage.describe("no route")).toBe("no route")
    expect(ErrorMessage.describe({ code: 503 })).toBe('{"code":503}')
    expect(ErrorMessage.describe(undefined)).toBe("undefined")
    expect(ErrorMessage.describe(12n)).toBe("12")
  })
  it("puts a message of several lines on one", () => {
    expect(ErrorMessage.describe(new Error("first\n   second  \nthird\n"))).toBe("first second third")
  })
})

describe("ErrorMessage.keepOrWrap", () => {
  class OwnError extends Error {}
  const toOwn = ErrorMessage.keepOrWrap(OwnError, (cause) => new OwnError(`wrapped: ${ErrorMessage.describe(cause)}`))
  it("keeps an error that already is the package's own, wrapping nothing twice", () => {
    const own = new OwnError("lease lost")
    expect(toOwn(own)).toBe(own)
  })
  it("wraps anything else", () => {
    const wrapped = toOwn(new TypeError("fetch failed"))
    expect(wrapped).toBeInstanceOf(OwnError)
    expect(wrapped.message).toBe("wrapped: fetch failed")
    expect(toOwn("refused").message).toBe("wrapped: refused")
  })
})

describe("ErrorMessage.withCause", () => {
  it("is the detail alone without a cause, else the detail and the cause's one line", () => {
    expect(ErrorMessage.withCause("cannot read a.log", undefined)).toBe("cannot read a.log")
    expect(ErrorMessage.withCause("cannot read a.log", new Error("EACCES\nmore"))).toBe(
      "cannot read a.log: EACCES more"
    )
  })
})
