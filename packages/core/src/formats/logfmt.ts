/**
 * logfmt: `key=value` pairs (go-kit, logrus's text formatter, Heroku, Grafana's and Prometheus' components).
 */
import * as Level from "../Level.ts"
import { ascii, BACKSLASH, EQUALS, isBlank, isOneOfKeys, logFormat, QUOTE, skipBlanks } from "./shared.ts"

const levelKeys = ["level", "lvl", "severity"].map(ascii)

const isKeyByte = (b: number) =>
  (b >= 0x61 && b <= 0x7a) ||
  (b >= 0x41 && b <= 0x5a) ||
  (b >= 0x30 && b <= 0x39) ||
  b === 0x5f ||
  b === 0x2e ||
  b === 0x2d ||
  b === 0x40

/**
 * logfmt lines, `ts=2024-11-30T12:00:00Z level=warn msg="disk almost full"`: the level is the value of the first
 * `level`, `lvl` or `severity` key. Every word before it must be a `key=value` pair (values may be quoted), so a
 * `level=` inside a quoted message never counts.
 */
export const logfmt = logFormat(
  "logfmt",
  'ts=2024-11-30T12:00:00Z level=warn msg="disk almost full"',
  (bytes, start, end) => {
    let i = skipBlanks(bytes, start, end)
    while (i < end) {
      const keyStart = i
      while (i < end && isKeyByte(bytes[i]!)) i++
      if (i === keyStart || bytes[i] !== EQUALS) return -1
      const keyEnd = i++
      let valueStart = i
      let valueEnd: number
      if (bytes[i] === QUOTE) {
        for (i++; i < end && bytes[i] !== QUOTE; i++) if (bytes[i] === BACKSLASH) i++
        if (i >= end) return -1
        valueStart++
        valueEnd = i++
      } else {
        while (i < end && !isBlank(bytes[i])) i++
        valueEnd = i
      }
      if (isOneOfKeys(bytes, keyStart, keyEnd, levelKeys)) return Level.idOfBytes(bytes, valueStart, valueEnd)
      i = skipBlanks(bytes, i, end)
    }
    return -1
  }
)
