import { assert, describe, it } from "@effect/vitest"
import { Chunk, Effect, Option, Stream } from "effect"
import { Experiment, Model, ModelVersion, Workspace } from "effect-determined"
import { LocalMaster } from "effect-determined/testing"
import { json, loginOk, makeMockHttp, type Recorded } from "../utils/mockHttp.js"
import { failure, requests, resetRequests } from "./localHelpers.js"

// Models and model versions against LocalMaster; requests are counted through the emulator's request log.

const local = <A, E>(effect: Effect.Effect<A, E, any>) =>
  Effect.provide(effect, LocalMaster.layer({ seed: 3 })) as Effect.Effect<A, E>

/** UUIDs of completed checkpoints of freshly seeded experiments. */
const checkpoints = (n: number) =>
  Effect.gen(function*() {
    const master = yield* LocalMaster.LocalMaster
    const ids = yield* master.seedExperiments(n)
    const out: Array<string> = []
    for (const id of ids) {
      const cps = yield* Experiment.listCheckpoints(id)
      out.push(cps[0]!.uuid)
    }
    return out
  })

describe("Model against LocalMaster", () => {
  it.effect("create, get by name and by id (one cached entry each way), reload, list with filters", () =>
    local(Effect.gen(function*() {
      const m = yield* Model.create("mnist", {
        description: "digits",
        labels: ["cv", "prod"],
        metadata: { owner: "vision" },
        notes: "n"
      })
      assert.strictEqual(m.name, "mnist")
      assert.deepStrictEqual(m.labels, ["cv", "prod"])
      assert.deepStrictEqual(m.metadata, { owner: "vision" })
      assert.strictEqual(m.workspaceId, 1)
      assert.isTrue(m.creationTime instanceof Date)
      yield* resetRequests
      assert.strictEqual((yield* Model.get("mnist")).id, m.id)
      assert.strictEqual((yield* Model.get(m.id)).name, "mnist")
      assert.strictEqual((yield* requests).length, 0, "create stored the model under its name and its id")
      assert.strictEqual((yield* Model.reload(m.id)).description, "digits")
      yield* Model.create("bert", { description: "language", labels: ["nlp"] })
      yield* Model.create("resnet", { description: "images", labels: ["cv"] })
      const cv = yield* Model.list({ labels: ["cv"], sortBy: "NAME", orderBy: "asc" })
      assert.deepStrictEqual(cv.map((x) => x.name), ["mnist", "resnet"])
      const byDescription = yield* Model.list({ description: "lang" })
      assert.deepStrictEqual(byDescription.map((x) => x.name), ["bert"])
      const byName = yield* Model.list({ name: "res" })
      assert.deepStrictEqual(byName.map((x) => x.name), ["resnet"])
      const desc = yield* Stream.runCollect(Model.stream({ sortBy: "NAME", orderBy: "desc" }))
      assert.deepStrictEqual(Chunk.toReadonlyArray(desc).map((x) => x.name), ["resnet", "mnist", "bert"])
      const inWs = yield* Model.list({ workspaceNames: ["Uncategorized"], workspaceIds: [1] })
      assert.strictEqual(inWs.length, 3)
      assert.deepStrictEqual(yield* Model.list({ id: m.id }), [yield* Model.reload(m.id)])
      assert.deepStrictEqual(yield* Model.list({ archived: true }), [])
      assert.deepStrictEqual(yield* Model.list({ users: ["determined"] }).pipe(Effect.map((xs) => xs.length)), 3)
      assert.deepStrictEqual(yield* Model.labels(), ["cv", "nlp", "prod"])
    })))

  it.effect("unknown model: NotFound{resource, id} by name and by id", () =>
    local(Effect.gen(function*() {
      const byName = failure(yield* Effect.exit(Model.get("nope")))
      assert.strictEqual(byName._tag, "NotFound")
      if (byName._tag === "NotFound") {
        assert.strictEqual(byName.resource, "model")
        assert.strictEqual(byName.id, "nope")
      }
      const byId = failure(yield* Effect.exit(Model.get(4242)))
      assert.strictEqual(byId._tag, "NotFound")
      if (byId._tag === "NotFound") assert.strictEqual(byId.id, "4242")
    })))

  it.effect("names needing URL encoding round-trip; the master refuses slashes", () =>
    local(Effect.gen(function*() {
      for (const name of ["100% sure", "with spaces", "ünïcödé ✓", "q?x=1&y#z"]) {
        const m = yield* Model.create(name)
        assert.strictEqual((yield* Model.reload(name)).id, m.id)
        assert.strictEqual((yield* Model.setDescription(name, "d")).description, "d")
        assert.deepStrictEqual(yield* Model.listVersions(name), [])
      }
      const slash = failure(yield* Effect.exit(Model.create("a/b")))
      assert.strictEqual(slash._tag, "InvalidRequest")
    })))

  it.effect("setters update a later cached get without a request; a held snapshot does not change", () =>
    local(Effect.gen(function*() {
      const held = yield* Model.create("setters")
      yield* Model.setDescription("setters", "new description")
      yield* Model.setNotes("setters", "notes")
      yield* Model.setLabels("setters", ["a", "b"])
      yield* resetRequests
      const later = yield* Model.get("setters")
      assert.strictEqual(later.description, "new description")
      assert.strictEqual(later.notes, "notes")
      assert.deepStrictEqual(later.labels, ["a", "b"])
      assert.strictEqual((yield* Model.get(held.id)).description, "new description")
      assert.strictEqual((yield* requests).length, 0)
      assert.strictEqual(held.description, "")
    })))

  it.effect("rename: the new name is cached, the old one is not found", () =>
    local(Effect.gen(function*() {
      const m = yield* Model.create("old-name")
      const renamed = yield* Model.setName("old-name", "new-name")
      assert.strictEqual(renamed.id, m.id)
      yield* resetRequests
      assert.strictEqual((yield* Model.get("new-name")).id, m.id)
      assert.strictEqual((yield* Model.get(m.id)).name, "new-name")
      assert.strictEqual((yield* requests).length, 0)
      const old = failure(yield* Effect.exit(Model.get("old-name")))
      assert.strictEqual(old._tag, "NotFound")
    })))

  it.effect("addMetadata merges with the server's metadata, removeMetadata removes keys", () =>
    local(Effect.gen(function*() {
      yield* Model.create("meta", { metadata: { a: 1, b: 2 } })
      const added = yield* Model.addMetadata("meta", { c: { nested: true } })
      assert.deepStrictEqual(added.metadata, { a: 1, b: 2, c: { nested: true } })
      const removed = yield* Model.removeMetadata("meta", ["a", "missing"])
      assert.deepStrictEqual(removed.metadata, { b: 2, c: { nested: true } })
      yield* resetRequests
      assert.deepStrictEqual((yield* Model.get("meta")).metadata, { b: 2, c: { nested: true } })
      assert.strictEqual((yield* requests).length, 0)
    })))

  it.effect("moveToWorkspace by name or id updates workspaceId in the cache (upstream does not)", () =>
    local(Effect.gen(function*() {
      const ws = yield* Workspace.create("models-here")
      yield* Model.create("mover")
      const moved = yield* Model.moveToWorkspace("mover", "models-here")
      assert.strictEqual(moved.workspaceId, ws.id)
      assert.strictEqual((yield* Model.get("mover")).workspaceId, ws.id)
      const back = yield* Model.moveToWorkspace("mover", 1)
      assert.strictEqual(back.workspaceId, 1)
    })))

  it.effect("archive / unarchive drop the cached entry; delete makes it NotFound", () =>
    local(Effect.gen(function*() {
      const m = yield* Model.create("arch")
      yield* Model.archive("arch")
      assert.isTrue((yield* Model.get("arch")).archived)
      assert.isTrue((yield* Model.get(m.id)).archived)
      yield* Model.unarchive(m.id)
      assert.isFalse((yield* Model.get("arch")).archived)
      yield* Model.delete("arch")
      assert.strictEqual(failure(yield* Effect.exit(Model.get("arch")))._tag, "NotFound")
      assert.strictEqual(failure(yield* Effect.exit(Model.get(m.id)))._tag, "NotFound")
    })))
})

describe("ModelVersion against LocalMaster", () => {
  it.effect("register, get, list, stream, latest, setters, metadata, delete", () =>
    local(Effect.gen(function*() {
      const [c1, c2, c3] = yield* checkpoints(3)
      const m = yield* Model.create("registry")
      assert.isTrue(Option.isNone(yield* Model.latestVersion("registry")))
      const v1 = yield* Model.registerVersion("registry", c1!)
      const v2 = yield* ModelVersion.register(m.id, c2!, { name: "second", comment: "c", labels: ["x"] })
      assert.strictEqual(v1.version, 1)
      assert.strictEqual(v2.version, 2)
      assert.strictEqual(v1.checkpointUuid, c1)
      assert.strictEqual(v2.name, "second")
      assert.strictEqual(v2.modelName, "registry")
      assert.strictEqual(v2.modelId, m.id)
      assert.strictEqual(v1.checkpoint?.state, "COMPLETED")
      // the model's numVersions changed: its cached entry was dropped
      assert.strictEqual((yield* Model.get("registry")).numVersions, 2)

      const got = yield* Model.getVersion("registry", 2)
      assert.strictEqual(got.id, v2.id)
      yield* resetRequests
      assert.strictEqual((yield* ModelVersion.get(m.id, 2)).id, v2.id, "cached under the model's id too")
      assert.strictEqual((yield* requests).length, 0)

      const listed = yield* Model.listVersions("registry")
      assert.deepStrictEqual(listed.map((v) => v.version), [2, 1], "newest first, as upstream")
      const asc = yield* Stream.runCollect(Model.streamVersions(m.id, { orderBy: "asc" }))
      assert.deepStrictEqual(Chunk.toReadonlyArray(asc).map((v) => v.version), [1, 2])
      const latest = yield* Model.latestVersion(m.id)
      assert.strictEqual(Option.getOrThrow(latest).version, 2)

      yield* ModelVersion.setName("registry", 1, "first")
      yield* ModelVersion.setNotes("registry", 1, "notes")
      yield* ModelVersion.setComment("registry", 1, "comment")
      yield* ModelVersion.setLabels("registry", 1, ["l"])
      yield* ModelVersion.addMetadata("registry", 1, { acc: 0.9 })
      yield* ModelVersion.addMetadata("registry", 1, { loss: 0.1 })
      yield* ModelVersion.removeMetadata("registry", 1, ["acc"])
      yield* resetRequests
      const v1b = yield* ModelVersion.get("registry", 1)
      assert.strictEqual((yield* requests).length, 0, "setters updated the cached entry")
      assert.strictEqual(v1b.name, "first")
      assert.strictEqual(v1b.notes, "notes")
      assert.strictEqual(v1b.comment, "comment")
      assert.deepStrictEqual(v1b.labels, ["l"])
      assert.deepStrictEqual(v1b.metadata, { loss: 0.1 })
      assert.strictEqual(v1.name, "", "a held snapshot does not change")

      yield* ModelVersion.delete("registry", 2)
      const gone = failure(yield* Effect.exit(ModelVersion.get("registry", 2)))
      assert.strictEqual(gone._tag, "NotFound")
      if (gone._tag === "NotFound") {
        assert.strictEqual(gone.resource, "modelVersion")
        assert.strictEqual(gone.id, "registry/2")
      }
      assert.strictEqual(failure(yield* Effect.exit(ModelVersion.get(m.id, 2)))._tag, "NotFound")
      assert.strictEqual((yield* Model.get("registry")).numVersions, 1)
      const v3 = yield* Model.registerVersion("registry", c3!)
      assert.strictEqual(v3.version, 2, "numbers continue from the highest remaining version")
    })))

  it.effect("an archived model accepts no new version", () =>
    local(Effect.gen(function*() {
      const [c] = yield* checkpoints(1)
      yield* Model.create("frozen")
      yield* Model.archive("frozen")
      const e = failure(yield* Effect.exit(Model.registerVersion("frozen", c!)))
      assert.strictEqual(e._tag, "ServerError")
    })))
})

describe("ModelVersion over mock HTTP", () => {
  it.effect("metrics: one GET with the inference source type and the group, decoded as TrialMetrics", () =>
    Effect.gen(function*() {
      const mock = yield* makeMockHttp((r) =>
        r.path === "/api/v1/auth/login" ? loginOk() : json({
          metrics: [{
            id: "17",
            trialId: 4,
            trialRunId: 1,
            totalBatches: 100,
            endTime: "2025-03-01T10:00:00.5Z",
            metrics: { avg_metrics: { accuracy: 0.97 } },
            group: "inference",
            archived: false
          }]
        })
      )
      const reports = yield* ModelVersion.metrics("my model", 3, { group: "inference" }).pipe(
        Effect.provide(mock.layer())
      )
      assert.strictEqual(reports.length, 1)
      assert.strictEqual(reports[0]!.trialId, 4)
      assert.strictEqual(reports[0]!.stepsCompleted, 100)
      assert.deepStrictEqual(reports[0]!.metrics, { accuracy: 0.97 })
      const sent = (yield* mock.requests).filter((r) => r.path !== "/api/v1/auth/login")
      assert.strictEqual(sent.length, 1)
      assert.strictEqual(sent[0]!.path, "/api/v1/models/my%20model/versions/3/metrics")
      assert.strictEqual(sent[0]!.query.get("trialSourceInfoType"), "TRIAL_SOURCE_INFO_TYPE_INFERENCE")
      assert.strictEqual(sent[0]!.query.get("metricGroup"), "inference")
    }))

  it.effect("create sends upstream's body; labels hit /api/v1/model/labels with the workspace", () =>
    Effect.gen(function*() {
      const model = {
        id: 9,
        name: "m",
        creationTime: "2025-03-01T10:00:00Z",
        lastUpdatedTime: "2025-03-01T10:00:00Z",
        metadata: null,
        labels: [],
        numVersions: 0,
        username: "determined",
        userId: 2,
        workspaceId: 3,
        archived: false
      }
      const mock = yield* makeMockHttp((r) =>
        r.path === "/api/v1/auth/login"
          ? loginOk()
          : r.path === "/api/v1/model/labels"
          ? json({ labels: ["b", "a"] })
          : json({ model })
      )
      const created = yield* Model.create("m", { workspace: "ws", labels: ["x"] }).pipe(Effect.provide(mock.layer()))
      assert.deepStrictEqual(created.metadata, {}, "null metadata decodes to {}")
      const labels = yield* Model.labels({ workspaceId: 3 }).pipe(Effect.provide(mock.layer()))
      assert.deepStrictEqual(labels, ["b", "a"])
      const sent = (yield* mock.requests).filter((r) => r.path !== "/api/v1/auth/login")
      assert.deepStrictEqual(sent[0]!.body, { name: "m", description: "", labels: ["x"], workspaceName: "ws" })
      assert.strictEqual(sent[1]!.query.get("workspaceId"), "3")
    }))
})

describe("Model.patch over mock HTTP: a real master's trimmed answer (update_model.sql)", () => {
  const full = {
    id: 9,
    name: "m",
    description: "old",
    notes: "",
    metadata: { a: 1 },
    labels: ["x"],
    creationTime: "2025-03-01T10:00:00Z",
    lastUpdatedTime: "2025-03-01T10:00:00Z",
    numVersions: 4,
    username: "determined",
    userId: 2,
    workspaceId: 3,
    archived: true
  }
  // What a real master answers to PATCH: its RETURNING columns, every other field a zero value (EmitDefaults).
  const trimmed = (body: Record<string, unknown>) => ({
    ...full,
    ...body,
    id: 0,
    numVersions: 0,
    username: "",
    userId: 0,
    workspaceId: 0,
    archived: false,
    lastUpdatedTime: "2025-03-02T10:00:00Z"
  })
  const master = (r: Recorded) =>
    r.path === "/api/v1/auth/login"
      ? loginOk()
      : r.method === "PATCH"
      ? json({ model: trimmed(r.body as Record<string, unknown>) })
      : json({ model: full })

  it.effect("merged into the cached snapshot: id, owner, workspace, archived and count are kept", () =>
    Effect.gen(function*() {
      const mock = yield* makeMockHttp(master)
      yield* Effect.gen(function*() {
        yield* Model.get("m")
        const patched = yield* Model.setDescription("m", "new")
        assert.strictEqual(patched.description, "new")
        assert.strictEqual(patched.id, 9)
        assert.strictEqual(patched.workspaceId, 3)
        assert.isTrue(patched.archived)
        assert.strictEqual(patched.numVersions, 4)
        assert.strictEqual(patched.username, "determined")
        assert.deepStrictEqual(patched.lastUpdatedTime, new Date("2025-03-02T10:00:00Z"))
        assert.strictEqual((yield* Model.get(9)).description, "new")
      }).pipe(Effect.provide(mock.layer()))
      const methods = (yield* mock.requests).filter((r) => r.path !== "/api/v1/auth/login").map((r) => r.method)
      assert.deepStrictEqual(methods, ["GET", "PATCH"])
    }))

  it.effect("nothing cached, or a move: the model is read once more instead of trusting zero values", () =>
    Effect.gen(function*() {
      const mock = yield* makeMockHttp(master)
      yield* Effect.gen(function*() {
        const patched = yield* Model.setLabels("m", ["y"])
        assert.strictEqual(patched.id, 9)
        yield* Model.moveToWorkspace("m", "elsewhere")
      }).pipe(Effect.provide(mock.layer()))
      const calls = (yield* mock.requests).filter((r) => r.path !== "/api/v1/auth/login").map((r) => r.method)
      assert.deepStrictEqual(calls, ["PATCH", "GET", "PATCH", "GET"])
    }))
})

describe("ModelVersion.patch over mock HTTP: a real master's answer has no owner", () => {
  const model = {
    id: 9,
    name: "m",
    creationTime: "2025-03-01T10:00:00Z",
    lastUpdatedTime: "2025-03-01T10:00:00Z",
    username: "determined",
    userId: 2,
    workspaceId: 3
  }
  const version = {
    id: 31,
    version: 2,
    model,
    checkpoint: null,
    creationTime: "2025-03-01T10:00:00Z",
    lastUpdatedTime: "2025-03-01T10:00:00Z",
    name: "",
    username: "alice",
    userId: 7
  }
  it.effect("the owner comes from the cached entry, or from one more GET", () =>
    Effect.gen(function*() {
      const mock = yield* makeMockHttp((r) =>
        r.path === "/api/v1/auth/login"
          ? loginOk()
          : r.method === "PATCH"
          ? json({
            modelVersion: {
              ...version,
              ...(r.body as object),
              username: "",
              userId: 0,
              lastUpdatedTime: "2025-03-02T10:00:00Z"
            }
          })
          : json({ modelVersion: version })
      )
      yield* Effect.gen(function*() {
        const first = yield* ModelVersion.setName("m", 2, "a")
        assert.strictEqual(first.username, "alice")
        const second = yield* ModelVersion.setName("m", 2, "b")
        assert.strictEqual(second.name, "b")
        assert.strictEqual(second.userId, 7)
        assert.deepStrictEqual(second.lastUpdatedTime, new Date("2025-03-02T10:00:00Z"))
        assert.strictEqual((yield* ModelVersion.get(9, 2)).name, "b")
      }).pipe(Effect.provide(mock.layer()))
      const methods = (yield* mock.requests).filter((r) => r.path !== "/api/v1/auth/login").map((r) => r.method)
      assert.deepStrictEqual(methods, ["PATCH", "GET", "PATCH"])
    }))
})
