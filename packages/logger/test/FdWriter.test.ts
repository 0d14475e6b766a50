import * as fs from "node:fs"
import * as path from "node:path"
import { afterEach, describe, expect, it } from "vitest"
import * as FdWriter from "../src/internal/FdWriter.ts"
import { tempDir } from "./helpers.ts"

let cleanup: () => void = () => {}
afterEach(() => cleanup())

describe("FdWriter", () => {
  it("buffers up to bufferSize and writes the rest on flush and close", () => {
    const temp = tempDir()
    cleanup = temp.cleanup
    const file = path.join(temp.dir, "out.log")
    const writer = FdWriter.make(FdWriter.openAppend(file), { bufferSize: 10, ownsFd: true, onError: () => {} })
    writer.write("12345")
    expect(fs.readFileSync(file, "utf8")).toBe("")
    writer.write("67890ab")
    expect(fs.readFileSync(file, "utf8")).toBe("1234567890ab")
    writer.write("é\n")
    writer.flush()
    expect(fs.readFileSync(file, "utf8")).toBe("1234567890abé\n")
    writer.write("last")
    writer.close()
    writer.write("after close")
    expect(fs.readFileSync(file, "utf8")).toBe("1234567890abé\nlast")
  })

  it("a full disk is reported once with the unwritten text, and never throws", () => {
    const errors: Array<[string | undefined, string]> = []
    const writer = FdWriter.make(fs.openSync("/dev/full", "w"), {
      ownsFd: true,
      onError: (error, unwritten) => errors.push([error.code, unwritten])
    })
    writer.write("one\n")
    writer.write("two\n")
    writer.close()
    expect(errors).toEqual([["ENOSPC", "one\n"]])
    expect(writer.failed()).toBe(true)
  })
})
