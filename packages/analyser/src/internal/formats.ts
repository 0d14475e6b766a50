import { LogFormat } from "@dla/core"

/** The core format named `name` (formats travel by name: functions cannot cross a thread or the wire). */
export const formatByName = (name: string | undefined): LogFormat.LogFormat | undefined => {
  if (name === undefined) return undefined
  for (const value of Object.values(LogFormat)) {
    if (typeof value === "object" && value !== null && (value as LogFormat.LogFormat).name === name) {
      return value as LogFormat.LogFormat
    }
  }
  return undefined
}
