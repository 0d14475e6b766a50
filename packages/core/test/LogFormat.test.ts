import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { DirectoryAnalysis, Level, LogFormat } from "@dla/core"
import { Effect, Result } from "effect"
import { describe, expect, it } from "vitest"

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
    // Ray's Python logs: `%(asctime)s\t%(levelname)s %(filename)s:%(lineno)s -- %(message)s`
    [
      "2024-11-30 12:00:00,123\tINFO worker.py:1821 -- Started a local Ray instance. View the dashboard at 127.0.0.1:8265",
      "INFO"
    ],
    // loguru's default, and Python's `[%(asctime)s] %(levelname)s: %(message)s`
    ["2024-11-30 12:00:00.123 | WARNING  | __main__:train:42 - loss is NaN, ERROR soon", "WARN"],
    ["[2024-11-30 12:00:00,123] ERROR: CUDA out of memory, WARNING ignored", "ERROR"],
    ["[2024-11-30 12:00:00,123] [rank 3] INFO: epoch 1", "INFO"],
    ["[main] 2024-11-30 12:00:00 INFO no time in the first bracket", undefined],
    // Rust's tracing-subscriber
    ["2024-11-30T12:00:00.123456Z  WARN app::db: pool exhausted, ERROR soon", "WARN"],
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
    ["Traceback (most recent call last):", undefined],
    // torchrun's elastic agent (basicConfig)
    [
      "ERROR:torch.distributed.elastic.multiprocessing.api:failed (exitcode: 1) local_rank: 6 (pid: 1211) of binary: /usr/bin/python3",
      "ERROR"
    ],
    [
      "INFO:torch.distributed.elastic.agent.server.api:[default] Worker group FAILED. 3/3 attempts left; will restart worker group",
      "INFO"
    ],
    // uvicorn
    ["INFO:     Uvicorn running on http://127.0.0.1:8000 (Press CTRL+C to quit)", "INFO"],
    ["WARNING:  StatReload detected changes in 'app.py'. Reloading...", "WARN"],
    ['INFO:     127.0.0.1:52100 - "GET /health HTTP/1.1" 500 Internal Server Error', "INFO"],
    // Dask, with and without the time
    ["2022-05-27 17:39:43,638 - distributed.scheduler - INFO - State start", "INFO"],
    ["2024-01-25 13:36:48,176 - distributed.worker - WARNING - Compute Failed", "WARN"],
    ["distributed.worker - INFO -       Start worker at:            127.0.0.1:42389", "INFO"],
    ['  File "train.py", line 12, in <module>', undefined],
    ["ValueError: ERROR: bad value", undefined],
    ["Error: boom", undefined],
    ["E: short", undefined]
  ],
  hydra: [
    ["[2019-09-29 11:09:14,134][__main__][INFO] - Info level message", "INFO"],
    ["[2019-09-29 11:09:14,134][__main__][DEBUG] - Debug level message", "DEBUG"],
    ["[2024-11-30 12:00:00,123][torch.distributed.elastic][WARNING] - ERROR in a message", "WARN"],
    ["Error executing job with overrides: ['lr=0.1']", undefined]
  ],
  klog: [
    [
      "I0820 14:27:21.482718 4030958 ProcessGroupNCCL.cpp:980] [PG ID 1 PG GUID 1 Rank 1] ProcessGroupNCCL environments: NCCL version: 2.25.1",
      "INFO"
    ],
    [
      "W0219 09:17:03.837000 140066961602368 torch/distributed/elastic/multiprocessing/api.py:858] Sending process 2448006 closing signal SIGTERM",
      "WARN"
    ],
    [
      "[rank0]:[W219 09:17:03.293812312 ProcessGroupNCCL.cpp:1168] Warning: WARNING: process group has NOT been destroyed before we destruct ProcessGroupNCCL.",
      "WARN"
    ],
    [
      "[rank5]:[E1003 20:49:10.123654124 ProcessGroupNCCL.cpp:4715] [PG ID 0 PG GUID 0 Rank 5] INFO in a message",
      "ERROR"
    ],
    [
      'E1130 12:00:00.123456       1 leaderelection.go:330] error retrieving resource lock kube-system/kube-scheduler: Get "https://10.0.0.1:6443/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/kube-scheduler": dial tcp 10.0.0.1:6443: connect: connection refused',
      "ERROR"
    ],
    ["I1130 12:00:00.123456       1 serving.go:348] Generated self-signed cert in-memory", "INFO"],
    ["F1130 12:00:01.000000       1 server.go:225] failed to load config: WARNING ignored", "FATAL"],
    [
      "[W socket.cpp:663] [c10d] The client socket has failed to connect to [localhost]:29500 (errno: 99 - Cannot assign requested address).",
      "WARN"
    ],
    ["[I debug.cpp:49] [c10d] The debug level is set to INFO.", "INFO"],
    ["goroutine 1 [running]:", undefined],
    ["[I am not a header] text", undefined],
    ["Information about I1130 12:00:00 in a message", undefined]
  ],
  ray: [
    [
      "[2023-08-05 22:54:06,501 I 14610 14610] (gcs_server) io_service_pool.cc:35: IOServicePool is running with 1 io_service.",
      "INFO"
    ],
    [
      "[2024-04-07 04:56:11,020 E 193 193] (gcs_server) logging.cc:361: *** SIGABRT received at time=1712465771 on cpu 18 ***",
      "ERROR"
    ],
    ["[2024-04-07 04:56:11,020 W 193 193] (raylet) node_manager.cc:1234: INFO in a message", "WARN"],
    ["[2024-04-07 04:56:11,020 C 193 193] (raylet) node_manager.cc:99: Check failed", "FATAL"],
    ["    @     0x7dbb0b837520  (unknown)  (unknown)", undefined]
  ],
  json: [
    // zap
    ['{"level":"info","ts":1732968000.123456,"caller":"server/main.go:42","msg":"listening","addr":":8080"}', "INFO"],
    // pino
    ['{"level":30,"time":1732968000123,"pid":4242,"hostname":"node-1","msg":"request completed"}', "INFO"],
    [
      '{"level":50,"time":1732968000124,"pid":4242,"hostname":"node-1","err":{"type":"Error","message":"boom","stack":"Error: boom\\n    at main (/app/index.js:3:9)"},"msg":"boom"}',
      "ERROR"
    ],
    ['{"level":10,"time":1732968000125,"msg":"trace"}', "TRACE"],
    ['{"level":60,"time":1732968000126,"msg":"fatal"}', "FATAL"],
    // bunyan: the level after other keys
    [
      '{"name":"myapp","hostname":"node-1","pid":4242,"level":40,"msg":"disk almost full","time":"2024-11-30T12:00:00.000Z","v":0}',
      "WARN"
    ],
    // slog
    ['{"time":"2024-11-30T12:00:00.123456789Z","level":"WARN","msg":"slow request","path":"/api","ms":1234}', "WARN"],
    // ECS, dotted and nested
    [
      '{"@timestamp":"2024-11-30T12:00:00.123Z","log.level":"error","message":"connection reset","ecs.version":"1.6.0"}',
      "ERROR"
    ],
    ['{"@timestamp":"2024-11-30T12:00:00.123Z","log":{"logger":"app","level":"warn"},"message":"retrying"}', "WARN"],
    // Google Cloud Logging
    [
      '{"severity":"ERROR","message":"Job failed","timestamp":"2024-11-30T12:00:00Z","logging.googleapis.com/trace":"projects/p/traces/abc"}',
      "ERROR"
    ],
    ['{"severity":"CRITICAL","message":"out of memory"}', "FATAL"],
    // Serilog's compact JSON, and its plain JSON formatter's `Level`
    ['{"@t":"2024-11-30T12:00:00.1234567Z","@mt":"Disk {Drive} almost full","@l":"Warning","Drive":"C:"}', "WARN"],
    ['{"Timestamp":"2024-11-30T12:00:00+00:00","Level":"Information","MessageTemplate":"Started"}', "INFO"],
    // python-json-logger, spaces after the colons
    ['{"asctime": "2024-11-30 12:00:00,123", "levelname": "INFO", "name": "train", "message": "epoch 3"}', "INFO"],
    // GELF: a syslog severity
    ['{"version":"1.1","host":"node-1","short_message":"disk full","timestamp":1732968000.123,"level":3}', "ERROR"],
    // dla's JSON mode and its node-local message files
    ['{"time":"2026-11-23T12:34:56.789Z","level":"WARN","rank":3,"localRank":1,"node":"node-1","msg":"slow"}', "WARN"],
    ['{"t":1700000000000,"l":"ERROR","g":"","m":"boom","r":0,"lr":0,"n":"node-1"}', "ERROR"],
    // a level word in a message value or a nested object never counts
    ['{"message":"level: ERROR","level":"info"}', "INFO"],
    ['{"msg":"got {\\"level\\":\\"error\\"} from upstream","time":"2024-11-30T12:00:00Z"}', undefined],
    ['{"msg":"x","ctx":{"level":"error"},"tags":["level","error"]}', undefined],
    ['{"severity":"DEFAULT","message":"no severity assigned"}', undefined],
    // a line cut short keeps the level it has
    ['{"level":"info","msg":"cut sho', "INFO"],
    ['{"msg":"cut short","level":"inf', undefined],
    ["[1, 2, 3]", undefined]
  ],
  logfmt: [
    // logrus' text formatter
    ['time="2024-11-30T12:00:00Z" level=warning msg="Unable to connect" error="dial tcp: i/o timeout"', "WARN"],
    // Prometheus (go-kit)
    [
      'ts=2024-11-30T12:00:00.123Z caller=main.go:42 level=info msg="Starting Prometheus" version="(version=2.45.0)"',
      "INFO"
    ],
    [
      'level=error ts=2024-11-30T12:00:00.123Z caller=manager.go:123 component="rule manager" msg="Failed" err="level=info inside"',
      "ERROR"
    ],
    // Grafana (log15)
    ['t=2024-11-30T12:00:00+0000 lvl=eror msg="Failed to look up user" logger=context', "ERROR"],
    ['msg="level=error in a message" level=debug', "DEBUG"],
    ['caller=x msg="unterminated', undefined],
    ["plain text level=error", undefined]
  ],
  nginx: [
    [
      '2024/11/30 12:00:00 [error] 1234#1234: *5 connect() failed (111: Connection refused) while connecting to upstream, client: 10.0.0.2, server: _, request: "GET /api HTTP/1.1", upstream: "http://127.0.0.1:8000/api", host: "example.com"',
      "ERROR"
    ],
    ["2024/11/30 12:00:00 [notice] 1#1: start worker processes", "NOTICE"],
    ['2024/11/30 12:00:00 [warn] 1#1: conflicting server name "_" on 0.0.0.0:80, ignored', "WARN"],
    ["2024/11/30 12:00:00 [emerg] 1#1: bind() to 0.0.0.0:80 failed (98: Address already in use)", "FATAL"],
    ["2024/11/30 12:00:00 [crit] 7#7: *9 open() failed, [error] in a message", "FATAL"]
  ],
  rust: [
    ["[2024-11-30T12:00:00Z WARN  app::db] connection pool exhausted, ERROR soon", "WARN"],
    ["[2024-11-30T12:00:00Z INFO  actix_server::builder] starting 8 workers", "INFO"],
    ["[2024-11-30T12:00:00.123Z ERROR my_app] request failed", "ERROR"],
    ["[WARN  app::db] no timestamp", "WARN"],
    // Serilog's console
    ["[12:00:00 INF] Starting web host", "INFO"],
    ["thread 'main' panicked at src/main.rs:4:5:", undefined]
  ],
  nccl: [
    ["ubun:2375340:2375340 [0] NCCL INFO Bootstrap : Using [0]enp4s0:10.214.24.190<0>", "INFO"],
    [
      "ubun:2375340:2375340 [0] NCCL INFO NET/Plugin : No plugin found (libnccl-net.so), using internal implementation",
      "INFO"
    ],
    [
      "ubun:2375341:2375387 [0] init.cc:573 NCCL WARN Duplicate GPU detected : rank 1 and rank 0 both on CUDA device 1000",
      "WARN"
    ],
    ["gpu-07:1234:5678 [3] NCCL INFO Channel 00/02 :    0   1   2   3, WARN in a message", "INFO"],
    ["ubun:2375341:2375387 [0] NCCL INFO init.cc:840 -> 5", "INFO"],
    ["NCCL version 2.7.8+cuda10.2", undefined]
  ],
  syslog: [
    [
      "<34>1 2003-10-11T22:14:15.003Z mymachine.example.com su - ID47 - 'su root' failed for lonvick on /dev/pts/8",
      "FATAL"
    ],
    ["<165>1 2003-08-24T05:14:15.000003-07:00 192.0.2.1 myproc 8710 - - %% It's time to make the do-nuts.", "NOTICE"],
    ["<13>Feb  5 17:32:18 10.0.0.99 Use the BFG!", "NOTICE"],
    ["<11>Nov 30 12:00:00 node-1 kernel: nvidia: GPU has fallen off the bus", "ERROR"],
    ["<12>Nov 30 12:00:00 node-1 app[42]: ERROR in a message", "WARN"],
    ["<14>1 2024-11-30T12:00:00Z node-1 app 42 - - hello", "INFO"],
    ["<191>1 2024-11-30T12:00:00Z node-1 app 42 - - trace", "DEBUG"],
    ["<192>1 2024-11-30T12:00:00Z node-1 app 42 - - out of range", undefined],
    ["Nov 30 12:00:00 node-1 sshd[123]: ERROR without a priority", undefined]
  ],
  slurm: [
    ["[2023-06-14T10:21:33.021] error: Nodes gpu-[01-02] not responding", "ERROR"],
    ["[2023-06-14T10:21:33.021] debug:  sched: Running job scheduler for full queue.", "DEBUG"],
    ["[2023-06-14T10:21:33.021] debug2: Processing RPC: REQUEST_NODE_INFO from UID=0", "DEBUG"],
    ["[2023-06-14T10:21:33.021] _slurm_rpc_submit_batch_job: JobId=123 InitPrio=4294901759 usec=345", "INFO"],
    [
      "[2023-06-14T10:21:34.500] [123.batch] error: *** JOB 123 ON gpu-01 CANCELLED AT 2023-06-14T10:21:34 ***",
      "ERROR"
    ],
    ["[2023-06-14T10:21:34.500] [123.0] done with job", "INFO"],
    ["[2023-06-14T10:21:35.000] fatal: Unable to bind listen port (6817): Address already in use", "FATAL"],
    ["[2023-06-14T10:21:35.000] sched: Allocate JobId=124 NodeList=gpu-01 #CPUs=8 Partition=gpu", "INFO"],
    [
      "[2023-06-14T10:21:35.000] Warning: Note very large processing time from _slurm_rpc_dump_jobs: usec=4000000 began=10:21:31.000",
      "INFO"
    ],
    ["srun: error: gpu-01: task 0: Exited with exit code 1", undefined]
  ],
  dla: [
    ["[12:34:56.789] [3] INFO     epoch done epoch=2", "INFO"],
    ["[12:34:56.789] WARN     no rank shown", "WARN"],
    ["[2026-11-23 12:34:56.789] [0] ERROR    train: loss is NaN, WARN later", "ERROR"],
    ["[12:34:56.789] [3] \x1b[31mERROR\x1b[0m    coloured", "ERROR"],
    ["2026-11-23 12:34:56.789 [FATAL] [node-1] [workload:3(1)] train.ts:42 out of memory", "FATAL"],
    ["2026-11-23 12:34:56.789 [NOTICE] [node-1] [workload:0(0)] checkpoint saved", "NOTICE"],
    ["    at Object.<anonymous> (/app/train.js:12:9)", undefined]
  ],
  "cri+klog": [
    [
      "2024-11-30T12:00:00.123456789Z stderr F I1130 12:00:00.123456       1 serving.go:348] Generated self-signed cert in-memory",
      "INFO"
    ],
    [
      "2024-11-30T12:00:00.223456789Z stderr F E1130 12:00:00.223456       1 leaderelection.go:330] error retrieving resource lock",
      "ERROR"
    ],
    [
      "2024-11-30T12:00:00.323456789Z stdout P W1130 12:00:00.323456       1 reflector.go:424] a long line, cut",
      "WARN"
    ],
    ["2024-11-30T12:00:00.323456789Z stdout F and its end, INFO", undefined]
  ],
  "cri+json": [
    ['2024-11-30T12:00:00.123456789Z stdout F {"level":"info","ts":1732968000.123,"msg":"ready"}', "INFO"],
    [
      '2024-11-30T12:00:00.123456789Z stdout F {"level":"error","ts":1732968000.124,"msg":"failed","error":"level=info"}',
      "ERROR"
    ]
  ],
  "rank+python": [
    ["[default0]:2024-11-30 12:00:00,123 - train - INFO - epoch 1", "INFO"],
    ["[default1]:2024-11-30 12:00:00,124 - train - WARNING - loss spike, ERROR soon", "WARN"],
    ["[1,0]<stdout>:WARNING:root:disk almost full", "WARN"],
    ["[1,12]<stderr>:CRITICAL:train:cannot continue", "FATAL"],
    ["0: ERROR:train:step failed", "ERROR"],
    [" 12: INFO:train:ok", "INFO"],
    ["[default0]:Traceback (most recent call last):", undefined],
    ["2024-11-30 12:00:00,125 - train - ERROR - a line without a label", "ERROR"]
  ],
  "rank+klog": [
    [
      "[default0]:[rank0]:[W219 09:17:03.293812312 ProcessGroupNCCL.cpp:1168] Warning: WARNING: process group has NOT been destroyed",
      "WARN"
    ],
    [
      "W0219 09:17:03.837000 140066961602368 torch/distributed/elastic/multiprocessing/api.py:858] Sending process 2448006 closing signal SIGTERM",
      "WARN"
    ],
    ["[default3]:E1130 12:00:00.123456 1234 train.cpp:10] INFO in a message", "ERROR"]
  ],
  "docker+json": [
    [
      String.raw`{"log":"{\"level\":\"warn\",\"msg\":\"slow\"}\n","stream":"stdout","time":"2024-11-30T12:00:00.123456789Z"}`,
      "WARN"
    ],
    [
      String.raw`{"log":"{\"msg\":\"a \u003cb\u003e tag, \\\"level\\\":\\\"error\\\"\",\"level\":30}\n","stream":"stdout","time":"2024-11-30T12:00:00.2Z"}`,
      "INFO"
    ]
  ],
  "docker+klog": [
    [
      String.raw`{"log":"I1130 12:00:00.123456       1 main.go:42] started\n","stream":"stderr","time":"2024-11-30T12:00:00.123456789Z"}`,
      "INFO"
    ],
    [
      String.raw`{"log":"E1130 12:00:01.000000       1 main.go:50] failed: \"quoted\"\n","stream":"stderr","time":"2024-11-30T12:00:01Z"}`,
      "ERROR"
    ],
    [String.raw`{"log":"goroutine 1 [running]:\n","stream":"stderr","time":"2024-11-30T12:00:01Z"}`, undefined]
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

  it("a directory with a file of each format counts every file in its own format", async () => {
    const root = mkdtempSync(join(tmpdir(), "dla-every-format-"))
    for (const [name, lines] of Object.entries(cases)) {
      writeFileSync(join(root, `${name}.log`), `${lines.map(([line]) => line).join("\r\n")}\r\n`)
    }
    const result = await Effect.runPromise(DirectoryAnalysis.analyse(root))
    expect(result.files).toHaveLength(Object.keys(cases).length)
    for (const file of result.files) {
      const name = file.path.slice(root.length + 1, -".log".length)
      const levels: Partial<Record<Level.Level, number>> = {}
      let unmatched = 0
      for (const [, level] of cases[name]!) {
        if (level === undefined) unmatched++
        else levels[level] = (levels[level] ?? 0) + 1
      }
      expect({ name, format: file.format, levels: file.levels, unmatched: file.unmatched }).toEqual({
        name,
        format: name,
        levels,
        unmatched
      })
    }
  })

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
    // parse says the same as a Result: a tagged error with the spec and the SyntaxError as its cause.
    const invalid = LogFormat.parse("(?<level>[")
    expect(Result.isFailure(invalid) && invalid.failure).toMatchObject({ _tag: "LogFormatError", spec: "(?<level>[" })
    expect(Result.isFailure(invalid) && invalid.failure.cause).toBeInstanceOf(SyntaxError)
    expect(Result.isSuccess(LogFormat.parse("cri+^(?<level>\\w+)"))).toBe(true)
  })

  it("detection falls back to bracketed when nothing has a level, and ignores an unfinished last line", () => {
    expect(LogFormat.detect(bytes("hello\nworld\n")).name).toBe("bracketed")
    expect(LogFormat.detect(bytes("17/06/09 20:10:40 INFO a\n[2025-01-01T00:00:00] [INFO] cut")).name).toBe("log4j")
  })
})
