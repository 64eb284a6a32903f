import { assert, describe, it } from "@effect/vitest"
import { Chunk, Effect, Stream, TestClock } from "effect"
import { Project, Workspace } from "effect-determined"
import { LocalMaster } from "effect-determined/testing"
import { json, loginOk, makeMockHttp } from "../utils/mockHttp.js"
import { failure, requests, resetRequests } from "./localHelpers.js"

// Workspaces against LocalMaster; the requests the SDK sends are counted through the emulator's request log.

const local = <A, E>(effect: Effect.Effect<A, E, any>) =>
  Effect.provide(effect, LocalMaster.layer({ seed: 1, login: { username: "admin" } })) as Effect.Effect<A, E>

describe("Workspace against LocalMaster", () => {
  it.effect("create, get (cached), reload, list, getByName", () =>
    local(Effect.gen(function*() {
      const ws = yield* Workspace.create("research")
      assert.strictEqual(ws.name, "research")
      yield* resetRequests
      const got = yield* Workspace.get(ws.id)
      assert.strictEqual(got.id, ws.id)
      assert.strictEqual((yield* requests).length, 0, "create stored the workspace in the cache")
      const fresh = yield* Workspace.reload(ws.id)
      assert.strictEqual(fresh.name, "research")
      assert.strictEqual((yield* requests).length, 1)
      const all = yield* Workspace.list()
      assert.deepStrictEqual(all.map((w) => w.name).sort(), ["Uncategorized", "research"])
      const byName = yield* Workspace.getByName("research")
      assert.strictEqual(byName.id, ws.id)
      const streamed = yield* Stream.runCollect(Workspace.stream({ sortBy: "name", orderBy: "desc" }))
      assert.deepStrictEqual(Chunk.toReadonlyArray(streamed).map((w) => w.name), ["research", "Uncategorized"])
    })))

  it.effect("getByName of a missing workspace is NotFound{resource, id}", () =>
    local(Effect.gen(function*() {
      const e = failure(yield* Effect.exit(Workspace.getByName("nope")))
      assert.strictEqual(e._tag, "NotFound")
      if (e._tag === "NotFound") {
        assert.strictEqual(e.resource, "workspace")
        assert.strictEqual(e.id, "nope")
      }
      const byId = failure(yield* Effect.exit(Workspace.get(999)))
      assert.strictEqual(byId._tag, "NotFound")
      if (byId._tag === "NotFound") {
        assert.strictEqual(byId.resource, "workspace")
        assert.strictEqual(byId.id, "999")
      }
    })))

  it.effect("names needing URL encoding round-trip", () =>
    local(Effect.gen(function*() {
      for (const name of ["a/b", "100% sure", "with spaces", "ünïcödé ✓"]) {
        const ws = yield* Workspace.create(name)
        assert.strictEqual(ws.name, name)
        const found = yield* Workspace.getByName(name)
        assert.strictEqual(found.id, ws.id)
        const fresh = yield* Workspace.reload(ws.id)
        assert.strictEqual(fresh.name, name)
      }
    })))

  it.effect("setName updates a later cached get without a request; a held snapshot does not change", () =>
    local(Effect.gen(function*() {
      const ws = yield* Workspace.create("before")
      const held = yield* Workspace.get(ws.id)
      const renamed = yield* Workspace.setName(ws.id, "after")
      assert.strictEqual(renamed.name, "after")
      yield* resetRequests
      const later = yield* Workspace.get(ws.id)
      assert.strictEqual(later.name, "after")
      assert.strictEqual((yield* requests).length, 0)
      assert.strictEqual(held.name, "before")
      const patched = yield* Workspace.patch(ws.id, { defaultComputePool: "default", defaultAuxPool: "default" })
      assert.strictEqual(patched.defaultComputePool, "default")
    })))

  it.effect("archive / unarchive / pin / unpin drop the cached entry; the next get fetches the new state", () =>
    local(Effect.gen(function*() {
      const ws = yield* Workspace.create("toggles")
      yield* Workspace.archive(ws.id)
      assert.isTrue((yield* Workspace.get(ws.id)).archived)
      yield* Workspace.unarchive(ws.id)
      assert.isFalse((yield* Workspace.get(ws.id)).archived)
      yield* Workspace.unpin(ws.id)
      assert.isFalse((yield* Workspace.get(ws.id)).pinned)
      yield* Workspace.pin(ws.id)
      assert.isTrue((yield* Workspace.get(ws.id)).pinned)
      // the master refuses to archive an archived workspace
      yield* Workspace.archive(ws.id)
      const again = failure(yield* Effect.exit(Workspace.archive(ws.id)))
      assert.strictEqual(again._tag, "InvalidRequest")
      assert.isTrue((yield* Workspace.reload(ws.id)).archived)
    })))

  it.effect("delete and deleteByName: asynchronous on the master (DELETING, then gone)", () =>
    local(Effect.gen(function*() {
      const a = yield* Workspace.create("doomed-a")
      const b = yield* Workspace.create("doomed-b")
      assert.isFalse(yield* Workspace.delete(a.id))
      assert.isFalse(yield* Workspace.deleteByName("doomed-b"))
      assert.strictEqual((yield* Workspace.get(a.id)).state, "DELETING", "delete dropped the cached entry")
      yield* TestClock.adjust("1 minute")
      for (const id of [a.id, b.id]) {
        const gone = failure(yield* Effect.exit(Workspace.reload(id)))
        assert.strictEqual(gone._tag, "NotFound")
      }
      const missing = failure(yield* Effect.exit(Workspace.deleteByName("doomed-b")))
      assert.strictEqual(missing._tag, "NotFound")
      const immutable = failure(yield* Effect.exit(Workspace.delete(1)))
      assert.strictEqual(immutable._tag, "InvalidRequest")
    })))

  it.effect("projects: create, list, stream, getProject, deleteProject", () =>
    local(Effect.gen(function*() {
      const ws = yield* Workspace.create("with-projects")
      const p1 = yield* Workspace.createProject(ws.id, "vision", { description: "cv", key: "VIS" })
      const p2 = yield* Workspace.createProject(ws.id, "nlp/text %")
      assert.strictEqual(p1.workspaceId, ws.id)
      assert.strictEqual(p1.description, "cv")
      assert.strictEqual(p1.key, "VIS")
      const listed = yield* Workspace.listProjects(ws.id, { sortBy: "NAME", orderBy: "asc" })
      assert.deepStrictEqual(listed.map((p) => p.name), ["nlp/text %", "vision"])
      const streamed = yield* Stream.runCollect(Workspace.streamProjects(ws.id))
      assert.strictEqual(Chunk.size(streamed), 2)
      const found = yield* Workspace.getProject(ws.id, "nlp/text %")
      assert.strictEqual(found.id, p2.id)
      yield* resetRequests
      const full = yield* Project.get(p2.id)
      assert.strictEqual(full.workspaceName, "with-projects")
      assert.strictEqual(
        (yield* requests).length,
        1,
        "list rows and create answers (trimmed on a real master) are not cached"
      )
      const missing = failure(yield* Effect.exit(Workspace.getProject(ws.id, "nope")))
      assert.strictEqual(missing._tag, "NotFound")
      if (missing._tag === "NotFound") assert.strictEqual(missing.resource, "project")
      const completed = yield* Workspace.deleteProject(ws.id, "vision")
      assert.isTrue(completed, "a project without experiments is deleted at once")
      assert.deepStrictEqual((yield* Workspace.listProjects(ws.id)).map((p) => p.name), ["nlp/text %"])
    })))

  // listPools against LocalMaster: to be written once it serves ListRPsBoundToWorkspace (issue 10).
})

describe("Workspace.listPools over mock HTTP", () => {
  it.effect("decodes a page of names and follows pagination", () =>
    Effect.gen(function*() {
      const mock = yield* makeMockHttp((r) => {
        if (r.path === "/api/v1/auth/login") return loginOk()
        const offset = Number(r.query.get("offset") ?? 0)
        return json({
          resourcePools: offset === 0 ? ["default", "gpu"] : ["cpu"],
          pagination: { offset, limit: 2, startIndex: offset, endIndex: offset === 0 ? 2 : 3, total: 3 }
        })
      })
      const pools = yield* Workspace.listPools(7).pipe(Effect.provide(mock.layer()))
      assert.deepStrictEqual(pools, ["default", "gpu", "cpu"])
      const paths = (yield* mock.requests).filter((r) => r.path !== "/api/v1/auth/login")
      assert.deepStrictEqual(paths.map((r) => `${r.path}?${r.query}`), [
        "/api/v1/workspaces/7/available-resource-pools?offset=0",
        "/api/v1/workspaces/7/available-resource-pools?offset=2"
      ])
    }))
})
