/**
 * `dla store ls|cat|rm --nats URL`: what the log store holds (`dla ship` put it there), a stored file's bytes on
 * stdout, byte-identical to what was shipped, and removing a node's or a file's data.
 */
import { Store, type StoreError } from "@dla/store"
import type { NatsConnection } from "@nats-io/nats-core"
import * as Console from "effect/Console"
import * as Argument from "effect/cli/Argument"
import * as Command from "effect/cli/Command"
import * as Flag from "effect/cli/Flag"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Flags from "../Flags.ts"
import * as Nats from "../internal/Nats.ts"
import * as StoreFlags from "../internal/StoreFlags.ts"

const connection = { nats: Nats.servers, ...Nats.options, stream: StoreFlags.stream }

/** One store operation as each `dla store` command runs it: on the connection and stream its flags name. */
const onStore = <A>(
  args: Nats.Settings & { readonly nats: string; readonly stream: Option.Option<string> },
  operation: (nc: NatsConnection, options: Store.Options) => Effect.Effect<A, StoreError.StoreError>
) =>
  Effect.gen(function* () {
    const nc = yield* Nats.connection(args.nats, args)
    return yield* StoreFlags.failure(operation(nc, StoreFlags.options(args.stream)))
  }).pipe(Effect.scoped)

/** Writes to stdout, waiting while its buffer is full (a pipe to a slow reader never grows our memory). */
const writeOut = (bytes: Uint8Array) =>
  new Promise<void>((resolve, reject) => {
    if (process.stdout.write(bytes, (error) => (error ? reject(error) : undefined))) resolve()
    else process.stdout.once("drain", resolve)
  })

const table = (files: ReadonlyArray<Store.StoredFile>) => {
  const rows = [
    ["NODE", "FILE", "GEN", "BYTES", "LINES"],
    ...files.map((f) => [f.node, f.file, String(f.generation), String(f.bytes), String(f.lines)])
  ]
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)))
  // Text left, numbers right.
  return rows
    .map((row) => row.map((cell, i) => (i < 2 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join("  "))
    .join("\n")
}

const ls = Command.make(
  "ls",
  { ...connection, node: StoreFlags.node("Only this node's files"), json: Flags.json },
  (args) =>
    Effect.gen(function* () {
      const selection = Option.isSome(args.node) ? { node: args.node.value } : {}
      const files = yield* onStore(args, (nc, options) => Store.list(nc, selection, options))
      const shown = files.map(({ lastSeq: _, ...file }) => file)
      yield* Console.log(
        args.json ? JSON.stringify(shown, null, 2) : files.length === 0 ? "The store is empty." : table(files)
      )
    })
).pipe(
  Command.withDescription("List the stored files: node, file, generation, bytes and lines."),
  Command.withExamples([
    { command: "dla store ls --nats nats://127.0.0.1:4222 --json", description: "Every stored file, as JSON" }
  ])
)

const file = Argument.String("file").pipe(Argument.withDescription("The file's path relative to the shipped directory"))

const cat = Command.make(
  "cat",
  {
    ...connection,
    node: Flag.String("node").pipe(Flag.withDescription("The node that shipped the file")),
    file,
    generation: Flag.Int("generation").pipe(
      Flag.optional,
      Flag.withDescription("Only this generation (0 = the first file of that name); default: all, oldest first")
    )
  },
  (args) =>
    Effect.gen(function* () {
      const selection = {
        node: args.node,
        file: args.file,
        ...(Option.isSome(args.generation) ? { generation: args.generation.value } : {})
      }
      yield* onStore(args, (nc, options) => Store.read(nc, selection, writeOut, options))
    })
).pipe(
  Command.withDescription("Write a stored file's bytes to stdout, byte-identical to what was shipped."),
  Command.withExamples([
    {
      command: "dla store cat --nats nats://127.0.0.1:4222 --node node-7 train/rank0.log > rank0.log",
      description: "One node's file back, as it was shipped"
    }
  ])
)

const rm = Command.make(
  "rm",
  {
    ...connection,
    node: Flag.String("node").pipe(Flag.withDescription("The node whose data is removed")),
    file: Argument.String("file").pipe(
      Argument.optional,
      Argument.withDescription("Only this file (every generation); default: all of the node's files")
    )
  },
  (args) =>
    Effect.gen(function* () {
      const selection = { node: args.node, ...(Option.isSome(args.file) ? { file: args.file.value } : {}) }
      const removed = yield* onStore(args, (nc, options) => Store.remove(nc, selection, options))
      const what = Option.isSome(args.file) ? `'${args.file.value}' of node '${args.node}'` : `node '${args.node}'`
      yield* Console.log(`Removed ${removed} messages of ${what}`)
    })
).pipe(
  Command.withDescription(
    "Remove a node's or a file's data from the store (stop its shipper first: shipped again, files start over)."
  ),
  Command.withExamples([
    {
      command: "dla store rm --nats nats://127.0.0.1:4222 --node node-7 train/rank0.log",
      description: "Remove one file of one node (every generation)"
    }
  ])
)

export const store = Command.make("store").pipe(
  Command.withDescription("The replicated log store on NATS that 'dla ship' fills: ls, cat, rm."),
  Command.withSubcommands([ls, cat, rm]),
  Command.withExamples([
    { command: "dla store ls --nats nats://127.0.0.1:4222", description: "What the store holds" },
    { command: "dla store rm --nats nats://127.0.0.1:4222 --node node-7", description: "Remove one node's logs" }
  ])
)
