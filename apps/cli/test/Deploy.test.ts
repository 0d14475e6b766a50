/**
 * The `dla` commands that deploy/ runs (Docker Compose services, Kubernetes containers) are commands this CLI
 * accepts: a renamed or misspelled flag fails here rather than in someone's cluster. Each one is run for real with
 * its NATS URLs pointed at a closed loopback port, so it gets past argument parsing and stops at the connection.
 */
import { readFileSync } from "node:fs"
import { freePort } from "@dla/testing"
import { beforeAll, describe, expect, it } from "vitest"
import { parse, parseAllDocuments } from "yaml"
import { dla } from "./cli.ts"

const read = (path: string) => readFileSync(new URL(`../../../deploy/${path}`, import.meta.url), "utf8")

interface Service {
  readonly build?: unknown
  readonly command?: ReadonlyArray<string>
}
const compose = parse(read("docker-compose.yml"), { merge: true }) as { services: Record<string, Service> }
const composed = Object.entries(compose.services)
  .filter(([, service]) => service.build !== undefined)
  .map(([name, service]) => [`docker-compose.yml ${name}`, service.command ?? []] as const)

interface Container {
  readonly name: string
  readonly image: string
  readonly args?: ReadonlyArray<string>
  readonly env?: ReadonlyArray<{ readonly name: string; readonly valueFrom?: { readonly secretKeyRef?: unknown } }>
}
interface Manifest {
  readonly kind: string
  readonly data?: Record<string, string>
  readonly spec?: { template?: { spec?: { containers?: Array<Container> } } }
}
/** A container's args with `$(NAME)` of its Secret-fed variables filled in, as the kubelet would. */
const withSecrets = (c: Container) =>
  (c.args ?? []).map((arg) =>
    arg.replace(/\$\((\w+)\)/g, (whole, name: string) =>
      c.env?.some((e) => e.name === name && e.valueFrom?.secretKeyRef !== undefined) ? `secret-${name}` : whole
    )
  )
const manifests = parseAllDocuments(read("k8s/dla.yaml")).map((doc) => doc.toJS() as Manifest)
const configMap = manifests.find((m) => m.kind === "ConfigMap")?.data ?? {}
const kubernetes = manifests.flatMap((m) =>
  (m.spec?.template?.spec?.containers ?? [])
    .filter((c) => c.image.startsWith("dla:"))
    .map((c) => [`k8s/dla.yaml ${c.name}`, withSecrets(c)] as const)
)

let closedNats = ""
beforeAll(async () => {
  closedNats = `nats://127.0.0.1:${await freePort()}`
})

/** The NATS URLs of the deployment are cluster names; here they become one closed loopback port. */
const localise = (args: ReadonlyArray<string>) =>
  args
    .map((arg) => arg.replace(/\$\((\w+)\)/g, (_, name: string) => configMap[name] ?? `<unset ${name}>`))
    .map((arg) => (arg.startsWith("nats://") ? closedNats : arg))

describe("deploy/ runs commands the CLI accepts", () => {
  it("finds the master, the standby and the workers in both deployments", () => {
    expect(composed.map(([name]) => name)).toEqual([
      "docker-compose.yml master",
      "docker-compose.yml standby",
      "docker-compose.yml worker"
    ])
    expect(kubernetes.map(([name]) => name)).toEqual([
      "k8s/dla.yaml master",
      "k8s/dla.yaml standby",
      "k8s/dla.yaml worker",
      "k8s/dla.yaml dashboard"
    ])
    for (const [, args] of [...composed, ...kubernetes]) expect(args).toContain("--nats")
  })

  it.each([...composed, ...kubernetes])("%s: parses and gets as far as connecting to NATS", (_, args) => {
    const run = dla(...localise(args))
    expect(run.stderr).not.toMatch(/<unset /)
    expect(run.stderr.trim()).toBe(`dla: cannot connect to NATS at ${closedNats}: connection refused`)
    expect(run.status).toBe(1)
  })
})

describe("deploy/k8s: resources, probes and security on every container", () => {
  interface Pod {
    readonly securityContext?: { readonly runAsNonRoot?: boolean }
    readonly containers: Array<
      Container & {
        readonly resources?: { readonly requests?: object; readonly limits?: { readonly memory?: string } }
        readonly securityContext?: {
          readonly readOnlyRootFilesystem?: boolean
          readonly allowPrivilegeEscalation?: boolean
          readonly capabilities?: { readonly drop?: ReadonlyArray<string> }
        }
        readonly livenessProbe?: object
      }
    >
  }
  const pods = ["k8s/dla.yaml", "k8s/nats.yaml"].flatMap((file) =>
    parseAllDocuments(read(file))
      .map((doc) => doc.toJS() as { kind: string; spec?: { template?: { spec?: Pod } } })
      .filter((m) => m.spec?.template?.spec !== undefined)
      .map((m) => [file, m.spec!.template!.spec!] as const)
  )

  it("runs as non-root, read-only, unprivileged, with requests and a memory limit", () => {
    expect(pods.length).toBe(5)
    for (const [file, pod] of pods) {
      expect(pod.securityContext?.runAsNonRoot, file).toBe(true)
      for (const c of pod.containers) {
        expect(c.resources?.requests, c.name).toBeDefined()
        expect(c.resources?.limits?.memory, c.name).toBeDefined()
        expect(c.securityContext, c.name).toMatchObject({
          readOnlyRootFilesystem: true,
          allowPrivilegeEscalation: false,
          capabilities: { drop: ["ALL"] }
        })
      }
    }
  })

  it("probes what can answer: NATS and the dashboard", () => {
    const probed = pods.flatMap(([, pod]) =>
      pod.containers.filter((c) => c.livenessProbe !== undefined).map((c) => c.name)
    )
    expect(probed.sort()).toEqual(["dashboard", "nats"])
  })
})
