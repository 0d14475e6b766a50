/**
 * How `dla` logs in to NATS: credentials from flags, the environment or the URL, one way at a time (usage errors
 * otherwise), never printed, and one warning when the server asks for none. `NATS_URL` stands in for `--nats`.
 * Real processes against real nats-servers on loopback.
 */
import { freePort, type NatsServer, startNatsServer } from "@dla/testing"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { diagnostics, dla, dlaWith } from "./cli.ts"

let closed = ""
let open: NatsServer
let guarded: NatsServer
beforeAll(async () => {
  closed = `nats://127.0.0.1:${await freePort()}`
  ;[open, guarded] = await Promise.all([
    startNatsServer(),
    startNatsServer({ args: ["--user", "ana", "--pass", "s3cret"] })
  ])
})
afterAll(async () => {
  await Promise.all([open?.stop(), guarded?.stop()])
})

const withCredentials = (url: string, userinfo: string) => url.replace("nats://", `nats://${userinfo}@`)

describe("credentials", () => {
  it.each([
    [["--password", "p"], "--password goes with --user"],
    [["--user", "u", "--token", "t"], "--user and --token are two ways of logging in: give one"],
    [["--creds", "f.creds", "--user", "u"], "--user and --creds are two ways of logging in: give one"],
    [["--creds", "f.creds", "--token", "t"], "--token and --creds are two ways of logging in: give one"],
    [["--tls-key", "k.pem"], "--tls-cert and --tls-key go together"]
  ])("%j is a usage error (exit 2)", (flags, message) => {
    const run = dla("status", "--nats", closed, ...flags)
    expect(run.stderr.trim()).toBe(`dla: ${message}`)
    expect(run.status).toBe(2)
  })

  it("URL credentials with a credential flag, or differing between URLs, are usage errors", () => {
    const both = dla("worker", "--nats", withCredentials(closed, "u:p"), "--user", "u")
    expect(both.stderr.trim()).toBe(
      "dla: credentials in the --nats URL and --user are two ways of logging in: give one"
    )
    expect(both.status).toBe(2)
    const mixed = dla("worker", "--nats", `${withCredentials(closed, "u:p")},${closed}`)
    expect(mixed.stderr.trim()).toBe("dla: --nats: give every URL the same credentials, or none")
    expect(mixed.status).toBe(2)
    const none = dla("worker", "--nats", " , ")
    expect(none.stderr.trim()).toBe("dla: --nats names no server")
    expect(none.status).toBe(2)
  })

  it("logs in with the URL's user and password, and never prints them", () => {
    const url = withCredentials(guarded.url, "ana:s3cret")
    const run = dla("status", "--nats", url, "--run", "none")
    expect(run.stderr.trim()).toBe(
      `dla: no state for run "none" on NATS at ${guarded.url} (see 'dla status --nats ${guarded.url}' for the latest run)`
    )
    expect(run.status).toBe(1)
    const refused = dla("status", "--nats", withCredentials(closed, "ana:s3cret"))
    expect(refused.stderr.trim()).toBe(`dla: cannot connect to NATS at ${closed}: connection refused`)
    const wrong = dla("status", "--nats", withCredentials(guarded.url, "ana:guess"))
    expect(wrong.stderr.trim()).toBe(`dla: cannot connect to NATS at ${guarded.url}: Authorization Violation`)
    for (const printed of [run, refused, wrong]) expect(printed.stdout + printed.stderr).not.toMatch(/s3cret|guess/)
  })

  it("logs in with NATS_USER and NATS_PASSWORD", () => {
    const run = dlaWith({ NATS_USER: "ana", NATS_PASSWORD: "s3cret" }, "status", "--nats", guarded.url, "--run", "none")
    expect(run.stderr).toContain('no state for run "none"')
    expect(run.stderr).not.toContain("s3cret")
  })

  it("warns once when the server asks for no credentials", () => {
    const run = dla("status", "--nats", open.url, "--user", "ana", "--password", "s3cret", "--run", "none")
    const warnings = diagnostics(run.stderr).filter((line) => line.startsWith("WARN "))
    expect(warnings).toEqual([
      `WARN NATS at ${open.url} asks for no credentials: anyone can connect there (see docs/security.md)`
    ])
    expect(run.stderr).toContain('no state for run "none"')
  })
})

describe("NATS_URL", () => {
  it.each([["status"], ["dashboard"], ["worker"], ["master", "."], ["analyse", "."]])(
    "%s connects to NATS_URL without --nats",
    (...args) => {
      const run = dlaWith({ NATS_URL: closed }, ...args)
      expect(run.stderr.trim()).toBe(`dla: cannot connect to NATS at ${closed}: connection refused`)
      expect(run.status).toBe(1)
    }
  )

  it("--nats wins over NATS_URL", () => {
    const run = dlaWith({ NATS_URL: "nats://127.0.0.1:1" }, "status", "--nats", closed)
    expect(run.stderr.trim()).toBe(`dla: cannot connect to NATS at ${closed}: connection refused`)
  })
})
