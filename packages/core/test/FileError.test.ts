import { FileError } from "@dla/core"
import { describe, expect, it } from "vitest"

const systemError = (code: string) => Object.assign(new Error(`${code}: something`), { code })

describe("FileError", () => {
  it("maps system error codes to reasons, keeping the code as detail", () => {
    const cases: Array<[string, FileError.Reason]> = [
      ["ENOENT", "NotFound"],
      ["ENOTDIR", "NotFound"],
      ["EISDIR", "NotAFile"],
      ["EACCES", "Unreadable"],
      ["EIO", "Unreadable"],
      ["Z_DATA_ERROR", "Corrupt"],
      ["Z_BUF_ERROR", "Corrupt"]
    ]
    for (const [code, reason] of cases) {
      expect(FileError.fromSystemError("/var/log/a.log", systemError(code))).toMatchObject({ reason, detail: code })
    }
  })

  it("uses the operation's own reason for a failure that says nothing about the path", () => {
    expect(FileError.fromSystemError("/out", systemError("EACCES"), "Unwritable").reason).toBe("Unwritable")
    expect(FileError.fromSystemError("/out", systemError("ENOSPC"), "Unwritable").reason).toBe("Unwritable")
    expect(FileError.fromSystemError("/x", "boom")).toMatchObject({ reason: "Unreadable", detail: "boom" })
  })

  it("passes a FileError through unchanged and reads as one line naming the path", () => {
    const error = new FileError.FileError({ path: "/var/log/secret.log", reason: "Unreadable", detail: "EACCES" })
    expect(FileError.fromSystemError("/elsewhere", error)).toBe(error)
    expect(error.message).toBe("/var/log/secret.log: cannot be read (EACCES)")
    expect(new FileError.FileError({ path: "/d", reason: "NotAFile", detail: "" }).message).toBe(
      "/d: not a regular file"
    )
  })
})
