import { assert, describe, it } from "@effect/vitest"
import { Chunk, Effect, Stream } from "effect"
import { Master, ResourcePool, Workspace } from "effect-determined"
import { LocalMaster } from "effect-determined/testing"
import { json, loginOk, makeMockHttp, type Recorded } from "../utils/mockHttp.js"
import { failure } from "./localHelpers.js"

// Pools and master info against LocalMaster; workspace bindings over a mock HTTP client until LocalMaster serves
// them (issue 10).

const local = <A, E>(effect: Effect.Effect<A, E, any>) =>
  Effect.provide(effect, LocalMaster.layer({ seed: 9 })) as Effect.Effect<A, E>

describe("ResourcePool against LocalMaster", () => {
  it.effect("list and stream: the default pool", () =>
    local(Effect.gen(function*() {
      const pools = yield* ResourcePool.list()
      assert.deepStrictEqual(pools.map((p) => p.name), ["default"])
      const streamed = yield* Stream.runCollect(ResourcePool.stream())
      assert.strictEqual(Chunk.size(streamed), 1)
      // upstream's GetUnboundRPs: a pool bound to no workspace is unbound, and the default pool can never be bound
      assert.deepStrictEqual((yield* ResourcePool.list({ unbound: true })).map((p) => p.name), ["default"])
    })))
})

describe("Master against LocalMaster", () => {
  it.effect("info", () =>
    local(Effect.gen(function*() {
      const info = yield* Master.info()
      assert.strictEqual(info.version, "0.38.1")
      assert.strictEqual(info.product, "UNSPECIFIED")
      assert.isTrue(info.userManagementEnabled)
      assert.strictEqual(info.clusterMessage, null)
    })))
})

const workspaceJson = (id: number) => ({
  id,
  name: `ws-${id}`,
  archived: false,
  username: "admin",
  immutable: false,
  numProjects: 0,
  pinned: false,
  userId: 1,
  numExperiments: 0,
  state: "WORKSPACE_STATE_UNSPECIFIED",
  errorMessage: ""
})

const poolsMaster = (r: Recorded): Response => {
  if (r.path === "/api/v1/auth/login") return loginOk()
  if (r.path === "/api/v1/resource-pools/gpu%20pool/workspace-bindings" && r.method === "GET") {
    const offset = Number(r.query.get("offset") ?? 0)
    return json({
      workspaceIds: offset === 0 ? [3, 4] : [5],
      pagination: { offset, limit: 2, startIndex: offset, endIndex: offset === 0 ? 2 : 3, total: 3 }
    })
  }
  if (r.path.endsWith("/workspace-bindings")) {
    return r.path.startsWith("/api/v1/resource-pools/missing/")
      ? json({ error: { code: 5, reason: "NotFound", error: "pool not found" } }, 404)
      : json({})
  }
  const m = /^\/api\/v1\/workspaces\/(\d+)$/.exec(r.path)
  if (m !== null) return json({ workspace: workspaceJson(Number(m[1])) })
  return json({ error: { code: 5, reason: "NotFound", error: "not found" } }, 404)
}

const sent = (log: ReadonlyArray<Recorded>) => log.filter((r) => r.path !== "/api/v1/auth/login")

describe("ResourcePool bindings over mock HTTP", () => {
  it.effect("listWorkspaces returns the bound workspaces with their names (upstream returns Nones)", () =>
    Effect.gen(function*() {
      const mock = yield* makeMockHttp(poolsMaster)
      const program = Effect.gen(function*() {
        const ids = yield* ResourcePool.listWorkspaceIds("gpu pool")
        assert.deepStrictEqual(ids, [3, 4, 5])
        const workspaces = yield* ResourcePool.listWorkspaces("gpu pool")
        assert.deepStrictEqual(workspaces.map((w) => [w.id, w.name]), [[3, "ws-3"], [4, "ws-4"], [5, "ws-5"]])
        // the workspaces went through the cache
        const before = sent(yield* mock.requests).length
        assert.strictEqual((yield* Workspace.get(4)).name, "ws-4")
        assert.strictEqual(sent(yield* mock.requests).length, before)
      })
      yield* program.pipe(Effect.provide(mock.layer()))
      const gets = sent(yield* mock.requests).map((r) => `${r.method} ${r.path}?${r.query}`)
      assert.deepStrictEqual(gets.slice(0, 2), [
        "GET /api/v1/resource-pools/gpu%20pool/workspace-bindings?offset=0",
        "GET /api/v1/resource-pools/gpu%20pool/workspace-bindings?offset=2"
      ])
    }))

  it.effect("bind / unbind / overwriteBindings send names and ids with POST / DELETE / PUT", () =>
    Effect.gen(function*() {
      const mock = yield* makeMockHttp(poolsMaster)
      yield* Effect.gen(function*() {
        yield* ResourcePool.bind("gpu", ["research", 7])
        yield* ResourcePool.unbind("gpu", ["research"])
        yield* ResourcePool.overwriteBindings("gpu", [7, 8])
        const missing = failure(yield* Effect.exit(ResourcePool.bind("missing", ["x"])))
        assert.strictEqual(missing._tag, "NotFound")
        if (missing._tag === "NotFound") {
          assert.strictEqual(missing.resource, "resourcePool")
          assert.strictEqual(missing.id, "missing")
        }
      }).pipe(Effect.provide(mock.layer()))
      const calls = sent(yield* mock.requests).map((r) => [r.method, r.path, r.body])
      assert.deepStrictEqual(calls.slice(0, 3), [
        ["POST", "/api/v1/resource-pools/gpu/workspace-bindings", {
          resourcePoolName: "gpu",
          workspaceNames: ["research"],
          workspaceIds: [7]
        }],
        ["DELETE", "/api/v1/resource-pools/gpu/workspace-bindings", {
          resourcePoolName: "gpu",
          workspaceNames: ["research"],
          workspaceIds: []
        }],
        ["PUT", "/api/v1/resource-pools/gpu/workspace-bindings", {
          resourcePoolName: "gpu",
          workspaceNames: [],
          workspaceIds: [7, 8]
        }]
      ])
    }))

  it.effect("a pool as a real master describes it decodes (enums as short names)", () =>
    Effect.gen(function*() {
      const mock = yield* makeMockHttp((r) =>
        r.path === "/api/v1/auth/login" ? loginOk() : json({
          resourcePools: [{
            name: "gpu",
            description: "",
            type: "RESOURCE_POOL_TYPE_AWS",
            numAgents: 2,
            slotsAvailable: 16,
            slotsUsed: 4,
            slotType: "TYPE_CUDA",
            schedulerType: "SCHEDULER_TYPE_PRIORITY",
            schedulerFittingPolicy: "FITTING_POLICY_BEST",
            maxIdleAgentPeriod: 300,
            details: { aws: null, gcp: null, priorityScheduler: { preemption: true, defaultPriority: 42 } },
            resourceManagerMetadata: {},
            clusterName: ""
          }],
          pagination: { offset: 0, limit: 0, startIndex: 0, endIndex: 1, total: 1 }
        })
      )
      const [pool] = yield* ResourcePool.list().pipe(Effect.provide(mock.layer()))
      assert.strictEqual(pool!.type, "AWS")
      assert.strictEqual(pool!.slotType, "CUDA")
      assert.strictEqual(pool!.schedulerType, "PRIORITY")
      assert.strictEqual(pool!.schedulerFittingPolicy, "BEST")
      assert.strictEqual(pool!.slotsAvailable - pool!.slotsUsed, 12)
    }))
})

describe("Master OAuth clients over mock HTTP", () => {
  it.effect("list / add / remove; a master without them answers 404 → NotFound", () =>
    Effect.gen(function*() {
      const mock = yield* makeMockHttp((r) => {
        if (r.path === "/api/v1/auth/login") return loginOk()
        if (r.path === "/oauth2/clients" && r.method === "GET") return json([{ id: 3, name: "okta", domain: "d" }])
        if (r.path === "/oauth2/clients" && r.method === "POST") return json({ id: 4, secret: "s3cret" })
        if (r.path === "/oauth2/clients/4" && r.method === "DELETE") return json({})
        return json({ error: { code: 5, reason: "NotFound", error: "not found" } }, 404)
      })
      yield* Effect.gen(function*() {
        const clients = yield* Master.listOauthClients()
        assert.deepStrictEqual(clients.map((c) => [c.id, c.name]), [["3", "okta"]])
        const added = yield* Master.addOauthClient("https://scim", "new")
        assert.strictEqual(added.id, "4")
        assert.strictEqual(added.secret, "s3cret")
        yield* Master.removeOauthClient("4")
        const missing = failure(yield* Effect.exit(Master.removeOauthClient("9")))
        assert.strictEqual(missing._tag, "NotFound")
      }).pipe(Effect.provide(mock.layer()))
    }))
})
