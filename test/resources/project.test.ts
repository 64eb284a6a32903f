import { assert, describe, it } from "@effect/vitest"
import { Chunk, Effect, Stream, TestClock } from "effect"
import { Project, Workspace } from "effect-determined"
import { LocalMaster } from "effect-determined/testing"
import { json, loginOk, makeMockHttp } from "../utils/mockHttp.js"
import { failure, requests, resetRequests } from "./localHelpers.js"

// Projects against LocalMaster; requests are counted through the emulator's request log.

const local = <A, E>(effect: Effect.Effect<A, E, any>) =>
  Effect.provide(effect, LocalMaster.layer({ seed: 5 })) as Effect.Effect<A, E>

const workspace = (name = "ws") => Effect.map(Workspace.create(name), (w) => w.id)

describe("Project against LocalMaster", () => {
  it.effect("create (workspace by id or name), get (cached), reload, getByKey, getByName, list, stream", () =>
    local(Effect.gen(function*() {
      const wsId = yield* workspace("research")
      const p = yield* Project.create(wsId, "vision", { description: "cv", key: "VIS" })
      const q = yield* Project.create("research", "nlp")
      assert.strictEqual(q.workspaceId, wsId)
      assert.strictEqual(p.key, "VIS")
      assert.notStrictEqual(q.key, "", "the master generates a key")
      yield* resetRequests
      assert.strictEqual((yield* Project.get(p.id)).workspaceName, "research")
      assert.strictEqual((yield* Project.get(p.id)).name, "vision")
      assert.strictEqual((yield* requests).length, 1, "create's trimmed answer is not cached; get reads it once")
      assert.strictEqual((yield* Project.reload(p.id)).description, "cv")
      assert.strictEqual((yield* Project.getByKey("VIS")).id, p.id)
      assert.strictEqual((yield* Project.getByName("research", "nlp")).id, q.id)
      assert.strictEqual((yield* Project.getByName(wsId, "vision")).id, p.id)
      const listed = yield* Project.list("research", { sortBy: "NAME", orderBy: "desc" })
      assert.deepStrictEqual(listed.map((x) => x.name), ["vision", "nlp"])
      const everywhere = yield* Stream.runCollect(Project.stream(0))
      assert.deepStrictEqual(Chunk.toReadonlyArray(everywhere).map((x) => x.id).sort(), [1, p.id, q.id].sort())
      const uncategorized = yield* Project.get(1)
      assert.isTrue(uncategorized.immutable)
      assert.strictEqual(uncategorized.lastExperimentStartedAt, null)
    })))

  it.effect("NotFound{resource, id}: by id, by key, by name, and an unknown workspace", () =>
    local(Effect.gen(function*() {
      const wsId = yield* workspace()
      const cases = [
        [Project.get(999), "project", "999"],
        [Project.getByKey("NOPE"), "project", "NOPE"],
        [Project.getByName(wsId, "nope"), "project", "nope"],
        [Project.getByName("no such workspace", "x"), "workspace", "no such workspace"]
      ] as const
      for (const [effect, resource, id] of cases) {
        const e = failure(yield* Effect.exit(effect))
        assert.strictEqual(e._tag, "NotFound")
        if (e._tag === "NotFound") {
          assert.strictEqual(e.resource, resource)
          assert.strictEqual(e.id, id)
        }
      }
    })))

  it.effect("names needing URL encoding round-trip", () =>
    local(Effect.gen(function*() {
      const wsId = yield* workspace("a/b %")
      for (const name of ["a/b", "100% sure", "with spaces", "ünïcödé ✓"]) {
        const p = yield* Project.create("a/b %", name)
        assert.strictEqual((yield* Project.getByName(wsId, name)).id, p.id)
        assert.strictEqual((yield* Project.reload(p.id)).name, name)
      }
    })))

  it.effect("setters update a later cached get without a request; a held snapshot does not change", () =>
    local(Effect.gen(function*() {
      const wsId = yield* workspace()
      const held = yield* Project.create(wsId, "before")
      yield* Project.setName(held.id, "after")
      yield* Project.setDescription(held.id, "described")
      yield* Project.setKey(held.id, "AFT")
      yield* resetRequests
      const later = yield* Project.get(held.id)
      assert.strictEqual((yield* requests).length, 0)
      assert.strictEqual(later.name, "after")
      assert.strictEqual(later.description, "described")
      assert.strictEqual(later.key, "AFT")
      assert.strictEqual(held.name, "before")
      const immutable = failure(yield* Effect.exit(Project.setName(1, "x")))
      assert.strictEqual(immutable._tag, "InvalidRequest")
    })))

  it.effect("notes: add and remove read-modify-write; the cached project has the new notes", () =>
    local(Effect.gen(function*() {
      const wsId = yield* workspace()
      const p = yield* Project.create(wsId, "notes")
      yield* Project.addNote(p.id, "a", "first")
      yield* Project.addNote(p.id, "b", "second")
      const afterAdd = yield* Project.addNote(p.id, "b", "duplicate name")
      assert.deepStrictEqual(afterAdd.notes.map((n) => [n.name, n.contents]), [
        ["a", "first"],
        ["b", "second"],
        ["b", "duplicate name"]
      ])
      const ambiguous = failure(yield* Effect.exit(Project.removeNote(p.id, "b")))
      assert.strictEqual(ambiguous._tag, "InvalidRequest")
      if (ambiguous._tag === "InvalidRequest") assert.strictEqual(ambiguous.reason, "ClientValidation")
      const none = failure(yield* Effect.exit(Project.removeNote(p.id, "zzz")))
      assert.strictEqual(none._tag, "InvalidRequest")
      const removed = yield* Project.removeNote(p.id, "a")
      assert.deepStrictEqual(removed.notes.map((n) => n.name), ["b", "b"])
      yield* resetRequests
      assert.deepStrictEqual((yield* Project.get(p.id)).notes.map((n) => n.name), ["b", "b"])
      assert.strictEqual((yield* requests).length, 0)
      const replaced = yield* Project.setNotes(p.id, [{ name: "only", contents: "one" }])
      assert.deepStrictEqual(replaced.notes.map((n) => n.name), ["only"])
      assert.deepStrictEqual((yield* Project.reload(p.id)).notes.map((n) => n.name), ["only"])
    })))

  it.effect("archive / unarchive / move drop the cached entry", () =>
    local(Effect.gen(function*() {
      const from = yield* workspace("from")
      const to = yield* workspace("to")
      const p = yield* Project.create(from, "mover")
      yield* Project.archive(p.id)
      assert.isTrue((yield* Project.get(p.id)).archived)
      yield* Project.unarchive(p.id)
      assert.isFalse((yield* Project.get(p.id)).archived)
      yield* Project.move(p.id, "to")
      assert.strictEqual((yield* Project.get(p.id)).workspaceId, to)
      yield* Project.move(p.id, from)
      assert.strictEqual((yield* Project.get(p.id)).workspaceId, from)
    })))

  it.effect("delete: at once without experiments, asynchronously with them", () =>
    local(Effect.gen(function*() {
      const wsId = yield* workspace()
      const empty = yield* Project.create(wsId, "empty")
      assert.isTrue(yield* Project.delete(empty.id))
      assert.strictEqual(failure(yield* Effect.exit(Project.get(empty.id)))._tag, "NotFound")
      const busy = yield* Project.create(wsId, "busy")
      const master = yield* LocalMaster.LocalMaster
      yield* master.seedExperiments(2, { projectId: busy.id })
      assert.isFalse(yield* Project.delete(busy.id))
      assert.strictEqual((yield* Project.get(busy.id)).state, "DELETING")
      yield* TestClock.adjust("1 minute")
      assert.strictEqual(failure(yield* Effect.exit(Project.reload(busy.id)))._tag, "NotFound")
    })))

  it.effect("listExperiments / streamExperiments use the experiments endpoint with projectId", () =>
    local(Effect.gen(function*() {
      const wsId = yield* workspace()
      const p = yield* Project.create(wsId, "exps")
      const master = yield* LocalMaster.LocalMaster
      const ids = yield* master.seedExperiments(3, { projectId: p.id, withTrials: false })
      yield* master.seedExperiments(2, { withTrials: false })
      yield* resetRequests
      const listed = yield* Project.listExperiments(p.id)
      assert.deepStrictEqual(listed.map((e) => e.id).sort(), [...ids].sort())
      const sent = yield* requests
      assert.strictEqual(sent[0]!.path, "/api/v1/experiments")
      assert.include(sent[0]!.query, `projectId=${p.id}`)
      const streamed = yield* Stream.runCollect(Project.streamExperiments(p.id))
      assert.strictEqual(Chunk.size(streamed), 3)
      assert.strictEqual((yield* Project.reload(p.id)).numExperiments, 3)
    })))
})

describe("Project decoding of upstream's project.json sample", () => {
  const sample = {
    project: {
      id: 1090,
      name: "CAPS",
      workspaceId: 859,
      description: "",
      lastExperimentStartedAt: "None",
      notes: [{ name: "note name", contents: "note body line 1\nnote body line 2" }, {
        name: "second note",
        contents: ""
      }],
      numExperiments: 0,
      numActiveExperiments: 0,
      archived: false,
      username: "determined",
      immutable: false,
      userId: 2,
      workspaceName: "",
      state: "WORKSPACE_STATE_UNSPECIFIED",
      errorMessage: "",
      key: "cap1",
      numRuns: 0
    }
  }

  it.effect("a hand-edited \"None\" timestamp is a DecodeError naming project.lastExperimentStartedAt", () =>
    Effect.gen(function*() {
      const mock = yield* makeMockHttp((r) => (r.path === "/api/v1/auth/login" ? loginOk() : json(sample)))
      const e = failure(yield* Effect.exit(Project.get(1090).pipe(Effect.provide(mock.layer()))))
      assert.strictEqual(e._tag, "DecodeError")
      if (e._tag === "DecodeError") {
        assert.strictEqual(e.field, "project.lastExperimentStartedAt")
        assert.strictEqual(e.path, "/api/v1/projects/1090")
        assert.include(e.message, "None")
      }
    }))

  it.effect("the same body with a real timestamp, or null, decodes", () =>
    Effect.gen(function*() {
      for (const value of ["2025-03-01T10:00:00.123456Z", null]) {
        const body = { project: { ...sample.project, lastExperimentStartedAt: value } }
        const mock = yield* makeMockHttp((r) => (r.path === "/api/v1/auth/login" ? loginOk() : json(body)))
        const p = yield* Project.get(1090).pipe(Effect.provide(mock.layer()))
        assert.strictEqual(p.key, "cap1")
        assert.strictEqual(p.notes.length, 2)
        assert.deepStrictEqual(p.lastExperimentStartedAt, value === null ? null : new Date(value))
      }
    }))
})

describe("Project.patch over mock HTTP: a real master's trimmed answer", () => {
  const full = {
    id: 4,
    name: "p",
    workspaceId: 2,
    workspaceName: "research",
    description: "",
    notes: [{ name: "n", contents: "c" }],
    numExperiments: 3,
    numActiveExperiments: 1,
    archived: false,
    username: "determined",
    immutable: false,
    userId: 2,
    state: "WORKSPACE_STATE_UNSPECIFIED",
    errorMessage: "",
    key: "PPP",
    numRuns: 5
  }
  it.effect("only the project's own columns are taken from the answer", () =>
    Effect.gen(function*() {
      const mock = yield* makeMockHttp((r) =>
        r.path === "/api/v1/auth/login" ? loginOk() : r.method === "PATCH"
          ? json({
            project: {
              ...full,
              ...(r.body as object),
              workspaceName: "",
              notes: [],
              numExperiments: 0,
              numActiveExperiments: 0,
              username: "",
              userId: 0,
              numRuns: 0
            }
          })
          : json({ project: full })
      )
      const patched = yield* Effect.gen(function*() {
        yield* Project.get(4)
        yield* Project.setName(4, "renamed")
        return yield* Project.get(4)
      }).pipe(Effect.provide(mock.layer()))
      assert.strictEqual(patched.name, "renamed")
      assert.strictEqual(patched.workspaceName, "research")
      assert.strictEqual(patched.notes.length, 1)
      assert.strictEqual(patched.numExperiments, 3)
      assert.strictEqual(patched.username, "determined")
      const methods = (yield* mock.requests).filter((r) => r.path !== "/api/v1/auth/login").map((r) => r.method)
      assert.deepStrictEqual(methods, ["GET", "PATCH"])
    }))
})
