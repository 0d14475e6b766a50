/**
 * Real nats-server processes for tests: single nodes and clusters on free loopback ports, each with its own
 * JetStream store directory, stopped or killed by PID. Needs Debian's `nats-server` (2.9.x) on PATH.
 *
 * @since 0.1.0
 */
import { type ChildProcess, spawn } from "node:child_process"
import { mkdtempSync, rmSync } from "node:fs"
import { createServer } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"

/**
 * A running nats-server process and how to stop, kill or restart it.
 *
 * @since 0.1.0
 * @category models
 */
export interface NatsServer {
  readonly name: string
  readonly url: string
  readonly port: number
  readonly monitorPort: number
  readonly storeDir: string
  readonly pid: number
  /** Sends a signal (default SIGKILL) and waits for the process to exit. */
  readonly kill: (signal?: NodeJS.Signals) => Promise<void>
  /** Starts the server again with the same ports and store directory (after kill). */
  readonly restart: () => Promise<void>
  /** Stops the server (SIGTERM) and removes its store directory. */
  readonly stop: () => Promise<void>
}

/**
 * The nodes of a running cluster.
 *
 * @since 0.1.0
 * @category models
 */
export interface NatsCluster {
  readonly servers: ReadonlyArray<NatsServer>
  /** Client URLs of every node, for `servers:` in a connection. */
  readonly urls: ReadonlyArray<string>
  readonly stop: () => Promise<void>
}

/**
 * A TCP port that was free on 127.0.0.1 a moment ago.
 *
 * @since 0.1.0
 * @category utils
 */
export const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer()
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const address = server.address()
      const port = typeof address === "object" && address !== null ? address.port : 0
      server.close(() => resolve(port))
    })
  })

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

const waitHealthy = async (monitorPort: number, child: ChildProcess, output: () => string, timeoutMs: number) => {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`nats-server exited with ${child.exitCode}:\n${output()}`)
    try {
      const response = await fetch(`http://127.0.0.1:${monitorPort}/healthz`)
      if (response.ok) return
    } catch {
      // not listening yet
    }
    await sleep(50)
  }
  throw new Error(`nats-server not healthy after ${timeoutMs} ms:\n${output()}`)
}

interface Spec {
  readonly name: string
  readonly port: number
  readonly monitorPort: number
  readonly storeDir: string
  readonly args: ReadonlyArray<string>
  readonly env?: Readonly<Record<string, string>>
}

/** Command-line flags for a loopback JetStream node, before any extra flags. */
const flagArgs = (name: string, port: number, monitorPort: number, storeDir: string) => [
  "-a",
  "127.0.0.1",
  "-p",
  String(port),
  "-m",
  String(monitorPort),
  "-n",
  name,
  "-js",
  "-sd",
  storeDir
]

/** Servers being killed or stopped on purpose (their exit is expected). */
const stopping = new WeakSet<ChildProcess>()

const launch = async (spec: Spec, timeoutMs: number) => {
  const child = spawn("nats-server", spec.args, {
    stdio: ["ignore", "ignore", "pipe"],
    env: { ...process.env, ...spec.env }
  })
  let log = ""
  child.stderr?.on("data", (chunk: Buffer) => {
    log = (log + chunk.toString()).slice(-8_000)
  })
  const spawned = new Promise<void>((resolve, reject) => {
    child.once("spawn", resolve)
    child.once("error", (e) =>
      reject(new Error(`cannot start nats-server (apt-get install -y nats-server): ${e.message}`))
    )
  })
  await spawned
  await waitHealthy(spec.monitorPort, child, () => log, timeoutMs)
  // A server that dies on its own fails the tests that use it in ways far from the cause: say so, with its last words.
  child.once("exit", (code, signal) => {
    if (!stopping.has(child)) {
      process.stderr.write(`nats-server ${spec.name} (pid ${child.pid}) exited by itself: ${signal ?? code}\n${log}\n`)
    }
  })
  return child
}

const exited = (child: ChildProcess) =>
  child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise<void>((resolve) => child.once("exit", () => resolve()))

const makeServer = async (spec: Spec, timeoutMs: number, ownsStore: boolean): Promise<NatsServer> => {
  let child = await launch(spec, timeoutMs).catch((error: unknown) => {
    // A server that never started leaves no store behind (start-up may try again on other ports).
    if (ownsStore) rmSync(spec.storeDir, { recursive: true, force: true })
    throw error
  })
  const kill = async (signal: NodeJS.Signals = "SIGKILL") => {
    const done = exited(child)
    stopping.add(child)
    child.kill(signal)
    await done
  }
  return {
    name: spec.name,
    url: `nats://127.0.0.1:${spec.port}`,
    port: spec.port,
    monitorPort: spec.monitorPort,
    storeDir: spec.storeDir,
    get pid() {
      return child.pid ?? -1
    },
    kill,
    restart: async () => {
      child = await launch(spec, timeoutMs)
    },
    stop: async () => {
      await kill("SIGTERM")
      if (ownsStore) rmSync(spec.storeDir, { recursive: true, force: true })
    }
  }
}

/**
 * Options of {@link startNatsServer}.
 *
 * @since 0.1.0
 * @category models
 */
export interface StartOptions {
  /** Store directory to reuse; a new temporary one (removed on stop) by default. */
  readonly storeDir?: string
  readonly port?: number
  readonly args?: ReadonlyArray<string>
  readonly timeoutMs?: number
}

/**
 * A port that was free a moment ago can be taken before nats-server binds it (by another test's server, or as the
 * local port of some outgoing connection): then start again on fresh ports, a few times at most.
 */
const onFreshPorts = async <A>(start: () => Promise<A>, attempts = 5): Promise<A> => {
  for (let attempt = 1; ; attempt++) {
    try {
      return await start()
    } catch (error) {
      const taken = error instanceof Error && error.message.includes("address already in use")
      if (!taken || attempt >= attempts) throw error
    }
  }
}

/**
 * Starts one JetStream-enabled nats-server on a free loopback port.
 *
 * @since 0.1.0
 * @category constructors
 */
export const startNatsServer = (options: StartOptions = {}): Promise<NatsServer> => {
  const start = async () => {
    const storeDir = options.storeDir ?? mkdtempSync(join(tmpdir(), "dla-nats-"))
    const name = `dla-test-${process.pid}-${Math.random().toString(36).slice(2, 8)}`
    const port = options.port ?? (await freePort())
    const monitorPort = await freePort()
    const args = [...flagArgs(name, port, monitorPort, storeDir), ...(options.args ?? [])]
    const spec: Spec = { name, port, monitorPort, storeDir, args }
    return makeServer(spec, options.timeoutMs ?? 15_000, options.storeDir === undefined)
  }
  // A port asked for is not traded for another.
  return options.port === undefined ? onFreshPorts(start) : start()
}

/**
 * Options of {@link startNatsCluster}.
 *
 * @since 0.1.0
 * @category models
 */
export interface ClusterOptions {
  readonly timeoutMs?: number
  /**
   * A nats-server config file to run on every node instead of command-line flags (such as deploy/nats/nats.conf).
   * It must read its addresses from the environment variables NATS_SERVER_NAME, NATS_LISTEN, NATS_HTTP,
   * NATS_STORE_DIR, NATS_CLUSTER_LISTEN and NATS_ROUTE_1..n, which are set to free loopback ports here, and may ask
   * routes to log in as user `route` with NATS_ROUTE_PASSWORD (set here, and put in the route URLs).
   */
  readonly configFile?: string
  /** More environment for every node with `configFile`, such as the client passwords deploy/nats/auth.conf reads. */
  readonly env?: Readonly<Record<string, string>>
}

/** What the nodes of a `configFile` cluster log in to each other's routes with (loopback only, so a fixed one). */
const routePassword = "dla-test-route"

/**
 * Starts an n-node (default 3) JetStream cluster on loopback; resolves when every node reports healthy.
 *
 * @since 0.1.0
 * @category constructors
 */
export const startNatsCluster = (size = 3, options: ClusterOptions = {}): Promise<NatsCluster> =>
  onFreshPorts(() => startCluster(size, options))

const startCluster = async (size: number, options: ClusterOptions): Promise<NatsCluster> => {
  const clusterPorts = await Promise.all(Array.from({ length: size }, freePort))
  const routeUrls = clusterPorts.map((p) =>
    options.configFile === undefined
      ? `nats-route://127.0.0.1:${p}`
      : `nats-route://route:${routePassword}@127.0.0.1:${p}`
  )
  const clusterName = `dla-${Math.random().toString(36).slice(2, 8)}`
  const specs: Array<Spec> = []
  for (let i = 0; i < size; i++) {
    const name = `${clusterName}-n${i}`
    const port = await freePort()
    const monitorPort = await freePort()
    const storeDir = mkdtempSync(join(tmpdir(), "dla-nats-"))
    const clusterAddress = `127.0.0.1:${clusterPorts[i]}`
    specs.push(
      options.configFile === undefined
        ? {
            name,
            port,
            monitorPort,
            storeDir,
            args: [
              ...flagArgs(name, port, monitorPort, storeDir),
              ...[
                "--cluster_name",
                clusterName,
                "--cluster",
                `nats://${clusterAddress}`,
                "--routes",
                routeUrls.join(",")
              ]
            ]
          }
        : {
            name,
            port,
            monitorPort,
            storeDir,
            args: ["-c", options.configFile],
            env: {
              ...options.env,
              NATS_ROUTE_PASSWORD: routePassword,
              NATS_SERVER_NAME: name,
              NATS_LISTEN: `127.0.0.1:${port}`,
              NATS_HTTP: `127.0.0.1:${monitorPort}`,
              NATS_STORE_DIR: storeDir,
              NATS_CLUSTER_LISTEN: clusterAddress,
              ...Object.fromEntries(routeUrls.map((url, j) => [`NATS_ROUTE_${j + 1}`, url]))
            }
          }
    )
  }
  // Nodes only become healthy once a JetStream meta leader is elected, which needs a quorum: start all, then wait.
  const started = await Promise.allSettled(specs.map((spec) => makeServer(spec, options.timeoutMs ?? 30_000, true)))
  const servers = started.flatMap((result) => (result.status === "fulfilled" ? [result.value] : []))
  const failed = started.find((result) => result.status === "rejected")
  if (failed !== undefined) {
    // One node could not start: the routes name every node's port, so the whole cluster starts again.
    await Promise.all(servers.map((server) => server.stop()))
    throw failed.reason
  }
  return {
    servers,
    urls: servers.map((s) => s.url),
    stop: async () => {
      await Promise.all(servers.map((s) => s.stop()))
    }
  }
}
