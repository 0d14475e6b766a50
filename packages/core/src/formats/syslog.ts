/**
 * Syslog lines with their priority: RFC 5424 and RFC 3164 as sent on the wire or kept by a collector.
 */
import { GREATER, isDigit, LESS, logFormat, syslogSeverity } from "./shared.ts"

/** The largest priority: facility 23 (local7) times 8 plus severity 7. */
const MAX_PRIORITY = 191

/**
 * `<PRI>` first: `<165>1 2003-10-11T22:14:15.003Z host app - ID47 - message` (RFC 5424) or
 * `<34>Oct 11 22:14:15 mymachine su: message` (RFC 3164). The severity is PRI % 8: 0-2 FATAL (emerg, alert, crit),
 * 3 ERROR, 4 WARN, 5 NOTICE, 6 INFO, 7 DEBUG.
 */
export const syslog = logFormat(
  "syslog",
  "<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 - message",
  (bytes, start, end) => {
    if (bytes[start] !== LESS) return -1
    let priority = 0
    let i = start + 1
    for (; i < end && i <= start + 3 && isDigit(bytes[i]); i++) priority = priority * 10 + bytes[i]! - 0x30
    return i > start + 1 && i + 1 < end && bytes[i] === GREATER && priority <= MAX_PRIORITY
      ? syslogSeverity(priority % 8)
      : -1
  }
)
