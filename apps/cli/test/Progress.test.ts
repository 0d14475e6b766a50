import { describe, expect, it } from "vitest"
import * as Progress from "../src/internal/Progress.ts"

const stream = (isTTY: boolean) => {
  const written: Array<string> = []
  return { written, stream: { isTTY, write: (text: string) => written.push(text) } as unknown as NodeJS.WriteStream }
}

describe("Progress", () => {
  it("draws a bar on a terminal and clears it at the end", () => {
    const { written, stream: tty } = stream(true)
    const progress = Progress.make(tty)
    progress.update(5, 10, "5/10 files")
    progress.update(6, 10, "too soon: skipped")
    progress.update(10, 10, "10/10 files")
    progress.finish()
    expect(written).toEqual([
      `\r[${"#".repeat(15)}${".".repeat(15)}] 5/10 files\x1b[K`,
      `\r[${"#".repeat(30)}] 10/10 files\x1b[K`,
      "\r\x1b[K"
    ])
  })

  it("writes nothing when stderr is not a terminal", () => {
    const { written, stream: pipe } = stream(false)
    const progress = Progress.make(pipe)
    progress.update(1, 2, "x")
    progress.finish()
    expect(written).toEqual([])
  })
})
