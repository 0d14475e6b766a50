import { spawnSync } from "node:child_process"
import {
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync
} from "node:fs"
import { availableParallelism, tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { gzipSync } from "node:zlib"
import { describe, expect, it } from "vitest"
import { diagnostics, dla, dlaWith, start } from "./cli.ts"

const bin = fileURLToPath(new URL("../src/bin.ts", import.meta.url))
const work = mkdtempSync(join(tmpdir(), "dla-cli-"))

/** Counts `[LEVEL]` after the timestamp with a plain regex, independently of @dla/core. */
const countByRegex = (dir: string) => {
  const counts: Record<string, number> = {}
  for (const name of readdirSync(dir)) {
    for (const match of readFileSync(join(dir, name), "utf8").matchAll(/^\[[^\]]*\] \[([A-Z]+)\]/gm)) {
      counts[match[1]!] = (counts[match[1]!] ?? 0) + 1
    }
  }
  return counts
}

describe("dla generate + analyse", () => {
  const dir = join(work, "logs")
  it("generates 10 files whose analysis equals an independent count", () => {
    const generated = dla("generate", dir, "--files", "10", "--lines", "500", "--seed", "7")
    expect(generated.stderr).toBe("")
    expect(generated.status).toBe(0)
    expect(readdirSync(dir)).toHaveLength(10)

    const run = dla("analyse", dir, "--json")
    expect(run.status).toBe(0)
    const json = JSON.parse(run.stdout)
    const expected = countByRegex(dir)
    for (const level of ["DEBUG", "INFO", "WARN", "ERROR"]) expect(json.levels[level]).toBe(expected[level])
    expect(json.lines).toBe(5000)
    expect(json.unmatched).toBe(0)
    expect(json.filesProcessed).toBe(10)
  })

  it("prints the assignment's results block: levels in alphabetical order, the total time; then dla's facts", () => {
    const run = dla("analyse", dir)
    expect(run.status).toBe(0)
    const expected = countByRegex(dir)
    const levels = ["DEBUG", "ERROR", "INFO", "WARN"]
    const rule = "=".repeat(49)
    expect(run.stdout).toMatch(
      new RegExp(
        `^${rule}\\nANALYSIS RESULTS\\n${rule}\\n${levels.map((l) => `${l}: ${expected[l]}\\n`).join("")}${rule}\\nTotal time: \\d+\\.\\d{2}s\\n${rule}\\n`
      )
    )
    expect(run.stdout).toMatch(/^Total lines: 5,000$/m)
    expect(run.stdout).toMatch(/^Files processed: 10$/m)
    // A sequential time given: the block's Speedup line, and the efficiency among dla's facts.
    const timed = dla("analyse", dir, "--baseline", "10")
    expect(timed.stdout).toMatch(/\nTotal time: \d+\.\d{2}s\nSpeedup: \d+\.\dx\n={49}\n/)
    expect(timed.stdout).toMatch(/^Efficiency: \d+%$/m)
  })

  it("writes the same files for the same seed", () => {
    const again = join(work, "again")
    expect(dla("generate", again, "--files", "1", "--lines", "500", "--seed", "7").status).toBe(0)
    expect(readFileSync(join(again, "log_01.log"), "utf8")).toBe(readFileSync(join(dir, "log_01.log"), "utf8"))
  })
})

describe("dla analyse formats and filters", () => {
  const dir = join(work, "mixed")
  mkdirSync(join(dir, "old"), { recursive: true })
  writeFileSync(join(dir, "spark.log"), "17/06/09 20:10:40 INFO a\n17/06/09 20:10:41 WARN b ERROR\n\tat x\n")
  writeFileSync(
    join(dir, "apache.log"),
    "[Sun Dec 04 04:47:44 2005] [notice] a\n[Sun Dec 04 04:51:18 2005] [error] b\n"
  )
  writeFileSync(join(dir, "old", "app.txt"), "<warning> c\n<error> d\n")
  const levels = (...args: Array<string>) => {
    const run = dla("analyse", dir, "--json", ...args)
    expect(run.status, run.stderr).toBe(0)
    const json = JSON.parse(run.stdout)
    return { ...Object.fromEntries(Object.entries(json.levels).filter(([, n]) => n !== 0)), unmatched: json.unmatched }
  }

  it("detects each file's format", () => {
    expect(levels("--include", "*.log")).toEqual({ INFO: 1, WARN: 1, NOTICE: 1, ERROR: 1, unmatched: 1 })
  })

  it("reports skipped binary files on stderr and in the results", () => {
    writeFileSync(join(dir, "old", "core.bin"), new Uint8Array([1, 0, 2]))
    const run = dla("analyse", dir, "--exclude", "*.log", "--exclude", "*.txt")
    expect(run.status).toBe(1)
    expect(diagnostics(run.stderr)).toContainEqual(expect.stringMatching(/^WARN skipped .*core\.bin: binary file/))
    expect(run.stderr).toMatch(/no log files to analyse \(1 skipped, see above\)$/m)
    const mixed = dla("analyse", dir)
    expect(mixed.stdout).toMatch(/^Files skipped: 1$/m)
    rmSync(join(dir, "old", "core.bin"))
  })

  it("takes a regex with a level group, and filters files with globs", () => {
    expect(levels("--format", "^<(?<level>\\w+)>", "--exclude", "*.log")).toEqual({ WARN: 1, ERROR: 1, unmatched: 0 })
    expect(levels("--format", "spark", "--include", "spark.*")).toEqual({ INFO: 1, WARN: 1, unmatched: 1 })
  })
})

describe("dla errors", () => {
  const oneLine = (stderr: string) => expect(stderr.trim().split("\n")).toHaveLength(1)

  it("a missing directory fails with exit 1 and one line, no stack trace", () => {
    const run = dla("analyse", join(work, "missing"))
    expect(run.status).toBe(1)
    oneLine(run.stderr)
    // Said once (the engine's error used to repeat its cause's message after its own).
    expect(run.stderr).toBe(`dla: ${join(work, "missing")}: no such file or directory (ENOENT)\n`)
  })

  it("--workers 0 names the number, and a regex without a level group says so", () => {
    const zero = dla("analyse", work, "--workers", "0")
    expect(zero.status).toBe(2)
    expect(zero.stderr).toContain("--workers must be at least 1, got 0")
    expect(zero.stderr).not.toContain("some(")
    const regex = dla("analyse", work, "--format", "^(?<lvl>x)")
    expect(regex.status).toBe(2)
    expect(regex.stderr).toContain("no (?<level>...) group in the regex '^(?<lvl>x)'")
    const invalid = dla("analyse", work, "--format", "(?<level>[")
    expect(invalid.status).toBe(2)
    expect(invalid.stderr).toContain("invalid format regex '(?<level>[': Invalid regular expression")
  })

  it("warns when --workers is above the machine's cores, and still runs", () => {
    const run = dla("analyse", join(work, "logs"), "--workers", String(availableParallelism() + 1))
    expect(run.status).toBe(0)
    expect(diagnostics(run.stderr)).toContainEqual(
      expect.stringMatching(/^WARN --workers \d+ is more than the \d+ core\(s\) of this machine/)
    )
  })

  it("--dashboard beyond loopback needs a token; with one, the printed URL carries it", () => {
    const logs = join(work, "logs")
    const open = dla("analyse", logs, "--dashboard", "--dashboard-host", "0.0.0.0", "--dashboard-port", "0")
    expect(open.status).toBe(2)
    expect(open.stderr).toContain("--dashboard-host 0.0.0.0 serves the dashboard beyond this machine")
    const guarded = dla("analyse", logs, "--dashboard", "--dashboard-port", "0", "--dashboard-token", "t0k")
    expect(guarded.status, guarded.stderr).toBe(0)
    expect(guarded.stderr).toMatch(/live dashboard of run \S+ at http:\/\/127\.0\.0\.1:\d+\/\?token=t0k/)
    // Without the flag, DLA_DASHBOARD_TOKEN (read through Config) is the token.
    const fromEnv = dlaWith({ DLA_DASHBOARD_TOKEN: "env7" }, "analyse", logs, "--dashboard", "--dashboard-port", "0")
    expect(fromEnv.status, fromEnv.stderr).toBe(0)
    expect(fromEnv.stderr).toMatch(/live dashboard of run \S+ at http:\/\/127\.0\.0\.1:\d+\/\?token=env7/)
  })

  it("a bad option value is a usage error: exit 2, one line", () => {
    const run = dla("generate", join(work, "x"), "--files", "many")
    expect(run.status).toBe(2)
    oneLine(run.stderr)
    expect(run.stdout).toBe("")
  })

  it("an unknown option, an unknown command and a bad --format are usage errors", () => {
    for (const args of [["analyse", work, "--bogus"], ["frobnicate"], ["analyse", work, "--format", "nope"]]) {
      const run = dla(...args)
      expect(run.status, args.join(" ")).toBe(2)
      oneLine(run.stderr)
    }
  })

  it("a negative count is refused before any work", () => {
    const run = dla("generate", join(work, "neg"), "--lines", "-1")
    expect(run.status).toBe(2)
    expect(run.stderr).toMatch(/minimum 0/)
  })

  it("Ctrl-C (SIGINT) stops a long run with exit 130 and no error output", async () => {
    const dir = join(work, "interrupted")
    const child = start("generate", dir, "--files", "1000", "--lines", "100000")
    let stderr = ""
    child.stderr.on("data", (chunk) => {
      stderr += chunk
    })
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)))
    // Signal once the run is under way: its first file exists.
    for (let i = 0; i < 300 && !existsSync(join(dir, "log_0001.log")); i++) await new Promise((r) => setTimeout(r, 100))
    child.kill("SIGINT")
    expect(await exited).toBe(130)
    expect(stderr).toBe("")
    rmSync(dir, { recursive: true, force: true })
  })

  it("--help prints usage on stdout and exits 0", () => {
    const run = dla("analyse", "--help")
    expect(run.status).toBe(0)
    expect(run.stdout).toMatch(/--format/)
  })
})

describe("dla analyse: standard input, compressed files, --version", () => {
  const dir = join(work, "inputs")
  const text = Array.from(
    { length: 300 },
    (_, i) => `[2025-01-01T00:00:00] [${["INFO", "ERROR", "WARN"][i % 3]}] m ${i}`
  )
    .concat(["a line with no level"])
    .join("\n")
  mkdirSync(dir, { recursive: true })
  writeFileSync(join(dir, "app.log"), `${text}\n`)
  const expected = { INFO: 100, ERROR: 100, WARN: 100 }

  const withInput = (input: Uint8Array | string, ...args: Array<string>) =>
    spawnSync(process.execPath, ["--conditions=source", bin, "analyse", "-", ...args], { input, encoding: "utf8" })

  it("dla analyse - counts standard input, plain or gzip, like the file", () => {
    for (const input of [`${text}\n`, gzipSync(`${text}\n`)]) {
      const run = withInput(input, "--json")
      expect(run.status, run.stderr).toBe(0)
      const json = JSON.parse(run.stdout)
      expect(json.levels).toMatchObject(expected)
      expect(json).toMatchObject({ lines: 301, unmatched: 1 })
    }
    const refused = withInput("x\n", "--follow")
    expect(refused.status).toBe(2)
    expect(refused.stderr).toMatch(/standard input \(-\) goes without --follow/)
  })

  it("skips an xz or bzip2 file as 'compressed with xz: not supported', in both engines and the quick path", () => {
    writeFileSync(join(dir, "old.log.xz"), new Uint8Array([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00, 0, 4, 1, 2]))
    for (const engine of [[], ["--workers", "1"], ["--sequential"]]) {
      const run = dla("analyse", dir, "--json", ...engine)
      expect(run.status, run.stderr).toBe(0)
      expect(run.stderr).toMatch(/old\.log\.xz: compressed with xz: not supported/)
      expect(run.stderr).not.toMatch(/binary/)
      expect(JSON.parse(run.stdout).levels).toMatchObject(expected)
    }
    rmSync(join(dir, "old.log.xz"))
  })

  it("--version and -v print dla v<version> (answered by the launcher)", () => {
    const { version } = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"))
    expect(dla("--version").stdout).toBe(`dla v${version}\n`)
    expect(dla("-v").stdout).toBe(`dla v${version}\n`)
  })
})

describe("dla analyse <path>: the launcher's quick path", () => {
  const dir = join(work, "quick")

  it("counts a small input as --sequential does; other flags, NATS_URL and a launch go to the full program", () => {
    expect(dla("generate", dir, "--files", "3", "--lines", "200", "--seed", "5").status).toBe(0)
    const plain = dla("analyse", dir, "--json", "--by-file")
    expect(plain.status, plain.stderr).toBe(0)
    const quick = JSON.parse(plain.stdout)
    const sequential = JSON.parse(dla("analyse", dir, "--json", "--by-file", "--sequential").stdout)
    expect({ ...quick, durationMs: 0 }).toEqual({ ...sequential, durationMs: 0 })
    expect(quick).toMatchObject({ mode: "sequential", filesProcessed: 3, lines: 600 })
    // A flag the quick path does not take: the full program and its default engine.
    expect(JSON.parse(dla("analyse", dir, "--json", "--include", "*.log").stdout)).toMatchObject({ mode: "embedded" })
    // NATS_URL asks for the NATS engine (here: nothing listens there, so it fails as the program says).
    const nats = dlaWith({ NATS_URL: "nats://127.0.0.1:1" }, "analyse", dir, "--json")
    expect(nats.status).toBe(1)
    expect(nats.stdout).toBe("")
    // A rank of a launch other than 0: the program's launch plan (it has nothing to do).
    const rank = dlaWith({ RANK: "1", WORLD_SIZE: "2" }, "analyse", dir, "--json")
    expect(rank.status, rank.stderr).toBe(0)
    expect(rank.stderr).toMatch(/INFO {5}rank 1 of 2: without --nats rank 0 analyses alone; nothing to do here$/m)
  })

  it("exits once all of a long output is written: every file of a big --by-file JSON through a pipe", () => {
    const many = join(work, "quick-many")
    mkdirSync(many, { recursive: true })
    for (let i = 0; i < 3000; i++) writeFileSync(join(many, `rank_${i}.log`), `I0101 00:00:00.000000 1 a.go:1] ${i}\n`)
    const run = dla("analyse", many, "--json", "--by-file")
    expect(run.status, run.stderr).toBe(0)
    const json = JSON.parse(run.stdout)
    expect(json).toMatchObject({ mode: "sequential", filesProcessed: 3000, lines: 3000, levels: { INFO: 3000 } })
    expect(json.files).toHaveLength(3000)
  })

  it("a skipped file's warning comes before the results on one terminal, though the logger loads at that warning", () => {
    const skipping = join(work, "quick-skipping")
    mkdirSync(skipping, { recursive: true })
    writeFileSync(join(skipping, "app.log"), "[2025-01-01T00:00:00] [ERROR] one\n")
    writeFileSync(join(skipping, "core.bin"), new Uint8Array([1, 0, 2]))
    // stdout and stderr on one file, as on a terminal: what comes first is what was written first.
    const both = join(work, "quick-skipping.out")
    const fd = openSync(both, "w")
    const run = spawnSync(process.execPath, ["--conditions=source", bin, "analyse", skipping], {
      stdio: ["ignore", fd, fd],
      timeout: 30_000
    })
    closeSync(fd)
    expect(run.status).toBe(0)
    const lines = diagnostics(readFileSync(both, "utf8"))
    expect(lines[0]).toMatch(/^WARN skipped .*core\.bin: binary file/)
    expect(lines).toContain("ANALYSIS RESULTS")
  })

  it("a file that cannot be read: the engine counts the others and names it, as before the quick path", () => {
    const mixed = join(work, "quick-corrupt")
    mkdirSync(mixed, { recursive: true })
    writeFileSync(join(mixed, "good.log"), "[2025-01-01T00:00:00] [ERROR] one\n[2025-01-01T00:00:01] [INFO] two\n")
    // gzip's magic bytes, then garbage: core fails it as Corrupt, which the sequential analyser stops on.
    writeFileSync(join(mixed, "bad.log.gz"), Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 1, 2, 3, 4, 5, 6]))
    const run = dla("analyse", mixed, "--json")
    expect(run.status).toBe(1)
    expect(JSON.parse(run.stdout)).toMatchObject({ mode: "embedded", filesProcessed: 1, lines: 2 })
    expect(run.stderr).toMatch(/bad\.log\.gz: corrupt compressed data/)
  })
})
