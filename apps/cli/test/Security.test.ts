/**
 * The auth setup deploy/ ships (deploy/nats/dla.conf = nats.conf + auth.conf, docs/security.md), on a real 3-node
 * cluster with loopback ports: a real run with the master and worker identities completes, and then each role is
 * tried as an attacker would: what its permissions leave out is refused by the server and changes nothing.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { type NatsCluster, startNatsCluster } from "@dla/testing"
import { jetstream, jetstreamManager } from "@nats-io/jetstream"
import { Kvm } from "@nats-io/kv"
import { connect } from "@nats-io/transport-node"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { dlaWith, finished, startWith } from "./cli.ts"

const configFile = fileURLToPath(new URL("../../../deploy/nats/dla.conf", import.meta.url))
const logs = fileURLToPath(new URL("../../../samples/logs", import.meta.url))
const passwords = {
  master: "master-secret",
  worker: "worker-secret",
  observer: "observer-secret",
  copier: "copier-secret",
  shipper: "shipper-secret"
} as const
type Role = keyof typeof passwords
const runId = "secure"

let cluster: NatsCluster
let servers = ""
const work = mkdtempSync(join(tmpdir(), "dla-security-"))

beforeAll(async () => {
  cluster = await startNatsCluster(3, {
    configFile,
    env: {
      DLA_MASTER_PASSWORD: passwords.master,
      DLA_WORKER_PASSWORD: passwords.worker,
      DLA_OBSERVER_PASSWORD: passwords.observer,
      DLA_COPIER_PASSWORD: passwords.copier,
      DLA_SHIPPER_PASSWORD: passwords.shipper
    }
  })
  servers = cluster.urls.join(",")
}, 60_000)

afterAll(async () => {
  await cluster?.stop()
  rmSync(work, { recursive: true, force: true })
})

/** A role's login as deploy/ gives it: NATS_USER and NATS_PASSWORD in the environment. */
const as = (role: Role) => ({ NATS_USER: role, NATS_PASSWORD: passwords[role] })

const client = (role: Role) =>
  connect({ servers: [...cluster.urls], user: role, pass: passwords[role], timeout: 5_000 })

const denied = /Permissions Violation/

describe("deploy/nats/dla.conf: identities and permissions", () => {
  it("refuses a client without credentials, or with a wrong password", async () => {
    await expect(connect({ servers: [...cluster.urls], timeout: 5_000 })).rejects.toThrow(/Authorization Violation/)
    await expect(
      connect({ servers: [...cluster.urls], user: "master", pass: "guess", timeout: 5_000 })
    ).rejects.toThrow(/Authorization Violation/)
    const anonymous = dlaWith({}, "status", "--nats", servers)
    expect(anonymous.stderr.trim()).toMatch(/^dla: cannot connect to NATS at .*: Authorization Violation$/)
    expect(anonymous.status).toBe(1)
  })

  it("runs a real analysis with the master and worker identities, and shows it to the observer", {
    timeout: 90_000
  }, async () => {
    const worker = startWith(as("worker"), "worker", "--nats", servers, "--run", runId, "--once")
    const serving = finished(worker)
    try {
      const master = await finished(
        startWith(
          as("master"),
          ...["master", logs, "--nats", servers, "--run", runId, "--replicas", "3", "--json"],
          ...["--checkpoint-dir", join(work, "checkpoints")]
        )
      )
      expect(master.status, master.stderr).toBe(0)
      expect(JSON.parse(master.stdout)).toMatchObject({ filesProcessed: 5, lines: 5000, failedTasks: [] })
      const served = await serving
      expect(served.status, served.stderr).toBe(0)
      expect(served.stdout).toContain("Tasks counted: 5")
    } finally {
      worker.kill()
    }
    const status = dlaWith(as("observer"), "status", "--nats", servers, "--run", runId, "--json")
    expect(status.status, status.stderr).toBe(0)
    expect(JSON.parse(status.stdout)).toMatchObject({ runId, status: "done" })
  })

  it("a worker cannot write the run's state or checkpoint, publish tasks, or delete the run", async () => {
    const nc = await client("worker")
    try {
      const kv = await new Kvm(nc).open("dla_runs")
      const before = (await kv.get(`${runId}.state`))?.string()
      expect(before).toContain('"done"')
      for (const key of [`${runId}.state`, `${runId}.checkpoint`, `${runId}.snapshot`]) {
        await expect(kv.put(key, '{"status":"running"}')).rejects.toThrow(denied)
        await expect(kv.delete(key)).rejects.toThrow(denied)
      }
      await expect(jetstream(nc).publish(`dla.${runId}.task`, "{}")).rejects.toThrow(denied)
      const jsm = await jetstreamManager(nc)
      await expect(jsm.streams.delete("KV_dla_runs")).rejects.toThrow(denied)
      await expect(jsm.streams.purge("KV_dla_runs")).rejects.toThrow(denied)
      // No consumers of its own (issue 14): not on the runs bucket (one with a delivery subject of its choosing would
      // have the server copy the bucket there), nor on a run's task or results stream.
      for (const stream of ["KV_dla_runs", `DLA_TASKS_${runId}`, `DLA_RESULTS_${runId}`]) {
        await expect(jsm.consumers.add(stream, { deliver_subject: `dla.${runId}.result` })).rejects.toThrow(denied)
        await expect(jsm.consumers.add(stream, { durable_name: "mine" })).rejects.toThrow(denied)
      }
      expect((await kv.get(`${runId}.state`))?.string()).toBe(before)
    } finally {
      await nc.close()
    }
  })

  it("an observer cannot publish tasks or results, nor write run state", async () => {
    const nc = await client("observer")
    try {
      const js = jetstream(nc)
      await expect(js.publish(`dla.${runId}.task`, "{}")).rejects.toThrow(denied)
      await expect(js.publish(`dla.${runId}.result`, "{}")).rejects.toThrow(denied)
      const kv = await new Kvm(nc).open("dla_runs")
      await expect(kv.put(`${runId}.snapshot`, "{}")).rejects.toThrow(denied)
      expect((await kv.get(`${runId}.state`))?.string()).toContain('"done"')
      // No consumers on a run's task or results stream: it cannot take tasks nor read results.
      const jsm = await jetstreamManager(nc)
      for (const stream of [`DLA_TASKS_${runId}`, `DLA_RESULTS_${runId}`]) {
        await expect(jsm.consumers.add(stream, { durable_name: "mine" })).rejects.toThrow(denied)
      }
    } finally {
      await nc.close()
    }
  })

  it("a copier holds its copy lease through URL credentials, and cannot touch a master's term", async () => {
    const copied = dlaWith(
      { NATS_URL: cluster.urls.map((url) => url.replace("nats://", `nats://copier:${passwords.copier}@`)).join(",") },
      ...["copy", "*.log", "--root-dir", logs, "--dest", `file://${join(work, "copies")}`, "--once"]
    )
    expect(copied.status, copied.stderr).toBe(0)
    expect(copied.stdout).toContain("Copied 5 files")
    expect(`${copied.stdout}${copied.stderr}`).not.toContain(passwords.copier)
    const nc = await client("copier")
    try {
      const kv = await new Kvm(nc).open("dla_leases")
      await expect(kv.put(`election.${runId}.term`, "{}")).rejects.toThrow(denied)
    } finally {
      await nc.close()
    }
  })
})

describe("deploy/nats/dla.conf: the log store", () => {
  it("a shipper ships, an observer lists and reads back, a copier copies from the store; none writes another's data", {
    timeout: 60_000
  }, async () => {
    const shipped = dlaWith({ ...as("shipper"), DLA_NODE: "node-a" }, "ship", logs, "--nats", servers)
    expect(shipped.status, shipped.stderr).toBe(0)
    const listed = dlaWith(as("observer"), "store", "ls", "--nats", servers, "--json")
    expect(listed.status, listed.stderr).toBe(0)
    const files = JSON.parse(listed.stdout) as Array<{ node: string; file: string }>
    expect(files.map((f) => f.file).sort()).toEqual([
      "log_01.log",
      "log_02.log",
      "log_03.log",
      "log_04.log",
      "log_05.log"
    ])
    const node = files[0]!.node
    const cat = dlaWith(as("observer"), "store", "cat", "--nats", servers, "--node", node, "log_01.log")
    expect(cat.status, cat.stderr).toBe(0)
    expect(cat.stdout).toBe(readFileSync(join(logs, "log_01.log"), "utf8"))
    const url = cluster.urls.map((u) => u.replace("nats://", `nats://copier:${passwords.copier}@`)).join(",")
    const copied = dlaWith(
      { NATS_URL: url },
      ...["copy", "--from-store", "--dest", `file://${join(work, "from-store")}`, "--once"],
      ...["--state-dir", join(work, "copier-state")]
    )
    expect(copied.status, copied.stderr).toBe(0)
    expect(copied.stdout).toContain("Copied 5 files")
    // Nobody but a shipper writes the store; a shipper writes nothing of a run.
    const observer = await client("observer")
    const shipper = await client("shipper")
    try {
      await expect(jetstream(observer).publish("DLA_LOGS.x.y.0", "forged")).rejects.toThrow(denied)
      await expect(jetstream(shipper).publish(`dla.${runId}.result`, "{}")).rejects.toThrow(denied)
      const kv = await new Kvm(shipper).open("dla_runs")
      await expect(kv.put(`${runId}.state`, "{}")).rejects.toThrow(denied)
    } finally {
      await Promise.all([observer.close(), shipper.close()])
    }
  })
})

describe("deploy/ runs the auth setup", () => {
  const read = (path: string) => readFileSync(new URL(`../../../deploy/${path}`, import.meta.url), "utf8")
  it("every NATS node runs dla.conf and every dla process logs in as its role", () => {
    const compose = read("docker-compose.yml")
    expect(compose).toContain('command: ["-c", "/etc/nats/dla.conf"]')
    expect(compose).toMatch(/NATS_HTTP: 127\.0\.0\.1:8222/)
    expect(compose).toMatch(/NATS_USER: master/)
    expect(compose).toMatch(/NATS_USER: worker/)
    const nats = read("k8s/nats.yaml")
    expect(nats).toContain('args: ["-c", "/etc/nats/dla.conf"]')
    expect(nats).toContain("secretKeyRef: { name: dla-nats-auth, key: route }")
    const dla = read("k8s/dla.yaml")
    expect(dla.match(/name: NATS_USER, value: master/g)).toHaveLength(2)
    expect(dla.match(/name: NATS_USER, value: worker/g)).toHaveLength(1)
    expect(compose).toMatch(/DLA_SHIPPER_PASSWORD: \$\{DLA_SHIPPER_PASSWORD:\?/)
    expect(nats).toContain("secretKeyRef: { name: dla-nats-auth, key: shipper }")
    expect(read("kustomization.yaml")).toMatch(/nats\/auth\.conf[\s\S]*nats\/dla\.conf/)
  })
})
