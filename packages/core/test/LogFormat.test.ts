import { describe, expect, it } from "vitest"
import { Level, LogFormat } from "../src/index.ts"

const bytes = (text: string) => new TextEncoder().encode(text)
const levelOf = (format: LogFormat.LogFormat, line: string) => {
  const id = format.levelOf(bytes(line), 0, bytes(line).length)
  return id < 0 ? undefined : Level.all[id]
}
/** Lines in the shape of each format's real logs (loghub's samples and the tools' defaults). */
const cases: Record<string, ReadonlyArray<readonly [line: string, level: Level.Level | undefined]>> = {
  bracketed: [
    ["[2025-01-01T00:00:00] [INFO] User login successful", "INFO"],
    ["[2025-01-01T00:00:01] [WARN] Disk usage above 85 percent", "WARN"],
    ["[2025-01-01T00:00:02] [DEBUG] Cache miss [ERROR] in a message", "DEBUG"],
    ["[12:00:01] [INFO] abcdefgh] [ERROR] bracket where an ISO timestamp would end", "INFO"],
    ["[Sun Dec 04 04:47:44 2005] [notice] workerEnv.init() ok /etc/httpd/conf/workers2.properties", "NOTICE"],
    ["[Sun Dec 04 04:51:18 2005] [error] mod_jk child workerEnv in error state 6", "ERROR"],
    ["[Wed Oct 11 14:32:52.123456 2017] [core:crit] [pid 35708:tid 4328636416] AH00102: file size limit", "FATAL"],
    ["[2025-01-01T00:00:03] [SOMETHING] not a level", undefined],
    ["plain text with [ERROR] inside", undefined]
  ],
  log4j: [
    ["2015-10-18 18:01:47,978 INFO [main] org.apache.hadoop.mapreduce.v2.app.MRAppMaster: Created MRAppMaster", "INFO"],
    [
      "2015-10-18 18:01:50,353 WARN [main] org.apache.hadoop.util.NativeCodeLoader: ERROR loading native-hadoop",
      "WARN"
    ],
    [
      "17/06/09 20:10:40 INFO executor.CoarseGrainedExecutorBackend: Registered signal handlers for [TERM, HUP, INT]",
      "INFO"
    ],
    ["17/06/09 20:11:11 ERROR executor.Executor: Exception in task 0.0 in stage 1.0 (TID 1)", "ERROR"],
    [
      "2015-07-29 17:41:44,747 - INFO  [QuorumPeer[myid=1]/0:0:0:0:0:0:0:0:2181:FastLeaderElection@774] - Notification time out: 3200",
      "INFO"
    ],
    [
      "2015-07-29 19:04:29,071 - WARN  [SendWorker:188978561024:QuorumCnxManager$SendWorker@688] - Send worker leaving thread",
      "WARN"
    ],
    [
      "081109 203615 148 INFO dfs.DataNode$PacketResponder: PacketResponder 1 for block blk_38865049064139660 terminating",
      "INFO"
    ],
    [
      "081109 204005 35 WARN dfs.FSNamesystem: BLOCK* NameSystem.addStoredBlock: ERROR redundant addStoredBlock",
      "WARN"
    ],
    [
      "2017-05-16 00:00:00.008 25746 WARNING nova.compute.manager [req-3aef] While synchronizing instance power states",
      "WARN"
    ],
    [
      "nova-api.log.1.2017-05-16_13:53:08 2017-05-16 00:00:00.008 25746 INFO nova.osapi_compute.wsgi.server [req-38101a0b] GET /v2/servers/detail",
      "INFO"
    ],
    ["2023-05-01 12:00:00,123 [pool-1-thread-3] ERROR com.example.Job - failed", "ERROR"],
    ["2023-05-01 12:00:00,123 CRITICAL Out of memory", "FATAL"],
    ["java.lang.IllegalStateException: ERROR while closing", undefined],
    ["\tat org.apache.hadoop.ipc.Client.call(Client.java:1475)", undefined],
    ["2015-10-18 18:01:47,978 Something else INFO", undefined]
  ],
  logcat: [
    ["03-17 16:13:38.811  1702  2395 D WindowManager: printFreezingDisplayLogsopening app wtoken", "DEBUG"],
    ["03-17 16:13:38.819  1702  8671 I PowerManagerService: acquire lock=233570404, flags=0x1", "INFO"],
    ["03-17 16:13:39.002  2227  2227 E AndroidRuntime: FATAL EXCEPTION: main", "ERROR"],
    ["03-17 16:13:40.125  1702  1820 W ActivityManager: Unable to start service Intent", "WARN"],
    ["03-17 16:13:41.000   123   456 V Tag: verbose", "TRACE"],
    ["03-17 16:13:41.000   123   456 A DEBUG: assert", "FATAL"],
    ["--------- beginning of main", undefined]
  ],
  python: [
    ["2023-05-01 12:00:00,123 - app.db - WARNING - connection pool exhausted, ERROR soon", "WARN"],
    ["2023-05-01 12:00:01,456 - root - ERROR - request failed", "ERROR"],
    ["WARNING:root:disk almost full", "WARN"],
    ["CRITICAL:app.worker:cannot continue", "FATAL"],
    ["Traceback (most recent call last):", undefined]
  ],
  bgl: [
    [
      "- 1117838570 2005.06.03 R02-M1-N0-C:J12-U11 2005-06-03-15.42.50.675872 R02-M1-N0-C:J12-U11 RAS KERNEL INFO instruction cache parity error corrected",
      "INFO"
    ],
    [
      "APPREAD 1117869872 2005.06.04 R04-M1-N4-I:J18-U11 2005-06-04-00.24.32.432192 R04-M1-N4-I:J18-U11 RAS APP FATAL ciod: failed to read message prefix on control stream",
      "FATAL"
    ],
    [
      "- 1118536327 2005.06.11 R30-M0-N9-C:J16-U01 2005-06-11-17.32.07.581048 R30-M0-N9-C:J16-U01 RAS KERNEL SEVERE ERROR in machine check",
      "ERROR"
    ],
    [
      "KERNDTLB 1118536327 2005.06.11 R30-M0-N9-C:J16-U01 2005-06-11-17.32.07.581048 R30-M0-N9-C:J16-U01 RAS KERNEL FAILURE data TLB error interrupt",
      "FATAL"
    ],
    ["- 1117838570 2005.06.03 NULL 2005-06-03-15.42.50.675872 NULL RAS MMCS WARNING idoproxydb hit ASSERT", "WARN"]
  ]
}

describe("LogFormat", () => {
  for (const [name, lines] of Object.entries(cases)) {
    const format = LogFormat.fromSpec(name)
    it(`${name}: finds the level at its position, never in the message`, () => {
      for (const [line, level] of lines) expect(levelOf(format, line), line).toBe(level)
    })
    it(`${name}: is detected from a file of such lines`, () => {
      const text = lines.map(([line]) => line).join("\n")
      expect(LogFormat.detect(bytes(`${text}\n`)).name).toBe(name)
    })
  }

  it("reads a line inside a larger buffer without looking past its end", () => {
    const buffer = bytes("xx[2025-01-01T00:00:00] [ERROR] a\n[2025-01-01T00:00:00] [INFO] b")
    expect(LogFormat.bracketed.levelOf(buffer, 2, 34)).toBe(Level.id("ERROR"))
    expect(LogFormat.bracketed.levelOf(buffer, 2, 25)).toBe(-1)
  })

  it("a user regex with a named group `level` maps the group through the aliases", () => {
    const format = LogFormat.fromSpec("^\\S+ <(?<level>\\w+)>")
    expect(levelOf(format, "12:00 <warning> cpu hot <ERROR>")).toBe("WARN")
    expect(levelOf(format, "12:00 <bogus> x")).toBeUndefined()
    expect(levelOf(format, "no match")).toBeUndefined()
  })

  it("fromSpec knows aliases and refuses an unknown name or a regex without a level group", () => {
    expect(LogFormat.fromSpec("apache")).toBe(LogFormat.bracketed)
    expect(LogFormat.fromSpec("spark")).toBe(LogFormat.log4j)
    expect(() => LogFormat.fromSpec("nope")).toThrow(/unknown format 'nope'/)
    expect(() => LogFormat.fromSpec("(?<level>[")).toThrow(/Invalid regular expression/)
  })

  it("detection falls back to bracketed when nothing has a level, and ignores an unfinished last line", () => {
    expect(LogFormat.detect(bytes("hello\nworld\n")).name).toBe("bracketed")
    expect(LogFormat.detect(bytes("17/06/09 20:10:40 INFO a\n[2025-01-01T00:00:00] [INFO] cut")).name).toBe("log4j")
  })
})
