/**
 * LocalMaster over real loopback HTTP: `serve` on port 0, a plain fetch login, GET /api/v1/experiments, a
 * streamed response, a client that goes away mid-stream, and the SDK layer in process.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import type { Determined } from "effect-determined"
import { Workspace } from "effect-determined"
import { LocalMaster } from "effect-determined/testing"
import { singleConfig } from "./helpers.js"

const fetchJson = (url: string, init?: RequestInit) =>
  Effect.promise(async () => {
    const r = await fetch(url, init)
    return { status: r.status, headers: r.headers, json: (await r.json()) as any }
  })

describe("LocalMaster.serve", () => {
  it.scopedLive("answers a plain login and GET /api/v1/experiments on 127.0.0.1", () =>
    Effect.gen(function*() {
      const { master, port, url } = yield* LocalMaster.serve({ port: 0, speed: 1000 })
      assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/)
      assert.isAbove(port, 0)
      const info = yield* fetchJson(`${url}/api/v1/master`)
      assert.strictEqual(info.json.version, "0.38.1")
      const login = yield* fetchJson(`${url}/api/v1/auth/login`, {
        method: "POST",
        body: JSON.stringify({ username: "determined", password: "" })
      })
      assert.strictEqual(login.status, 200)
      assert.match(login.headers.get("set-cookie") ?? "", /^auth=/)
      const token = login.json.token as string
      const denied = yield* fetchJson(`${url}/api/v1/experiments`)
      assert.strictEqual(denied.status, 401)
      assert.deepStrictEqual(denied.json, { error: { code: 16, reason: "Unauthenticated", error: "token missing" } })
      const auth = { authorization: `Bearer ${token}` }
      const created = yield* fetchJson(`${url}/api/v1/experiments`, {
        method: "POST",
        headers: auth,
        body: JSON.stringify({ config: singleConfig(200), activate: true })
      })
      assert.strictEqual(created.status, 200)
      const list = yield* fetchJson(`${url}/api/v1/experiments`, { headers: auth })
      assert.strictEqual(list.status, 200)
      assert.strictEqual(list.json.experiments.length, 1)
      assert.strictEqual(list.json.pagination.total, 1)
      const requests = yield* master.requests
      assert.deepStrictEqual(requests.map((r) => `${r.method} ${r.path}`), [
        "GET /api/v1/master",
        "POST /api/v1/auth/login",
        "GET /api/v1/experiments",
        "POST /api/v1/experiments",
        "GET /api/v1/experiments"
      ])
    }))

  it.scopedLive("streams newline-delimited lines, and a client leaving a follow stream stops it", () =>
    Effect.gen(function*() {
      const { master, url } = yield* LocalMaster.serve({ speed: 1000 })
      const token = yield* master.token()
      const headers = { authorization: `Bearer ${token}` }
      const exp = yield* fetchJson(`${url}/api/v1/experiments`, {
        method: "POST",
        headers,
        body: JSON.stringify({ config: singleConfig(100_000), activate: true })
      })
      const trialId = exp.json.experiment.trialIds[0] as number
      yield* master.seedLogs(trialId, 2500)
      const text = yield* Effect.promise(() =>
        fetch(`${url}/api/v1/trials/${trialId}/logs?limit=2000`, { headers }).then((r) => r.text())
      )
      const lines = text.split("\n").filter((l) => l !== "")
      assert.strictEqual(lines.length, 2000)
      assert.isTrue(lines.every((l) => JSON.parse(l).result.trialId === trialId))
      // follow: read the first chunk, then abort; the server must stay healthy
      const controller = new AbortController()
      const first = yield* Effect.promise(async () => {
        const r = await fetch(`${url}/api/v1/trials/${trialId}/logs?follow=true`, {
          headers,
          signal: controller.signal
        })
        const reader = r.body!.getReader()
        const chunk = await reader.read()
        controller.abort()
        return new TextDecoder().decode(chunk.value)
      })
      assert.match(first, /^\{"result":/)
      const again = yield* fetchJson(`${url}/api/v1/trials/${trialId}`, { headers })
      assert.strictEqual(again.status, 200)
    }))

  it.scopedLive("the closed scope closes the server", () =>
    Effect.gen(function*() {
      const url = yield* Effect.scoped(LocalMaster.serve().pipe(Effect.map((s) => s.url)))
      const result = yield* Effect.promise(() => fetch(`${url}/api/v1/master`).then(() => "open", () => "closed"))
      assert.strictEqual(result, "closed")
    }))

  it.scopedLive("a port in use is a ServeError, not a defect, and the first server keeps serving", () =>
    Effect.gen(function*() {
      const first = yield* LocalMaster.serve()
      const error = yield* Effect.flip(LocalMaster.serve({ port: first.port }))
      assert.strictEqual(error._tag, "ServeError")
      assert.strictEqual(error.reason, "PortInUse")
      assert.strictEqual(error.port, first.port)
      const r = yield* Effect.promise(() => fetch(`${first.url}/api/v1/master`))
      assert.strictEqual(r.status, 200)
    }))

  it.scopedLive("a port that is no port is a ServeError{reason: InvalidPort}", () =>
    Effect.gen(function*() {
      for (const port of [-1, 70000, 1.5, Number.NaN]) {
        const error = yield* Effect.flip(LocalMaster.serve({ port }))
        assert.strictEqual(error._tag, "ServeError")
        assert.strictEqual(error.reason, "InvalidPort")
      }
    }))
})

describe("LocalMaster.layer", () => {
  it.scoped("provides the SDK services against an in-process master, logged in as determined", () =>
    Effect.gen(function*() {
      const master = yield* LocalMaster.LocalMaster
      const services = yield* Effect.context<Determined.Services>()
      assert.isDefined(services)
      const token = yield* master.token()
      const r = yield* master.handle(
        new Request("http://local/api/v1/me", { headers: { authorization: `Bearer ${token}` } })
      )
      assert.strictEqual(r.status, 200)
      const ws = yield* Workspace.get(1)
      assert.strictEqual(ws.name, "Uncategorized")
      const paths = (yield* master.requests).map((x) => `${x.method} ${x.path}`)
      assert.deepStrictEqual(paths.filter((p) => p !== "GET /api/v1/me"), [
        "POST /api/v1/auth/login",
        "GET /api/v1/workspaces/1"
      ])
    }).pipe(Effect.provide(LocalMaster.layer({ seed: 1 }))))
})
