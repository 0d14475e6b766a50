/**
 * The sinks every record goes through, for the facade and the Effect logger alike: console, per-rank file,
 * node-local message files, and (on local rank 0) the aggregator. Any sink that fails is dropped with one warning
 * and the console takes over: logging never throws into the program.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import type * as DistributedContext from "@dla/core/DistributedContext"
import * as ErrorMessage from "@dla/core/ErrorMessage"
import * as Level from "@dla/core/Level"
import * as Aggregator from "../Aggregator.ts"
import { consoleLine, fileLine, jsonLine, type LogRecord, type Origin } from "../Format.ts"
import * as LogConfig from "../LogConfig.ts"
import { fromEnv } from "./context.ts"
import * as FdWriter from "./FdWriter.ts"
import * as MessageFiles from "./MessageFiles.ts"

export interface Runtime {
  readonly config: LogConfig.Config
  readonly context: DistributedContext.DistributedContext
  /** Index in `Level.all` of the least severe level written. */
  readonly minLevel: number
  readonly emit: (record: LogRecord) => void
  readonly flush: () => void
  /** Flushes and closes files, and drains and stops the aggregator. */
  readonly close: () => void
}

const FILE_BUFFER = 16 * 1024
const ERROR_ID = Level.id("ERROR")

/** A line on stderr from the logger itself, never through a sink that might be the one failing. */
const selfWarning = (text: string) => {
  try {
    fs.writeSync(2, `dla logger: ${text}\n`)
  } catch {
    // stderr itself is gone: there is nobody left to tell.
  }
}

/** A system error's code (ENOSPC, EACCES) says it best; anything else its one-line message. */
const describe = (error: unknown) =>
  error instanceof Error && "code" in error && typeof error.code === "string"
    ? error.code
    : ErrorMessage.describe(error)

/** NVRx's infrastructure ranks (Slurm's), kept only where they differ from the workload's ranks. */
const infraRanks = (env: DistributedContext.Env, context: DistributedContext.DistributedContext) => {
  const count = (raw: string | undefined) => (raw !== undefined && /^\d+$/.test(raw.trim()) ? Number(raw) : undefined)
  const procId = count(env.SLURM_PROCID)
  const localId = count(env.SLURM_LOCALID)
  return {
    ...(procId !== undefined && procId !== context.rank ? { infraRank: procId } : {}),
    ...(localId !== undefined && localId !== context.localRank ? { infraLocalRank: localId } : {})
  }
}

export const make = (options: LogConfig.Options = {}): Runtime => {
  const env = options.env ?? process.env
  const detected = options.context === undefined ? fromEnv(env) : { context: options.context }
  const context = detected.context
  // node:tty loaded on the first question only: with it come node:net and the streams, ~4 ms of a CLI start that
  // logs nothing (docs/benchmarks.md, "Start-up (startup helper)").
  const { config, warnings } = LogConfig.resolve(options, env, (fd) => process.getBuiltinModule("node:tty").isatty(fd))
  for (const warning of [...(detected.warning === undefined ? [] : [detected.warning]), ...warnings])
    selfWarning(warning)
  const origin: Origin = {
    rank: context.rank,
    localRank: context.localRank,
    nodeId: context.nodeId,
    ...infraRanks(env, context)
  }

  let consoleWriter: FdWriter.FdWriter | undefined
  const openConsole = (fd: number) => {
    // A console that cannot be written (closed pipe) is dropped silently: there is nowhere to warn.
    consoleWriter = FdWriter.make(fd, { onError: () => {} })
  }
  if (config.consoleFd !== undefined) openConsole(config.consoleFd)

  /** One warning per failed sink; the console (stderr) takes over when it was off, starting with the lost text. */
  const degrade = (what: string, error: unknown, unwritten = "") => {
    selfWarning(`cannot write ${what} (${describe(error)}); logging to the console only`)
    if (consoleWriter === undefined || consoleWriter.failed()) {
      openConsole(2)
      consoleWriter!.write(unwritten)
    }
  }

  let rankFile: FdWriter.FdWriter | undefined
  if (config.runDir !== undefined) {
    const file = path.join(config.runDir, "logs", LogConfig.rankFileName(config.name, context.rank))
    try {
      fs.mkdirSync(path.dirname(file), { recursive: true })
      rankFile = FdWriter.make(FdWriter.openAppend(file), {
        bufferSize: FILE_BUFFER,
        ownsFd: true,
        onError: (error, unwritten) => {
          rankFile = undefined
          degrade(file, error, unwritten)
        }
      })
    } catch (error) {
      degrade(file, error)
    }
  }

  let messages: MessageFiles.Writer | undefined
  let aggregator: Aggregator.Running | undefined
  const aggregation = config.aggregation
  if (aggregation !== undefined) {
    const messageDir = LogConfig.messageDir(aggregation.tmpDir, context.nodeId)
    try {
      messages = MessageFiles.writer({
        dir: messageDir,
        rank: context.rank,
        maxFileBytes: aggregation.maxFileBytes,
        maxFiles: aggregation.maxFiles,
        onError: (error) => {
          messages = undefined
          degrade(`message files in ${messageDir}`, error)
        }
      })
    } catch (error) {
      degrade(`message files in ${messageDir}`, error)
    }
    if (context.localRank === 0) {
      const dir = config.runDir === undefined ? aggregation.tmpDir : path.join(config.runDir, "logs")
      const file = path.join(dir, LogConfig.nodeFileName(aggregation.prefix, context.nodeId))
      const giveUp = (what: string, error: unknown) =>
        selfWarning(`node log aggregation into ${file} ${what} (${describe(error)}); messages stay in ${messageDir}`)
      try {
        aggregator = Aggregator.start(
          {
            tmpDir: messageDir,
            file,
            maxFileBytes: aggregation.maxNodeFileBytes,
            maxFiles: aggregation.maxFiles,
            json: config.json,
            layout: aggregation.layout
          },
          (error) => {
            aggregator = undefined
            giveUp("stopped", error)
          }
        )
      } catch (error) {
        giveUp("cannot start", error)
      }
    }
  }

  let formatWarned = false

  const flush = () => {
    consoleWriter?.flush()
    rankFile?.flush()
  }

  return {
    config,
    context,
    minLevel: Level.id(config.level),
    emit: (record) => {
      try {
        // A JSON line is the same on the console and in the file: it is formatted once.
        const json =
          config.json && (consoleWriter !== undefined || rankFile !== undefined) ? jsonLine(record, origin) : undefined
        if (consoleWriter !== undefined) consoleWriter.write(json ?? consoleLine(record, origin, config))
        if (rankFile !== undefined) {
          rankFile.write(json ?? fileLine(record, origin, config))
          // An error is often the last thing a process says: it reaches the file before the process can die.
          if (Level.id(record.level) >= ERROR_ID) rankFile.flush()
        }
        if (messages !== undefined) messages.write(MessageFiles.encode(record, origin))
      } catch (error) {
        // A field whose getter or toJSON throws costs its record, never the program.
        if (!formatWarned) selfWarning(`a log record could not be formatted (${describe(error)}); it was dropped`)
        formatWarned = true
      }
    },
    flush,
    close: () => {
      consoleWriter?.close()
      rankFile?.close()
      messages?.close()
      aggregator?.stop()
      consoleWriter = undefined
      rankFile = undefined
      messages = undefined
      aggregator = undefined
    }
  }
}
