/**
 * LocalMaster endpoints of issue 10 over `handle`: users create/patch, templates (and `template` on experiment
 * creation), resource-pool bindings and available pools, model-version metrics, TensorBoard file deletion, each
 * with the real master's errors.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { LocalMaster } from "effect-determined/testing"
import { hashPassword } from "../../src/testing/internal/domain/users.js"
import { call, singleConfig } from "./helpers.js"

const setup = (options: LocalMaster.Options = {}) =>
  Effect.gen(function*() {
    const master = yield* LocalMaster.make({ seed: 5, ...options })
    const admin = yield* master.token("admin")
    const user = yield* master.token("determined")
    const req = (method: string, path: string, body?: unknown, token = admin) =>
      call(master, method, path, body === undefined ? { token } : { token, body })
    const ok = (method: string, path: string, body?: unknown, token = admin) =>
      req(method, path, body, token).pipe(
        Effect.map((r) => {
          assert.strictEqual(r.status, 200, `${method} ${path}: ${r.text}`)
          return r.json
        })
      )
    const fails = (status: number, message: string) => (method: string, path: string, body?: unknown, token = admin) =>
      req(method, path, body, token).pipe(
        Effect.map((r) => {
          assert.strictEqual(r.status, status, `${method} ${path}: ${r.text}`)
          assert.strictEqual(r.json.error.error, message)
          return r.json
        })
      )
    return { master, admin, user, req, ok, fails }
  })

describe("LocalMaster users", () => {
  it.scoped("create hashes passwords as upstream; the new user logs in with the plain or hashed password", () =>
    Effect.gen(function*() {
      const t = yield* setup()
      const created = yield* t.ok("POST", "/api/v1/users", {
        user: { username: "  alice ", active: true, displayName: "Alice A" },
        password: hashPassword("Sup3rSecret"),
        isHashed: true
      })
      assert.strictEqual(created.user.username, "alice")
      assert.strictEqual(created.user.displayName, "Alice A")
      assert.strictEqual(created.user.agentUserGroup, null)
      const login = (password: string, isHashed: boolean) =>
        call(t.master, "POST", "/api/v1/auth/login", { body: { username: "alice", password, isHashed } })
      assert.strictEqual((yield* login(hashPassword("Sup3rSecret"), true)).status, 200)
      assert.strictEqual((yield* login("Sup3rSecret", false)).status, 200)
      assert.strictEqual((yield* login("wrong", false)).status, 401)
      // plain password
      yield* t.ok("POST", "/api/v1/users", { user: { username: "bob", active: true }, password: "Pl4inText" })
      const bob = (password: string, isHashed: boolean) =>
        call(t.master, "POST", "/api/v1/auth/login", { body: { username: "bob", password, isHashed } })
      assert.strictEqual((yield* bob(hashPassword("Pl4inText"), true)).status, 200)
      assert.strictEqual((yield* bob("Pl4inText", false)).status, 200)
      // errors
      yield* t.fails(500, "code=400, message=user already exists")("POST", "/api/v1/users", {
        user: { username: "bob", active: true }
      })
      yield* t.fails(403, "only admin privileged users can create users")(
        "POST",
        "/api/v1/users",
        { user: { username: "carol" } },
        t.user
      )
      yield* t.fails(400, "Display name or username value has minimum length.")("POST", "/api/v1/users", {
        user: { username: "x" }
      })
      yield* t.fails(400, "Non-admin user cannot be renamed 'admin'")("POST", "/api/v1/users", {
        user: { username: "Admin" }
      })
      yield* t.fails(400, "cannot set password for remote user")("POST", "/api/v1/users", {
        user: { username: "sso", remote: true },
        password: "x"
      })
      yield* t.fails(400, "must specify user to create")("POST", "/api/v1/users", {})
      yield* t.fails(400, "agentUid, agentGid, agentUser and agentGroup cannot be empty")("POST", "/api/v1/users", {
        user: { username: "dave", agentUserGroup: { agentUid: 1 } }
      })
    }))

  it.scoped("patch: username, display name, active, password, agent user group, admin", () =>
    Effect.gen(function*() {
      const t = yield* setup()
      const id = (yield* t.ok("POST", "/api/v1/users", { user: { username: "erin", active: true } })).user.id
      const patched = yield* t.ok("PATCH", `/api/v1/users/${id}`, {
        username: "erin2",
        displayName: "Erin",
        active: false,
        admin: true,
        agentUserGroup: { agentUid: 1000, agentGid: 1001, agentUser: "erin", agentGroup: "staff" }
      })
      assert.strictEqual(patched.user.username, "erin2")
      assert.strictEqual(patched.user.displayName, "Erin")
      assert.strictEqual(patched.user.active, false)
      assert.strictEqual(patched.user.admin, true)
      assert.deepStrictEqual(patched.user.agentUserGroup, {
        agentUid: 1000,
        agentGid: 1001,
        agentUser: "erin",
        agentGroup: "staff"
      })
      const read = yield* t.ok("GET", `/api/v1/users/${id}`)
      assert.deepStrictEqual(read.user.agentUserGroup, patched.user.agentUserGroup)
      yield* t.ok("PATCH", `/api/v1/users/${id}`, {
        active: true,
        password: hashPassword("N3wPassword"),
        isHashed: true
      })
      const login = yield* call(t.master, "POST", "/api/v1/auth/login", {
        body: { username: "erin2", password: "N3wPassword" }
      })
      assert.strictEqual(login.status, 200)
      // a user changes their own display name and password, not someone else's, nor active/admin
      yield* t.ok("PATCH", "/api/v1/users/2", { displayName: "Det" }, t.user)
      yield* t.fails(403, "only admin privileged users can set another user's display name")(
        "PATCH",
        `/api/v1/users/${id}`,
        { displayName: "nope" },
        t.user
      )
      yield* t.fails(403, "only admin privileged users can update users")("PATCH", "/api/v1/users/2", {
        active: false
      }, t.user)
      yield* t.fails(400, "can not change display name to erin2 found a similar username or display name")(
        "PATCH",
        "/api/v1/users/2",
        { displayName: "erin2" }
      )
      yield* t.fails(400, "User cannot be renamed 'determined'")("PATCH", `/api/v1/users/${id}`, {
        username: "Determined"
      })
      yield* t.fails(404, "user not found")("PATCH", "/api/v1/users/999", { active: true })
    }))
})

describe("LocalMaster templates", () => {
  it.scoped("post, get, list, put, patch config, rename, delete; errors as upstream", () =>
    Effect.gen(function*() {
      const t = yield* setup()
      const config = { resources: { slots_per_trial: 2 }, description: "from template" }
      const posted = yield* t.ok("POST", "/api/v1/templates/base", { name: "base", config })
      assert.deepStrictEqual(posted.template, { name: "base", config, workspaceId: 1 })
      yield* t.fails(
        500,
        `failed to create template base: ERROR #23505 duplicate key value violates unique constraint "templates_pkey"`
      )(
        "POST",
        "/api/v1/templates/base",
        { name: "base", config }
      )
      yield* t.fails(404, "workspace '77' not found")("POST", "/api/v1/templates/other", {
        name: "other",
        config: {},
        workspaceId: 77
      })
      yield* t.ok("POST", "/api/v1/templates/alpha", { name: "alpha", config: { a: 1 } })
      assert.deepStrictEqual((yield* t.ok("GET", "/api/v1/templates/base")).template, posted.template)
      yield* t.fails(404, "template 'nope' not found")("GET", "/api/v1/templates/nope")
      const list = yield* t.ok("GET", "/api/v1/templates")
      assert.deepStrictEqual(list.templates.map((x: any) => x.name), ["alpha", "base"])
      assert.deepStrictEqual(list.pagination, { offset: 0, limit: 0, startIndex: 0, endIndex: 2, total: 2 })
      const desc = yield* t.ok("GET", "/api/v1/templates?orderBy=ORDER_BY_DESC&name=AS")
      assert.deepStrictEqual(desc.templates.map((x: any) => x.name), ["base"])
      // put: upsert
      const put = yield* t.ok("PUT", "/api/v1/templates/gamma", { name: "gamma", config: { g: true } })
      assert.deepStrictEqual(put.template, { name: "gamma", config: { g: true }, workspaceId: 0 })
      assert.strictEqual((yield* t.ok("GET", "/api/v1/templates/gamma")).template.workspaceId, 1)
      const put2 = yield* t.ok("PUT", "/api/v1/templates/gamma", { name: "gamma", config: { g: false } })
      assert.deepStrictEqual(put2.template, { name: "gamma", config: { g: false }, workspaceId: 1 })
      // patch config replaces the whole config
      const patched = yield* t.ok("PATCH", "/api/v1/templates/gamma", { h: 2 })
      assert.deepStrictEqual(patched.template.config, { h: 2 })
      yield* t.fails(500, "not found")("PATCH", "/api/v1/templates/nope", { h: 2 })
      // rename
      const renamed = yield* t.ok("PATCH", "/api/v1/template/rename", { oldName: "gamma", newName: "delta" })
      assert.strictEqual(renamed.template.name, "delta")
      yield* t.fails(404, "template 'gamma' not found")("GET", "/api/v1/templates/gamma")
      yield* t.fails(500, "not found")("PATCH", "/api/v1/template/rename", { oldName: "gamma", newName: "x" })
      // delete
      yield* t.ok("DELETE", "/api/v1/templates/delta")
      yield* t.fails(500, "not found")("DELETE", "/api/v1/templates/delta")
    }))

  it.scoped("an experiment created with a template has the template's config merged under its own", () =>
    Effect.gen(function*() {
      const t = yield* setup()
      yield* t.ok("POST", "/api/v1/templates/tpl", {
        name: "tpl",
        config: {
          description: "template description",
          max_restarts: 7,
          resources: { max_slots: 4, priority: 10 },
          labels: ["from-template"]
        }
      })
      const text = singleConfig(100, "resources: {priority: 3}\nlabels: [mine]")
      const r = yield* t.ok("POST", "/api/v1/experiments", { config: text, template: "tpl", activate: false })
      const cfg = r.experiment.config
      assert.strictEqual(cfg.description, "template description")
      assert.strictEqual(cfg.max_restarts, 7)
      assert.strictEqual(cfg.resources.max_slots, 4)
      assert.strictEqual(cfg.resources.priority, 3)
      assert.deepStrictEqual(cfg.labels, ["mine"])
      assert.strictEqual(cfg.name, "test")
      assert.strictEqual(r.experiment.originalConfig, text)
      yield* t.fails(404, "template 'missing' not found")("POST", "/api/v1/experiments", {
        config: text,
        template: "missing"
      })
      // validateOnly applies it too
      yield* t.fails(404, "template 'missing' not found")("POST", "/api/v1/experiments", {
        config: text,
        template: "missing",
        validateOnly: true
      })
    }))
})

describe("LocalMaster CreateExperiment: the master's order of checks (parseCreateExperiment)", () => {
  const slotsRefused = `<config>.resources: additionalProperties "slots" not allowed`

  it.scoped("a template holding resources.slots: the create succeeds (PAUSED), the merged config keeps its values", () =>
    Effect.gen(function*() {
      const t = yield* setup()
      yield* t.ok("POST", "/api/v1/templates/slots", { name: "slots", config: { resources: { slots: 0, weight: 1 } } })
      const text = singleConfig(100, "resources: {priority: 3}")
      // validateOnly takes the same path: the user's config holds no slots, the template's are merged after the check
      const validated = yield* t.ok("POST", "/api/v1/experiments", {
        config: text,
        template: "slots",
        validateOnly: true
      })
      assert.strictEqual(validated.experiment.id, 0)
      const r = yield* t.ok("POST", "/api/v1/experiments", { config: text, template: "slots", activate: false })
      assert.strictEqual(r.experiment.state, "STATE_PAUSED")
      const resources = r.experiment.config.resources
      assert.strictEqual(resources.slots, 0)
      assert.strictEqual(resources.weight, 1)
      assert.strictEqual(resources.priority, 3)
      assert.strictEqual(resources.slots_per_trial, 1)
      assert.deepStrictEqual(r.config.resources, resources)
      const got = yield* t.ok("GET", `/api/v1/experiments/${r.experiment.id}`)
      assert.strictEqual(got.experiment.state, "STATE_PAUSED")
      assert.strictEqual(got.config.resources.slots, 0)
      // the original config is the user's text, without the template
      assert.strictEqual(got.experiment.originalConfig, text)
    }))

  it.scoped("resources.slots in the user's own config: 500 with the master's message, template or not, validateOnly or not", () =>
    Effect.gen(function*() {
      const t = yield* setup()
      yield* t.ok("POST", "/api/v1/templates/slots", { name: "slots", config: { resources: { slots: 0 } } })
      const text = singleConfig(100, "resources: {slots: 2}")
      for (
        const extra of [{}, { template: "slots" }, { validateOnly: true }, { template: "slots", validateOnly: true }]
      ) {
        const r = yield* t.fails(500, slotsRefused)("POST", "/api/v1/experiments", { config: text, ...extra })
        assert.deepStrictEqual(r, { error: { code: 13, reason: "Internal", error: slotsRefused } })
      }
      // checked before the template: even an unknown template answers the slots error
      yield* t.fails(500, slotsRefused)("POST", "/api/v1/experiments", { config: text, template: "missing" })
      assert.strictEqual((yield* t.ok("GET", "/api/v1/experiments")).experiments.length, 0)
    }))

  it.scoped("no searcher: 500 with IsComplete's message; no entrypoint: 500, unless the template gives one", () =>
    Effect.gen(function*() {
      const t = yield* setup()
      const noSearcher = "invalid experiment configuration: config is invalid or incomplete: " +
        "<config>: searcher is a required property"
      for (const validateOnly of [false, true]) {
        yield* t.fails(500, noSearcher)("POST", "/api/v1/experiments", {
          config: "name: x\nentrypoint: python3 train.py\n",
          validateOnly
        })
        // the entrypoint is checked first (and an empty one is an entrypoint)
        yield* t.fails(500, "managed experiments require entrypoint")("POST", "/api/v1/experiments", {
          config: "name: x\n",
          validateOnly
        })
        yield* t.fails(500, noSearcher)("POST", "/api/v1/experiments", {
          config: "name: x\nentrypoint: ''\n",
          validateOnly
        })
      }
      yield* t.ok("POST", "/api/v1/templates/entry", { name: "entry", config: { entrypoint: "python3 train.py" } })
      const withoutEntrypoint = "name: x\nsearcher: {name: single, metric: loss}\n"
      const r = yield* t.ok("POST", "/api/v1/experiments", { config: withoutEntrypoint, template: "entry" })
      assert.strictEqual(r.experiment.config.entrypoint, "python3 train.py")
    }))
})

describe("LocalMaster resource-pool bindings", () => {
  it.scoped("binding the default pool fails with the upstream message", () =>
    Effect.gen(function*() {
      const t = yield* setup()
      const message = "default resource pool default cannot be bound to any workspace"
      const r = yield* t.fails(500, message)("POST", "/api/v1/resource-pools/default/workspace-bindings", {
        resourcePoolName: "default",
        workspaceIds: [1]
      })
      assert.deepStrictEqual(r, { error: { code: 13, reason: "Internal", error: message } })
      yield* t.fails(500, message)("PUT", "/api/v1/resource-pools/default/workspace-bindings", {
        resourcePoolName: "default",
        workspaceIds: [1]
      })
    }))

  it.scoped("bind, list, overwrite, unbind; available pools of a workspace", () =>
    Effect.gen(function*() {
      const t = yield* setup({ resourcePools: ["gpu", "cpu-spot"] })
      const ws = (yield* t.ok("POST", "/api/v1/workspaces", { name: "team" })).workspace.id
      const pools = yield* t.ok("GET", "/api/v1/resource-pools")
      assert.deepStrictEqual(pools.resourcePools.map((p: any) => [p.name, p.defaultComputePool]), [
        ["cpu-spot", false],
        ["default", true],
        ["gpu", false]
      ])
      const bindings = (pool: string) => t.ok("GET", `/api/v1/resource-pools/${pool}/workspace-bindings?limit=10`)
      const available = (id: number) => t.ok("GET", `/api/v1/workspaces/${id}/available-resource-pools?limit=10`)
      assert.deepStrictEqual((yield* available(ws)).resourcePools, ["default", "gpu", "cpu-spot"])
      yield* t.ok("POST", "/api/v1/resource-pools/gpu/workspace-bindings", {
        resourcePoolName: "gpu",
        workspaceNames: ["team"]
      })
      assert.deepStrictEqual((yield* bindings("gpu")).workspaceIds, [ws])
      assert.deepStrictEqual((yield* bindings("gpu")).pagination, {
        offset: 0,
        limit: 10,
        startIndex: 0,
        endIndex: 1,
        total: 1
      })
      // gpu is bound: only its workspace sees it
      assert.deepStrictEqual((yield* available(ws)).resourcePools, ["gpu", "default", "cpu-spot"])
      assert.deepStrictEqual((yield* available(1)).resourcePools, ["default", "cpu-spot"])
      const unbound = yield* t.ok("GET", "/api/v1/resource-pools?unbound=true")
      assert.deepStrictEqual(unbound.resourcePools.map((p: any) => p.name), ["cpu-spot", "default"])
      yield* t.fails(500, `ERROR #23505 duplicate key value violates unique constraint "rp_workspace_bindings_pkey"`)(
        "POST",
        "/api/v1/resource-pools/gpu/workspace-bindings",
        { resourcePoolName: "gpu", workspaceIds: [ws] }
      )
      yield* t.ok("PUT", "/api/v1/resource-pools/gpu/workspace-bindings", {
        resourcePoolName: "gpu",
        workspaceIds: [1]
      })
      assert.deepStrictEqual((yield* bindings("gpu")).workspaceIds, [1])
      yield* t.ok("DELETE", "/api/v1/resource-pools/gpu/workspace-bindings", {
        resourcePoolName: "gpu",
        workspaceIds: [1]
      })
      assert.deepStrictEqual((yield* bindings("gpu")).workspaceIds, [])
      // errors
      yield* t.fails(500, "pool with name nope doesn't exist")(
        "POST",
        "/api/v1/resource-pools/nope/workspace-bindings",
        {
          resourcePoolName: "nope",
          workspaceIds: [1]
        }
      )
      yield* t.fails(500, "pool with name nope doesn't exist or is not available")(
        "GET",
        "/api/v1/resource-pools/nope/workspace-bindings?limit=1"
      )
      yield* t.fails(500, "the following workspaces do not exist: [ghost]")(
        "POST",
        "/api/v1/resource-pools/gpu/workspace-bindings",
        { resourcePoolName: "gpu", workspaceNames: ["ghost"] }
      )
      yield* t.fails(500, " workspace with id 1 and pool with name  gpu binding doesn't exist")(
        "DELETE",
        "/api/v1/resource-pools/gpu/workspace-bindings",
        { resourcePoolName: "gpu", workspaceIds: [1] }
      )
      yield* t.fails(500, "only admin privileged users can bind resource pool to a workspace")(
        "POST",
        "/api/v1/resource-pools/gpu/workspace-bindings",
        { resourcePoolName: "gpu", workspaceIds: [1] },
        t.user
      )
    }))
})

describe("LocalMaster model-version metrics and TensorBoard files", () => {
  it.scoped("model-version metrics: [] for a known version, 404s otherwise; tensorboard deletion answers {}", () =>
    Effect.gen(function*() {
      const t = yield* setup()
      const [expId] = yield* t.master.seedExperiments(1)
      const ckpt = (yield* t.ok("GET", `/api/v1/experiments/${expId}/checkpoints`)).checkpoints[0]
      yield* t.ok("POST", "/api/v1/models", { name: "m" })
      yield* t.ok("POST", "/api/v1/models/m/versions", { modelName: "m", checkpointUuid: ckpt.uuid })
      assert.deepStrictEqual(yield* t.ok("GET", "/api/v1/models/m/versions/1/metrics"), { metrics: [] })
      assert.deepStrictEqual(
        yield* t.ok("GET", "/api/v1/models/m/versions/1/metrics?trialSourceInfoType=TRIAL_SOURCE_INFO_TYPE_INFERENCE"),
        { metrics: [] }
      )
      yield* t.fails(404, `version 2 for model "m" not found`)("GET", "/api/v1/models/m/versions/2/metrics")
      assert.strictEqual((yield* t.req("GET", "/api/v1/models/zzz/versions/1/metrics")).status, 404)
      assert.deepStrictEqual(yield* t.ok("DELETE", `/api/v1/experiments/${expId}/tensorboard-files`), {})
      yield* t.fails(500, "not found")("DELETE", "/api/v1/experiments/999/tensorboard-files")
    }))
})
