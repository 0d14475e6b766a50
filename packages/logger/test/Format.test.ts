import { Format } from "@dla/logger"
import { describe, expect, it } from "vitest"

const time = new Date(2026, 10, 23, 9, 8, 7, 65).getTime()
const origin = { rank: 2, localRank: 0, nodeId: "gpu3" }
const record: Format.LogRecord = { time, level: "INFO", logger: "", message: "hello" }

describe("Format", () => {
  it("clock and dateTime print local time with milliseconds", () => {
    expect(Format.clock(time)).toBe("09:08:07.065")
    expect(Format.dateTime(time)).toBe("2026-11-23 09:08:07.065")
    expect(Format.clock(time + 1001)).toBe("09:08:08.066")
  })

  it("levelLabel pads every level to one width, colouring only the word", () => {
    expect(Format.levelLabel("INFO", false)).toBe("INFO    ")
    expect(Format.levelLabel("NOTICE", false)).toBe("NOTICE  ")
    expect(Format.levelLabel("WARN", true)).toBe("\x1b[33mWARN\x1b[0m    ")
  })

  it("body appends the logger name, fields and spans", () => {
    expect(Format.body(record)).toBe("hello")
    expect(
      Format.body({ ...record, logger: "io", fields: { n: 1, s: "x", o: { a: [1] } }, spans: [["load", 12]] })
    ).toBe('io: hello n=1 s=x o={"a":[1]} load=12ms')
  })

  it("consoleLine and fileLine", () => {
    expect(Format.consoleLine(record, origin, { showRank: true, color: false })).toBe(
      "[09:08:07.065] [2] INFO     hello\n"
    )
    expect(Format.consoleLine(record, origin, { showRank: false, color: false })).toBe(
      "[09:08:07.065] INFO     hello\n"
    )
    expect(Format.fileLine(record, origin, { showRank: true, color: true })).toBe(
      "[2026-11-23 09:08:07.065] [2] INFO     hello\n"
    )
  })

  it("jsonLine's time is the record's ISO time in UTC, across seconds", () => {
    for (const at of [time, time + 935, time + 999.6, time + 1000, Date.UTC(1999, 11, 31, 23, 59, 59, 999)]) {
      expect(JSON.parse(Format.jsonLine({ ...record, time: at }, origin)).time).toBe(new Date(at).toISOString())
    }
  })

  it("jsonLine survives cycles and errors in fields", () => {
    const cycle: Record<string, unknown> = {}
    cycle.self = cycle
    const parsed = JSON.parse(Format.jsonLine({ ...record, fields: { cycle, error: new Error("x") } }, origin))
    expect(parsed).toMatchObject({ level: "INFO", rank: 2, node: "gpu3", msg: "hello", cycle: { self: "[Circular]" } })
    expect(parsed.error).toMatchObject({ name: "Error", message: "x" })
  })

  it("nodeLine is the NVRx layout, with the source when known", () => {
    expect(Format.nodeLine({ ...record, source: "a.ts:3" }, origin)).toBe(
      "2026-11-23 09:08:07.065 [INFO] [gpu3] [workload:2(0)] a.ts:3 hello\n"
    )
    expect(Format.nodeLine(record, origin)).toBe("2026-11-23 09:08:07.065 [INFO] [gpu3] [workload:2(0)] hello\n")
  })

  it("nvrxNodeLine is the NVRx guide's line: `,` before milliseconds, Python level names, the infra ranks", () => {
    expect(Format.nvrxNodeLine({ ...record, level: "WARN", source: "training.py:67" }, origin)).toBe(
      "2026-11-23 09:08:07,065 [WARNING] [gpu3] [workload:2(0) infra:2(0)] training.py:67 hello\n"
    )
    expect(Format.nvrxNodeLine({ ...record, level: "FATAL" }, { ...origin, infraRank: 7, infraLocalRank: 1 })).toBe(
      "2026-11-23 09:08:07,065 [CRITICAL] [gpu3] [workload:2(0) infra:7(1)] hello\n"
    )
  })
})
