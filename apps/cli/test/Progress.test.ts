import { describe, expect, it } from "vitest"
import * as Progress from "../src/internal/Progress.ts"

const stream = (isTTY: boolean) => {
  const written: Array<string> = []
  return { written, stream: { isTTY, write: (text: string) => written.push(text) } as unknown as NodeJS.WriteStream }
}

describe("Progress", () => {
  it("draws a bar with share, amounts, rate and ETA on a terminal, and clears it at the end", () => {
    const { written, stream: tty } = stream(true)
    let now = 0
    const progress = Progress.make(tty, { now: () => now })
    progress.update(0, 10_000_000, "")
    now = 50
    progress.update(1_000_000, 10_000_000, "too soon: skipped")
    now = 1000
    progress.update(5_000_000, 10_000_000, "5/10 files")
    now = 2000
    progress.update(10_000_000, 10_000_000, "")
    progress.finish()
    expect(written).toEqual([
      `\r[${".".repeat(30)}] 0% 0 B of 10.0 MB\x1b[K`,
      `\r[${"#".repeat(15)}${".".repeat(15)}] 50% 5.0 MB of 10.0 MB · 5.0 MB/s · ETA 1 s · 5/10 files\x1b[K`,
      `\r[${"#".repeat(30)}] 100% 10.0 MB of 10.0 MB · 5.0 MB/s\x1b[K`,
      "\r\x1b[K"
    ])
  })

  it("counts lines when asked, and formats amounts and durations for people", () => {
    expect(Progress.describe(1500, 100_000, 1000, "lines", "")).toBe(
      "1% 1,500 lines of 100,000 lines · 1,000 lines/s · ETA 1 min 39 s"
    )
    expect(Progress.bytes(999)).toBe("999 B")
    expect(Progress.bytes(1_500_000_000)).toBe("1.5 GB")
    expect(Progress.bytes(680_000_000)).toBe("680 MB")
    expect(Progress.duration(3725)).toBe("1 h 02 min")
    expect(Progress.duration(7 * 86_400 + 3600)).toBe("7 d 01 h")
    // One split file: its bytes tell the progress, not "0/1 files".
    expect(Progress.files(0, 1)).toBe("")
    expect(Progress.note(Progress.files(3, 1200), "2 workers")).toBe("3/1,200 files · 2 workers")
  })

  it("writes nothing when stderr is not a terminal", () => {
    const { written, stream: pipe } = stream(false)
    const progress = Progress.make(pipe)
    progress.update(1, 2, "x")
    progress.finish()
    expect(written).toEqual([])
  })
})
