/**
 * SDK operations against LocalMaster's issue-10 endpoints: User.create / patch / setters / linkWithAgent,
 * ResourcePool bindings, ModelVersion.metrics, Checkpoint.metrics, Template, and Experiment.create with a
 * template; a scripted trial read through the SDK.
 */
import { assert, describe, it } from "@effect/vitest"
import { Chunk, Effect, Stream, TestClock } from "effect"
import {
  Checkpoint,
  Experiment,
  Metrics,
  Model,
  ModelVersion,
  ResourcePool,
  Template,
  Trial,
  User,
  Workspace
} from "effect-determined"
import { LocalMaster, Script } from "effect-determined/testing"
import { failure } from "./localHelpers.js"

const asAdmin = <A, E>(effect: Effect.Effect<A, E, any>) =>
  Effect.provide(
    effect,
    LocalMaster.layer({ seed: 10, resourcePools: ["gpu", "cpu"], login: { username: "admin" } })
  ) as Effect.Effect<A, E>

const asUser = <A, E>(effect: Effect.Effect<A, E, any>) =>
  Effect.provide(effect, LocalMaster.layer({ seed: 10 })) as Effect.Effect<A, E>

describe("User writes against LocalMaster", () => {
  it.effect("create (hashed password) then the new user logs in; patch and setters; linkWithAgent", () =>
    asAdmin(Effect.gen(function*() {
      const bob = yield* User.create("bob", { password: "Sup3rSecret", displayName: "Bob" })
      assert.strictEqual(bob.username, "bob")
      assert.strictEqual(bob.displayName, "Bob")
      assert.strictEqual(bob.active, true)
      // the stored password works for a plain-text login (the hashed login is covered in endpoints10.test.ts)
      const master = yield* LocalMaster.LocalMaster
      for (const body of [{ username: "bob", password: "Sup3rSecret" }]) {
        const r = yield* master.handle(
          new Request("http://local/api/v1/auth/login", { method: "POST", body: JSON.stringify(body) })
        )
        assert.strictEqual(r.status, 200)
      }
      const renamed = yield* User.rename(bob.id, "robert")
      assert.strictEqual(renamed.username, "robert")
      assert.strictEqual((yield* User.deactivate(bob.id)).active, false)
      assert.strictEqual((yield* User.setAdmin(bob.id, true)).admin, true)
      assert.strictEqual((yield* User.setDisplayName(bob.id, "Rob")).displayName, "Rob")
      yield* User.setPassword(bob.id, "N3wSecret!")
      const linked = yield* User.linkWithAgent(bob.id, {
        agentUid: 1000,
        agentGid: 1000,
        agentUser: "rob",
        agentGroup: "ml"
      })
      assert.deepStrictEqual(
        { ...linked.agentUserGroup },
        { agentUid: 1000, agentGid: 1000, agentUser: "rob", agentGroup: "ml" }
      )
      const fresh = yield* User.reload(bob.id)
      assert.strictEqual(fresh.username, "robert")
      assert.strictEqual(fresh.agentUserGroup?.agentUser, "rob")
      // the master's errors come back typed
      const dup = failure(yield* Effect.exit(User.create("robert", { password: "Sup3rSecret" })))
      assert.strictEqual(dup._tag, "ServerError")
      const missing = failure(yield* Effect.exit(User.activate(999)))
      assert.strictEqual(missing._tag, "NotFound")
    })))

  it.effect("a non-admin cannot create users (Forbidden)", () =>
    asUser(Effect.gen(function*() {
      const e = failure(yield* Effect.exit(User.create("eve", { password: "Sup3rSecret" })))
      assert.strictEqual(e._tag, "Forbidden")
    })))
})

describe("ResourcePool bindings against LocalMaster", () => {
  it.effect("bind by name and id, list ids and workspaces, Workspace.listPools, overwrite, unbind; default pool refused", () =>
    asAdmin(Effect.gen(function*() {
      const ws = yield* Workspace.create("team")
      const pools = yield* ResourcePool.list()
      assert.deepStrictEqual(pools.map((p) => p.name), ["cpu", "default", "gpu"])
      assert.deepStrictEqual(yield* Workspace.listPools(ws.id), ["default", "gpu", "cpu"])
      yield* ResourcePool.bind("gpu", ["team", 1])
      assert.deepStrictEqual(yield* Workspace.listPools(ws.id), ["gpu", "default", "cpu"])
      assert.deepStrictEqual([...(yield* ResourcePool.listWorkspaceIds("gpu"))].sort(), [1, ws.id].sort())
      const bound = yield* ResourcePool.listWorkspaces("gpu")
      assert.deepStrictEqual(bound.map((w) => w.name).sort(), ["Uncategorized", "team"])
      yield* ResourcePool.overwriteBindings("gpu", [ws.id])
      assert.deepStrictEqual(yield* ResourcePool.listWorkspaceIds("gpu"), [ws.id])
      yield* ResourcePool.unbind("gpu", ["team"])
      assert.deepStrictEqual(yield* ResourcePool.listWorkspaceIds("gpu"), [])
      const refused = failure(yield* Effect.exit(ResourcePool.bind("default", [ws.id])))
      assert.strictEqual(refused._tag, "ServerError")
      assert.strictEqual((refused as any).message, "default resource pool default cannot be bound to any workspace")
    })))
})

describe("ModelVersion.metrics and Checkpoint.metrics against LocalMaster", () => {
  it.effect("a registered checkpoint has no inference metrics; unknown versions are NotFound", () =>
    asAdmin(Effect.gen(function*() {
      const master = yield* LocalMaster.LocalMaster
      const [expId] = yield* master.seedExperiments(1)
      const [ckpt] = yield* Experiment.listCheckpoints(expId!)
      yield* Model.create("mnist")
      const mv = yield* ModelVersion.register("mnist", ckpt!.uuid)
      assert.deepStrictEqual(yield* ModelVersion.metrics("mnist", mv.version), [])
      assert.deepStrictEqual(yield* ModelVersion.metrics("mnist", mv.version, { group: "inference" }), [])
      const e = failure(yield* Effect.exit(ModelVersion.metrics("mnist", 42)))
      assert.strictEqual(e._tag, "NotFound")
      assert.deepStrictEqual(yield* Checkpoint.metrics(ckpt!.uuid), [])
    })))
})

describe("Template against LocalMaster", () => {
  it.effect("create, get (cached), list, put, setConfig, rename, delete; Experiment.create merges it", () =>
    asAdmin(Effect.gen(function*() {
      const t = yield* Template.create("base", { max_restarts: 4, resources: { priority: 9 } })
      assert.strictEqual(t.workspaceId, 1)
      const master = yield* LocalMaster.LocalMaster
      yield* master.resetRequests
      assert.deepStrictEqual(yield* Template.get("base"), t)
      assert.strictEqual((yield* master.requests).length, 0)
      yield* Template.create("other", { description: "x" })
      assert.deepStrictEqual((yield* Template.list()).map((x) => x.name), ["base", "other"])
      assert.deepStrictEqual((yield* Template.list({ orderBy: "desc", name: "OTH" })).map((x) => x.name), ["other"])
      const put = yield* Template.put("third", { a: 1 })
      assert.strictEqual(put.name, "third")
      assert.deepStrictEqual((yield* Template.setConfig("third", { b: 2 })).config, { b: 2 })
      const renamed = yield* Template.rename("third", "fourth")
      assert.strictEqual(renamed.name, "fourth")
      assert.strictEqual(failure(yield* Effect.exit(Template.reload("third")))._tag, "NotFound")
      yield* Template.delete("fourth")
      assert.strictEqual(failure(yield* Effect.exit(Template.get("fourth")))._tag, "NotFound")
      // template on creation
      const exp = yield* Experiment.create({
        config: {
          name: "with-template",
          entrypoint: "python3 train.py",
          searcher: { name: "single", metric: "x", max_length: { batches: 100 } },
          resources: { priority: 2 }
        },
        template: "base",
        activate: false
      })
      const config = exp.config as any
      assert.strictEqual(config.max_restarts, 4)
      assert.strictEqual(config.resources.priority, 2)
    })))
})

describe("A scripted trial through the SDK", () => {
  it.effect("Trial.get and Metrics see exactly the scripted reports", () =>
    asUser(Effect.gen(function*() {
      const values = [0.9, 0.5, 0.25]
      const exp = yield* Experiment.create({
        config: Script.config(Script.make(values.map((v) => Script.report("validation", { x: v })))),
        activate: true
      })
      yield* TestClock.adjust("2 seconds")
      const [trial] = yield* Experiment.listTrials(exp.id)
      const t = yield* Trial.reload(trial!.id)
      assert.strictEqual(t.state, "COMPLETED")
      assert.strictEqual(t.totalBatchesProcessed, 3)
      const reports = Chunk.toReadonlyArray(
        yield* Stream.runCollect(Metrics.stream([t.id], { group: "validation" }))
      )
      assert.deepStrictEqual(reports.map((r) => [r.stepsCompleted, r.metrics.x]), [[1, 0.9], [2, 0.5], [3, 0.25]])
    })))
})
