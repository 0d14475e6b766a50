/**
 * A WebHDFS cluster for tests, following the Hadoop WebHDFS REST API (hadoop-hdfs WebHDFS.md and the namenode /
 * datanode handlers): any number of namenodes sharing one namespace (one active, the others answering
 * StandbyException), and one datanode that receives the data of the two-step CREATE / APPEND and serves OPEN.
 *
 * Mirrored: CREATE (307 -> datanode, 201 Created + Location), APPEND (307 -> datanode, 200), OPEN (307 -> datanode,
 * 200 octet-stream with offset/length), MKDIRS / DELETE / RENAME (200 {"boolean": ...}; RENAME with
 * renameoptions=OVERWRITE replaces atomically and answers 200 with an empty body), GETFILESTATUS ({"FileStatus"}),
 * LISTSTATUS ({"FileStatuses": {"FileStatus": [...]}}), noredirect=true ({"Location": ...}), user.name and
 * delegation, and RemoteException JSON errors with Hadoop's status mapping (IllegalArgumentException 400,
 * SecurityException 401, IOException incl. FileAlreadyExistsException / StandbyException / InvalidToken 403,
 * FileNotFoundException 404, RuntimeException 500). Faults: 500s, connections closed before answering, and uploads
 * cut mid-body after half the bytes reached the file (as when a datanode pipeline dies), slow answers.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"

export type Op = "CREATE" | "APPEND" | "OPEN" | "MKDIRS" | "RENAME" | "DELETE" | "GETFILESTATUS" | "LISTSTATUS"
export type Node = "namenode" | "datanode"

export interface Fault {
  /** Only requests for this operation (any by default). */
  readonly op?: Op
  /** Only on this kind of node (any by default). */
  readonly at?: Node
  /**
   * error500: RuntimeException 500; drop: close the connection unanswered; dropMidUpload: keep half the body, then
   * drop; slow: answer normally after `delayMs`.
   */
  readonly kind: "error500" | "drop" | "dropMidUpload" | "slow"
  readonly delayMs?: number
  /** How many matching requests fail (default 1; Infinity for a permanent fault). */
  readonly times?: number
}

export interface RequestRecord {
  readonly node: Node
  /** Index of the namenode, or -1 for the datanode. */
  readonly index: number
  readonly method: string
  readonly op: string
  readonly path: string
  readonly user: string | null
  readonly bytes: number
}

interface Entry {
  type: "FILE" | "DIRECTORY"
  data: Buffer
  modificationTime: number
  owner: string
  fileId: number
}

export interface WebHdfsCluster {
  /** HTTP base URLs (`http://127.0.0.1:<port>`) of the namenodes, in order. */
  readonly namenodes: ReadonlyArray<string>
  readonly datanode: string
  /** Makes namenode `index` the active one; every other namenode answers StandbyException. */
  readonly activate: (index: number) => void
  readonly inject: (fault: Fault) => void
  readonly clearFaults: () => void
  readonly requests: Array<RequestRecord>
  /** Content of a file, or undefined. */
  readonly read: (path: string) => Buffer | undefined
  /** Every file path in the namespace, sorted. */
  readonly files: () => Array<string>
  readonly stop: () => Promise<void>
}

export interface ClusterOptions {
  readonly namenodes?: number
  /** Index of the initially active namenode (default 0). */
  readonly active?: number
  /** Delegation tokens the cluster accepts, mapped to their user. */
  readonly delegationTokens?: Readonly<Record<string, string>>
}

// Fields assigned by hand (no parameter properties), so Node can load this file by stripping types
// (scripts/pack-smoke.mjs starts the cluster from plain Node).
class RemoteException extends Error {
  readonly status: number
  readonly exception: string
  readonly javaClassName: string
  constructor(status: number, exception: string, javaClassName: string, message: string) {
    super(message)
    this.status = status
    this.exception = exception
    this.javaClassName = javaClassName
  }
}

const notFound = (path: string) =>
  new RemoteException(404, "FileNotFoundException", "java.io.FileNotFoundException", `File does not exist: ${path}`)
const ioError = (exception: string, javaClassName: string, message: string) =>
  new RemoteException(403, exception, javaClassName, message)

const WRITE_OPS = new Set<string>(["CREATE", "APPEND", "MKDIRS", "RENAME", "DELETE"])

const parent = (path: string) => (path.lastIndexOf("/") <= 0 ? "/" : path.slice(0, path.lastIndexOf("/")))
const normalize = (path: string) => {
  const parts = path.split("/").filter((p) => p !== "" && p !== ".")
  return `/${parts.join("/")}`
}

const listen = (server: Server) =>
  new Promise<string>((resolve) =>
    server.listen(0, "127.0.0.1", () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`))
  )

const readBody = (req: IncomingMessage) =>
  new Promise<Buffer>((resolve, reject) => {
    const chunks: Array<Buffer> = []
    req.on("data", (c: Buffer) => chunks.push(c))
    req.on("end", () => resolve(Buffer.concat(chunks)))
    req.on("error", reject)
  })

const json = (res: ServerResponse, status: number, body: unknown) => {
  const text = JSON.stringify(body)
  res.writeHead(status, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(text) })
  res.end(text)
}

const empty = (res: ServerResponse, status: number, headers: Record<string, string> = {}) => {
  res.writeHead(status, { "Content-Type": "application/octet-stream", "Content-Length": "0", ...headers })
  res.end()
}

export const startWebHdfsCluster = async (options: ClusterOptions = {}): Promise<WebHdfsCluster> => {
  const namespace = new Map<string, Entry>()
  let nextFileId = 16386
  const now = () => Date.now()
  namespace.set("/", {
    type: "DIRECTORY",
    data: Buffer.alloc(0),
    modificationTime: now(),
    owner: "hdfs",
    fileId: 16385
  })
  let active = options.active ?? 0
  const faults: Array<Fault & { remaining: number }> = []
  const requests: Array<RequestRecord> = []

  const takeFault = (node: Node, op: string) => {
    const fault = faults.find((f) => f.remaining > 0 && (f.at ?? node) === node && (f.op ?? op) === op)
    if (fault !== undefined) fault.remaining--
    return fault
  }

  const mkdirs = (path: string, owner: string) => {
    const missing: Array<string> = []
    for (let p = path; ; p = parent(p)) {
      const entry = namespace.get(p)
      if (entry?.type === "FILE")
        throw ioError(
          "FileAlreadyExistsException",
          "org.apache.hadoop.fs.FileAlreadyExistsException",
          `Path is not a directory: ${p}`
        )
      if (entry !== undefined) break
      missing.push(p)
      if (p === "/") break
    }
    for (const p of missing.reverse()) {
      namespace.set(p, {
        type: "DIRECTORY",
        data: Buffer.alloc(0),
        modificationTime: now(),
        owner,
        fileId: nextFileId++
      })
    }
  }

  const children = (path: string) => {
    const prefix = path === "/" ? "/" : `${path}/`
    return [...namespace.keys()]
      .filter((p) => p !== path && p.startsWith(prefix) && !p.slice(prefix.length).includes("/"))
      .sort()
  }

  const fileStatus = (path: string, entry: Entry, pathSuffix: string) => ({
    accessTime: entry.type === "FILE" ? entry.modificationTime : 0,
    blockSize: entry.type === "FILE" ? 134217728 : 0,
    childrenNum: entry.type === "DIRECTORY" ? children(path).length : 0,
    fileId: entry.fileId,
    group: "supergroup",
    length: entry.type === "FILE" ? entry.data.length : 0,
    modificationTime: entry.modificationTime,
    owner: entry.owner,
    pathSuffix,
    permission: entry.type === "FILE" ? "644" : "755",
    replication: entry.type === "FILE" ? 3 : 0,
    storagePolicy: 0,
    type: entry.type
  })

  const moveTree = (from: string, to: string) => {
    for (const key of [...namespace.keys()]) {
      if (key === from || key.startsWith(`${from}/`)) {
        const entry = namespace.get(key)!
        namespace.delete(key)
        namespace.set(to + key.slice(from.length), entry)
      }
    }
  }

  const rename = (from: string, destination: string, overwrite: boolean): boolean | undefined => {
    const source = namespace.get(from)
    let to = destination
    const target = namespace.get(to)
    if (!overwrite) {
      // ClientProtocol.rename (deprecated form): false instead of exceptions; into an existing directory.
      if (source === undefined || from === "/") return false
      if (target?.type === "DIRECTORY") to = normalize(`${to}/${from.slice(from.lastIndexOf("/") + 1)}`)
      if (namespace.has(to) || namespace.get(parent(to))?.type !== "DIRECTORY" || to.startsWith(`${from}/`))
        return false
      moveTree(from, to)
      return true
    }
    // ClientProtocol.rename2 with OVERWRITE: exceptions, replaces an existing file or empty directory.
    if (source === undefined) throw notFound(from)
    if (namespace.get(parent(to))?.type !== "DIRECTORY") throw notFound(parent(to))
    if (target !== undefined) {
      if (target.type !== source.type)
        throw ioError(
          "IOException",
          "java.io.IOException",
          `Source ${from} and destination ${to} must both be directories or files`
        )
      if (target.type === "DIRECTORY" && children(to).length > 0)
        throw ioError("IOException", "java.io.IOException", `Rename destination directory is not empty: ${to}`)
      namespace.delete(to)
    }
    moveTree(from, to)
    return undefined
  }

  const authenticate = (params: URLSearchParams) => {
    const token = params.get("delegation")
    if (token !== null) {
      const user = options.delegationTokens?.[token]
      if (user === undefined)
        throw ioError(
          "InvalidToken",
          "org.apache.hadoop.security.token.SecretManager$InvalidToken",
          "token is expired or doesn't exist"
        )
      return user
    }
    return params.get("user.name") ?? "dr.who"
  }

  let datanode = ""

  const handleNamenode = (index: number) => async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", "http://x")
    const op = (url.searchParams.get("op") ?? "").toUpperCase()
    const path = normalize(decodeURIComponent(url.pathname.replace(/^\/webhdfs\/v1/, "")))
    requests.push({
      node: "namenode",
      index,
      method: req.method ?? "",
      op,
      path,
      user: url.searchParams.get("user.name"),
      bytes: 0
    })
    await readBody(req)
    const fault = takeFault("namenode", op)
    if (fault?.kind === "slow") await new Promise((resolve) => setTimeout(resolve, fault.delayMs ?? 500))
    if (fault?.kind === "drop" || fault?.kind === "dropMidUpload") return req.socket.destroy()
    try {
      if (fault?.kind === "error500")
        throw new RemoteException(500, "RuntimeException", "java.lang.RuntimeException", "injected failure")
      if (!url.pathname.startsWith("/webhdfs/v1"))
        throw new RemoteException(
          400,
          "IllegalArgumentException",
          "java.lang.IllegalArgumentException",
          `Invalid path: ${url.pathname}`
        )
      if (index !== active) {
        const category = WRITE_OPS.has(op) ? "WRITE" : "READ"
        throw ioError(
          "StandbyException",
          "org.apache.hadoop.ipc.StandbyException",
          `Operation category ${category} is not supported in state standby. Visit https://s.apache.org/sbnn-error`
        )
      }
      const user = authenticate(url.searchParams)
      const expected: Record<string, string> = {
        CREATE: "PUT",
        APPEND: "POST",
        OPEN: "GET",
        MKDIRS: "PUT",
        RENAME: "PUT",
        DELETE: "DELETE",
        GETFILESTATUS: "GET",
        LISTSTATUS: "GET"
      }
      if (expected[op] === undefined)
        throw new RemoteException(
          400,
          "IllegalArgumentException",
          "java.lang.IllegalArgumentException",
          `Invalid value for webhdfs parameter "op": No enum constant ${op}`
        )
      if (expected[op] !== req.method)
        throw new RemoteException(
          400,
          "IllegalArgumentException",
          "java.lang.IllegalArgumentException",
          `Invalid value for webhdfs parameter "op": ${op} is not a valid ${req.method} operation.`
        )
      switch (op) {
        case "CREATE":
        case "APPEND":
        case "OPEN": {
          if (op === "APPEND" || op === "OPEN") {
            const entry = namespace.get(path)
            if (entry === undefined) throw notFound(path)
            if (entry.type !== "FILE")
              throw ioError("FileNotFoundException", "java.io.FileNotFoundException", `Path is not a file: ${path}`)
          }
          const location = new URL(`${datanode}/webhdfs/v1${path}`)
          for (const [k, v] of url.searchParams) if (k !== "noredirect") location.searchParams.set(k, v)
          location.searchParams.set("namenoderpcaddress", "localhost:8020")
          if (op === "CREATE") location.searchParams.set("createparent", "true")
          if (url.searchParams.get("noredirect") === "true") return json(res, 200, { Location: location.toString() })
          return empty(res, 307, { Location: location.toString() })
        }
        case "MKDIRS":
          mkdirs(path, user)
          return json(res, 200, { boolean: true })
        case "RENAME": {
          const destination = url.searchParams.get("destination")
          if (destination === null || !destination.startsWith("/"))
            throw new RemoteException(
              400,
              "IllegalArgumentException",
              "java.lang.IllegalArgumentException",
              `Invalid value for webhdfs parameter "destination": ${destination}`
            )
          const overwrite = (url.searchParams.get("renameoptions") ?? "").toUpperCase().split(",").includes("OVERWRITE")
          const result = rename(path, normalize(destination), overwrite)
          return result === undefined ? empty(res, 200) : json(res, 200, { boolean: result })
        }
        case "DELETE": {
          const entry = namespace.get(path)
          if (entry === undefined || path === "/") return json(res, 200, { boolean: false })
          if (entry.type === "DIRECTORY" && children(path).length > 0 && url.searchParams.get("recursive") !== "true") {
            throw ioError(
              "PathIsNotEmptyDirectoryException",
              "org.apache.hadoop.fs.PathIsNotEmptyDirectoryException",
              `\`${path} is non empty': Directory is not empty`
            )
          }
          for (const key of [...namespace.keys()]) if (key === path || key.startsWith(`${path}/`)) namespace.delete(key)
          return json(res, 200, { boolean: true })
        }
        case "GETFILESTATUS": {
          const entry = namespace.get(path)
          if (entry === undefined) throw notFound(path)
          return json(res, 200, { FileStatus: fileStatus(path, entry, "") })
        }
        default: {
          const entry = namespace.get(path)
          if (entry === undefined) throw notFound(path)
          const statuses =
            entry.type === "FILE"
              ? [fileStatus(path, entry, "")]
              : children(path).map((c) => fileStatus(c, namespace.get(c)!, c.slice(c.lastIndexOf("/") + 1)))
          return json(res, 200, { FileStatuses: { FileStatus: statuses } })
        }
      }
    } catch (e) {
      sendError(res, e)
    }
  }

  const sendError = (res: ServerResponse, e: unknown) => {
    const remote =
      e instanceof RemoteException
        ? e
        : new RemoteException(500, "RuntimeException", "java.lang.RuntimeException", String(e))
    json(res, remote.status, {
      RemoteException: { exception: remote.exception, javaClassName: remote.javaClassName, message: remote.message }
    })
  }

  const handleDatanode = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", "http://x")
    const op = (url.searchParams.get("op") ?? "").toUpperCase()
    const path = normalize(decodeURIComponent(url.pathname.replace(/^\/webhdfs\/v1/, "")))
    const body = await readBody(req)
    requests.push({
      node: "datanode",
      index: -1,
      method: req.method ?? "",
      op,
      path,
      user: url.searchParams.get("user.name"),
      bytes: body.length
    })
    let fault = takeFault("datanode", op)
    if (fault?.kind === "slow") {
      await new Promise((resolve) => setTimeout(resolve, fault?.delayMs ?? 500))
      fault = undefined
    }
    if (fault?.kind === "drop") return req.socket.destroy()
    const kept = fault?.kind === "dropMidUpload" ? body.subarray(0, Math.floor(body.length / 2)) : body
    try {
      if (fault?.kind === "error500")
        throw new RemoteException(500, "RuntimeException", "java.lang.RuntimeException", "injected failure")
      const user = authenticate(url.searchParams)
      if (op === "CREATE") {
        const existing = namespace.get(path)
        if (existing?.type === "DIRECTORY")
          throw ioError(
            "FileAlreadyExistsException",
            "org.apache.hadoop.fs.FileAlreadyExistsException",
            `${path} already exists as a directory`
          )
        if (existing !== undefined && url.searchParams.get("overwrite") !== "true") {
          throw ioError(
            "FileAlreadyExistsException",
            "org.apache.hadoop.fs.FileAlreadyExistsException",
            `${path} for client 127.0.0.1 already exists`
          )
        }
        mkdirs(parent(path), user)
        namespace.set(path, {
          type: "FILE",
          data: Buffer.from(kept),
          modificationTime: now(),
          owner: user,
          fileId: nextFileId++
        })
        if (fault !== undefined) return req.socket.destroy()
        return empty(res, 201, { Location: `hdfs://localhost:8020${path}` })
      }
      if (op === "APPEND") {
        const entry = namespace.get(path)
        if (entry === undefined) throw notFound(path)
        entry.data = Buffer.concat([entry.data, kept])
        entry.modificationTime = now()
        if (fault !== undefined) return req.socket.destroy()
        return empty(res, 200)
      }
      if (op === "OPEN") {
        const entry = namespace.get(path)
        if (entry === undefined) throw notFound(path)
        const offset = Number(url.searchParams.get("offset") ?? 0)
        const length = url.searchParams.has("length") ? Number(url.searchParams.get("length")) : entry.data.length
        const data = entry.data.subarray(offset, offset + length)
        res.writeHead(200, { "Content-Type": "application/octet-stream", "Content-Length": data.length })
        return res.end(data)
      }
      throw new RemoteException(
        400,
        "IllegalArgumentException",
        "java.lang.IllegalArgumentException",
        `Invalid operation ${op} for a datanode`
      )
    } catch (e) {
      sendError(res, e)
    }
  }

  const servers: Array<Server> = []
  const serve = (handler: (req: IncomingMessage, res: ServerResponse) => Promise<unknown>) => {
    const server = createServer((req, res) => {
      handler(req, res).catch((e) => sendError(res, e))
    })
    servers.push(server)
    return listen(server)
  }

  datanode = await serve(handleDatanode)
  const namenodes: Array<string> = []
  for (let i = 0; i < (options.namenodes ?? 1); i++) namenodes.push(await serve(handleNamenode(i)))

  return {
    namenodes,
    datanode,
    activate: (index) => {
      active = index
    },
    inject: (fault) => {
      faults.push({ ...fault, remaining: fault.times ?? 1 })
    },
    clearFaults: () => {
      faults.length = 0
    },
    requests,
    read: (path) => {
      const entry = namespace.get(normalize(path))
      return entry?.type === "FILE" ? Buffer.from(entry.data) : undefined
    },
    files: () =>
      [...namespace.entries()]
        .filter(([, e]) => e.type === "FILE")
        .map(([p]) => p)
        .sort(),
    stop: async () => {
      await Promise.all(
        servers.map(
          (s) =>
            new Promise<void>((resolve) => {
              s.closeAllConnections()
              s.close(() => resolve())
            })
        )
      )
    }
  }
}
