import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { DirectoryAnalysis, FileAnalysis, Level, LogFormat } from "@dla/core"
import { Effect } from "effect"
import { describe, expect, it } from "vitest"

const bytes = (text: string) => new TextEncoder().encode(text)
const lines = (...all: ReadonlyArray<string>) => `${all.join("\n")}\n`

/** Multi-line records: the continuation lines have no level of their own and are counted as unmatched. */
const files: Record<
  string,
  { readonly text: string; readonly format: string; readonly levels: object; readonly unmatched: number }
> = {
  "train.log": {
    format: "python",
    text: lines(
      "2024-11-30 12:00:00,123 - train - INFO - epoch 1",
      "2024-11-30 12:00:01,123 - train - ERROR - step failed",
      "Traceback (most recent call last):",
      '  File "train.py", line 12, in <module>',
      '    raise RuntimeError("CUDA error: an illegal memory access was encountered")',
      "RuntimeError: CUDA error: an illegal memory access was encountered"
    ),
    levels: { INFO: 1, ERROR: 1 },
    unmatched: 4
  },
  "hadoop.log": {
    format: "log4j",
    text: lines(
      "2015-10-18 18:01:47,978 INFO [main] org.apache.hadoop.mapreduce.v2.app.MRAppMaster: Created MRAppMaster",
      "2015-10-18 18:01:50,353 ERROR [main] org.apache.hadoop.mapreduce.v2.app.MRAppMaster: Error starting MRAppMaster",
      "java.lang.IllegalStateException: ERROR while closing",
      "\tat org.apache.hadoop.ipc.Client.call(Client.java:1475)",
      "\tat org.apache.hadoop.ipc.Client.call(Client.java:1412)",
      "Caused by: java.net.ConnectException: Connection refused",
      "\t... 12 more",
      "2015-10-18 18:01:51,000 WARN [main] org.apache.hadoop.util.NativeCodeLoader: retry"
    ),
    levels: { INFO: 1, ERROR: 1, WARN: 1 },
    unmatched: 5
  },
  "scheduler.log": {
    format: "cri+klog",
    text: lines(
      "2024-11-30T12:00:00.123456789Z stderr F I1130 12:00:00.123456       1 serving.go:348] Generated self-signed cert",
      "2024-11-30T12:00:01.123456789Z stderr F F1130 12:00:01.123456       1 server.go:225] invalid configuration",
      "2024-11-30T12:00:01.123456789Z stderr F goroutine 1 [running]:",
      "2024-11-30T12:00:01.123456789Z stderr F main.main()",
      "2024-11-30T12:00:01.123456789Z stderr F \t/go/src/main.go:42 +0x1d"
    ),
    levels: { INFO: 1, FATAL: 1 },
    unmatched: 3
  },
  "app.jsonl": {
    format: "json",
    text: lines(
      '{"level":"info","ts":1732968000.1,"msg":"ready"}',
      '{"ts":1732968000.2,"msg":"request","ctx":{"level":"error"},"level":"warn"}',
      '{"msg":"no level, \\"level\\":\\"error\\" in a string"}'
    ),
    levels: { INFO: 1, WARN: 1 },
    unmatched: 1
  },
  "slurmd.log": {
    format: "slurm",
    text: lines(
      "[2023-06-14T10:21:33.021] Launching batch job 123 for UID 1001",
      "[2023-06-14T10:21:34.500] [123.batch] error: *** JOB 123 ON gpu-01 CANCELLED AT 2023-06-14T10:21:34 ***",
      "[2023-06-14T10:21:35.000] debug:  AcctGatherEnergy NONE plugin loaded"
    ),
    levels: { INFO: 1, ERROR: 1, DEBUG: 1 },
    unmatched: 0
  },
  messages: {
    format: "syslog",
    text: lines(
      "<11>Nov 30 12:00:00 node-1 kernel: Xid 79: GPU has fallen off the bus",
      "<14>Nov 30 12:00:01 node-1 app: ok"
    ),
    levels: { ERROR: 1, INFO: 1 },
    unmatched: 0
  },
  "notes.txt": {
    format: "bracketed",
    text: lines("no levels here", "at all"),
    levels: {},
    unmatched: 2
  }
}

describe("LogFormat detection", () => {
  it("counts each file of a mixed directory in its own format, continuation lines as unmatched", async () => {
    const root = mkdtempSync(join(tmpdir(), "dla-formats-"))
    for (const [name, file] of Object.entries(files)) writeFileSync(join(root, name), file.text)
    const result = await Effect.runPromise(DirectoryAnalysis.analyse(root))
    expect(result.files).toHaveLength(Object.keys(files).length)
    for (const got of result.files) {
      const want = files[got.path.slice(root.length + 1)]!
      expect({ path: got.path, format: got.format, levels: got.levels, unmatched: got.unmatched }).toEqual({
        path: got.path,
        format: want.format,
        levels: want.levels,
        unmatched: want.unmatched
      })
    }
  })

  it("FileResult.format names a given format, not a detected one", async () => {
    const root = mkdtempSync(join(tmpdir(), "dla-formats-"))
    const path = join(root, "train.log")
    writeFileSync(path, files["train.log"]!.text)
    expect((await FileAnalysis.analyseFile(path, { format: LogFormat.fromSpec("dask") })).format).toBe("python")
    expect((await FileAnalysis.analyseFile(path)).format).toBe("python")
  })

  it("a file that is mostly one format, with a few lines of another, is read in the first", () => {
    const text = lines(
      "I1130 12:00:00.123456       1 main.go:1] a",
      "WARNING: Logging before InitGoogleLogging() is written to STDERR",
      "I1130 12:00:00.123457       1 main.go:2] b",
      "E1130 12:00:00.123458       1 main.go:3] c"
    )
    expect(LogFormat.detect(bytes(text)).name).toBe("klog")
  })

  it("samples whole lines: CRLF endings, an unfinished last line only when it is all there is", () => {
    const klog = "E1130 12:00:00.123458       1 main.go:3] c"
    const bracketed = "[2025-01-01T00:00:00] [ERROR] d"
    expect(LogFormat.detect(bytes(`${klog}\r\n${klog}\r\n`)).name).toBe("klog")
    expect(LogFormat.detect(bytes(klog)).name).toBe("klog")
    // Sampled, the unfinished line would tie the two formats, and the tie would go to bracketed.
    expect(LogFormat.detect(bytes(`${klog}\n${bracketed}`)).name).toBe("klog")
    expect(LogFormat.detect(bytes(`${klog}\n${bracketed}\n`)).name).toBe("bracketed")
    expect(LogFormat.detect(bytes("\n\n")).name).toBe("bracketed")
  })

  it("a tie goes to the earlier format, and dla's lines are not read as slurm's plain INFO", () => {
    const dla = lines("[2026-11-23 12:34:56.789] WARN     a", "[2026-11-23 12:34:56.790] ERROR    b")
    expect(LogFormat.detect(bytes(dla)).name).toBe("dla")
    const slurmLine = bytes("[2023-06-14T10:21:33.021] [12:00:00] WARN a")
    expect(LogFormat.slurm.levelOf(slurmLine, 0, slurmLine.length)).toBe(-1)
  })

  it("detects the inner format of CRI and Docker lines, and stops at the first format that reads every line", () => {
    const docker = String.raw`{"log":"[2024-11-30T12:00:00Z WARN  app] slow\n","stream":"stderr","time":"2024-11-30T12:00:00Z"}`
    expect(LogFormat.detect(bytes(lines(docker, docker))).name).toBe("docker+rust")
    const detected = LogFormat.detect(bytes(lines("2024-11-30T12:00:00Z stdout F level=warn msg=x")))
    expect(detected.name).toBe("cri+logfmt")
    // The same object every time: one per wrapper and inner format.
    expect(LogFormat.detect(bytes(lines("2024-11-30T12:00:01Z stdout F level=info msg=y")))).toBe(detected)
  })

  it("fromSpec makes wrapped formats, alone or with an inner format, and names the choices when it fails", () => {
    const line = bytes('2024-11-30T12:00:00Z stderr F {"level":"error"}')
    for (const spec of ["cri", "cri+json", "cri+pino"]) {
      expect(LogFormat.fromSpec(spec).levelOf(line, 0, line.length), spec).toBe(Level.id("ERROR"))
    }
    expect(LogFormat.fromSpec("cri+json").name).toBe("cri+json")
    expect(LogFormat.fromSpec("cri").name).toBe("cri")
    expect(LogFormat.fromSpec("cri+^\\S+ (?<level>\\w+)").levelOf(line, 0, line.length)).toBe(-1)
    expect(() => LogFormat.fromSpec("cri+nope")).toThrow(/unknown format 'cri\+nope'.*klog.*cri\[\+format\]/)
    for (const format of LogFormat.named) expect(LogFormat.fromSpec(format.name)).toBe(format)
    for (const [alias, format] of Object.entries(LogFormat.aliases)) expect(LogFormat.fromSpec(alias)).toBe(format)
  })

  it("detects the same format from newlines found beforehand (the batch's kernel) as on its own, for every format", async () => {
    // Offsets of a head's newlines, `base` added as a scanner's are, at most `cap` of them (all when fewer).
    const found = (head: Uint8Array, cap: number, base = 7) => {
      const ends = new Int32Array(cap)
      let count = 0
      for (let i = 0; i < head.length && count < cap; i++) if (head[i] === 0x0a) ends[count++] = i + base
      return { ends, base, count }
    }
    const examples = [...LogFormat.named.map((f) => f.example), ...LogFormat.wrappers.map((w) => w.example)]
    const texts = [
      ...Object.values(files).map((file) => file.text),
      ...examples.flatMap((example) => [
        example,
        lines(example),
        `${example}\r\n${example}\r\n`,
        lines(...Array.from({ length: 250 }, () => example)),
        `${lines(example, examples[0]!)}${example}`
      ]),
      lines(...examples),
      `${examples[3]}\n${examples[0]}`,
      "",
      "\n\n"
    ]
    for (const text of texts) {
      const head = bytes(text)
      const alone = LogFormat.detect(head).name
      for (const cap of [LogFormat.SAMPLE_LINES, 65536]) {
        expect(LogFormat.detect(head, found(head, cap)).name, `${cap}: ${text.slice(0, 60)}`).toBe(alone)
      }
    }
    // End to end: a batch (newlines found by the kernel) names each file's format as a file counted alone does.
    const root = mkdtempSync(join(tmpdir(), "dla-formats-batch-"))
    const paths = texts.map((text, i) => {
      const path = join(root, `f${i}.log`)
      writeFileSync(path, text)
      return path
    })
    const batch = await FileAnalysis.analyseBatch(paths.map((path) => ({ path })))
    const alone = await Promise.all(paths.map((path) => FileAnalysis.analyseFile(path)))
    expect(batch.map((r) => ("format" in r ? r.format : r.message))).toEqual(alone.map((r) => r.format))
  })

  it("every format's example line has a level in that format", () => {
    for (const format of LogFormat.named) {
      const example = bytes(format.example)
      expect(format.levelOf(example, 0, example.length), format.name).toBeGreaterThanOrEqual(0)
    }
    for (const wrapper of LogFormat.wrappers) {
      const example = bytes(wrapper.example)
      expect(LogFormat.fromSpec(wrapper.name).levelOf(example, 0, example.length), wrapper.name).toBeGreaterThanOrEqual(
        0
      )
    }
  })

  it("no format reads past the end of its line", () => {
    // Each line cut at every length inside a buffer that goes on with a level-looking line: a format that looked past
    // `end` would find a level in a cut where the whole-line level is not there yet.
    const tail = "\n[2025-01-01T00:00:00] [ERROR] x"
    const wrapped = LogFormat.wrappers.map((wrapper) => ({
      ...LogFormat.fromSpec(wrapper.name),
      example: wrapper.example
    }))
    for (const format of [...LogFormat.named, ...wrapped]) {
      const whole = format.example
      for (let cut = 0; cut < whole.length; cut++) {
        const buffer = bytes(whole.slice(0, cut) + tail)
        const alone = bytes(whole.slice(0, cut))
        expect(format.levelOf(buffer, 0, cut), `${format.name} cut at ${cut}`).toBe(format.levelOf(alone, 0, cut))
      }
    }
  })
})
