import { assert, describe, it } from "@effect/vitest"
import { Chunk, Effect, Exit, Option, Stream } from "effect"
import type { DeterminedError } from "effect-determined"
import { Checkpoint, Experiment, Workspace } from "effect-determined"
import { LocalMaster } from "effect-determined/testing"
import { json, loginOk, makeMockHttp, type Recorded } from "../utils/mockHttp.js"
import { advance, config, createExperiment, requests, resetRequests } from "./localHelpers.js"

// Wire-level tests over a mock HTTP client: the exact requests each operation sends, and the cache rules.
// Behaviour against a simulated master: the LocalMaster suite below.

const experimentJson = (id: number, extra: Record<string, unknown> = {}) => ({
  id,
  name: `exp-${id}`,
  state: "STATE_ACTIVE",
  archived: false,
  labels: [],
  startTime: "2025-03-01T10:00:00.123456Z",
  endTime: null,
  config: { searcher: { metric: "validation_loss" } },
  ...extra
})

const notFound = (what: string) => json({ error: { code: 5, reason: "NotFound", error: `${what} not found` } }, 404)

const master = (r: Recorded): Response => {
  if (r.path === "/api/v1/auth/login") return loginOk()
  let m = /^\/api\/v1\/experiments\/(\d+)$/.exec(r.path)
  if (m !== null) {
    const id = Number(m[1])
    if (id === 404) return notFound("experiment")
    if (r.method === "GET") return json({ experiment: experimentJson(id), jobSummary: null, config: {} })
    if (r.method === "PATCH") return json({ experiment: experimentJson(id, r.body as Record<string, unknown>) })
    if (r.method === "DELETE") return json({})
  }
  m = /^\/api\/v1\/experiments\/(\d+)\/labels\/(.+)$/.exec(r.path)
  if (m !== null) return json({ labels: r.method === "PUT" ? ["a", decodeURIComponent(m[2]!)] : ["a"] })
  if (/^\/api\/v1\/experiments\/\d+\/(kill|pause|activate|cancel|archive|unarchive|move)$/.test(r.path)) {
    return r.path.startsWith("/api/v1/experiments/404/") ? notFound("experiment") : json({})
  }
  if (r.path === "/api/v1/experiments") {
    const offset = Number(r.query.get("offset") ?? 0)
    const limit = Number(r.query.get("limit") ?? 0) || 100
    const total = 250
    const end = Math.min(total, offset + limit)
    const experiments = Array.from({ length: end - offset }, (_, i) => experimentJson(offset + i + 1))
    return json({ experiments, pagination: { offset, limit, startIndex: offset, endIndex: end, total } })
  }
  if (/^\/api\/v1\/experiments\/\d+\/checkpoints$/.test(r.path)) {
    return json({ checkpoints: [{ uuid: "c1", state: "STATE_COMPLETED" }], pagination: null })
  }
  if (/^\/api\/v1\/experiments\/\d+\/trials$/.test(r.path)) {
    return json({
      trials: [{ id: 1, experimentId: 1, state: "STATE_RUNNING" }],
      pagination: { offset: 0, limit: 0, startIndex: 0, endIndex: 1, total: 1 }
    })
  }
  if (r.path === "/api/v1/workspaces") {
    return json({
      workspaces: [{
        id: 3,
        name: r.query.get("name"),
        archived: false,
        username: "u",
        userId: 1,
        immutable: false,
        numProjects: 1,
        numExperiments: 0,
        pinned: false,
        state: "WORKSPACE_STATE_UNSPECIFIED"
      }],
      pagination: { offset: 0, limit: 0, startIndex: 0, endIndex: 1, total: 1 }
    })
  }
  if (r.path === "/api/v1/workspaces/3/projects") {
    return json({
      projects: [{ id: 11, name: "vision-old", workspaceId: 3 }, { id: 12, name: "vision", workspaceId: 3 }],
      pagination: { offset: 0, limit: 0, startIndex: 0, endIndex: 2, total: 2 }
    })
  }
  if (r.path.endsWith("/validation-history")) {
    return json({ validationHistory: [{ trialId: 1, endTime: "2025-03-01T10:00:00Z", searcherMetric: 0.5 }] })
  }
  if (r.path.endsWith("/best_searcher_validation_metric")) return json({})
  if (r.path.endsWith("/tensorboard-files") && r.method === "DELETE") return json({})
  return notFound("route")
}

const withMaster = <A, E>(body: (requests: Effect.Effect<ReadonlyArray<Recorded>>) => Effect.Effect<A, E, any>) =>
  Effect.gen(function*() {
    const mock = yield* makeMockHttp(master)
    const apiRequests = Effect.map(mock.requests, (rs) => rs.filter((r) => r.path !== "/api/v1/auth/login"))
    return yield* (body(apiRequests).pipe(Effect.provide(mock.layer())) as Effect.Effect<A, E>)
  })

describe("Experiment (wire)", () => {
  it.effect("get reads through the cache; reload fetches and stores; a held snapshot never changes", () =>
    withMaster((requests) =>
      Effect.gen(function*() {
        const a = yield* Experiment.get(1)
        const b = yield* Experiment.get(1)
        assert.strictEqual(a, b)
        assert.strictEqual((yield* requests).length, 1)
        const c = yield* Experiment.reload(1)
        assert.notStrictEqual(a, c)
        assert.strictEqual((yield* requests).length, 2)
        assert.strictEqual(yield* Experiment.get(1), c)
        assert.strictEqual(a.state, "ACTIVE")
      })
    ))

  it.effect("setName sends PATCH {id, name} and a later get is served from the cache", () =>
    withMaster((requests) =>
      Effect.gen(function*() {
        const renamed = yield* Experiment.setName(5, "new name")
        assert.strictEqual(renamed.name, "new name")
        const [patch] = yield* requests
        assert.strictEqual(patch?.method, "PATCH")
        assert.strictEqual(patch?.path, "/api/v1/experiments/5")
        assert.deepStrictEqual(patch?.body, { id: 5, name: "new name" })
        const got = yield* Experiment.get(5)
        assert.strictEqual(got.name, "new name")
        assert.strictEqual((yield* requests).length, 1)
        yield* Experiment.setLabels(5, ["x", "y", "x"])
        assert.deepStrictEqual((yield* requests)[1]?.body, { id: 5, labels: ["x", "y"] })
      })
    ))

  it.effect("addLabel / removeLabel encode the label and update the cached labels", () =>
    withMaster((requests) =>
      Effect.gen(function*() {
        yield* Experiment.get(2)
        const labels = yield* Experiment.addLabel(2, "a b/c")
        assert.deepStrictEqual(labels, ["a", "a b/c"])
        const put = (yield* requests)[1]
        assert.strictEqual(put?.method, "PUT")
        assert.strictEqual(put?.path, "/api/v1/experiments/2/labels/a%20b%2Fc")
        assert.deepStrictEqual((yield* Experiment.get(2)).labels, ["a", "a b/c"])
        yield* Experiment.removeLabel(2, "a b/c")
        assert.deepStrictEqual((yield* Experiment.get(2)).labels, ["a"])
        assert.strictEqual((yield* requests).length, 3)
      })
    ))

  it.effect("100 kills by id are 100 POSTs and 0 GETs; a kill drops the cached entry", () =>
    withMaster((requests) =>
      Effect.gen(function*() {
        yield* Effect.forEach(Array.from({ length: 100 }, (_, i) => i + 1), Experiment.kill, { discard: true })
        const rs = yield* requests
        assert.strictEqual(rs.length, 100)
        assert.isTrue(rs.every((r) => r.method === "POST" && /^\/api\/v1\/experiments\/\d+\/kill$/.test(r.path)))
        yield* Experiment.get(1)
        yield* Experiment.pause(1)
        yield* Experiment.get(1)
        assert.strictEqual((yield* requests).filter((r) => r.method === "GET").length, 2)
      })
    ))

  it.effect("archive marks the cached entry without a GET", () =>
    withMaster((requests) =>
      Effect.gen(function*() {
        yield* Experiment.get(3)
        yield* Experiment.archive(3)
        assert.isTrue((yield* Experiment.get(3)).archived)
        yield* Experiment.unarchive(3)
        assert.isFalse((yield* Experiment.get(3)).archived)
        assert.deepStrictEqual((yield* requests).map((r) => `${r.method} ${r.path}`), [
          "GET /api/v1/experiments/3",
          "POST /api/v1/experiments/3/archive",
          "POST /api/v1/experiments/3/unarchive"
        ])
      })
    ))

  it.effect("404 is NotFound with resource and id", () =>
    withMaster(() =>
      Effect.gen(function*() {
        const exit = yield* Effect.exit(Experiment.get(404))
        assert.isTrue(Exit.isFailure(exit))
        const error = yield* Effect.flip(Experiment.kill(404))
        assert.strictEqual(error._tag, "NotFound")
        if (error._tag === "NotFound") {
          assert.strictEqual(error.resource, "experiment")
          assert.strictEqual(error.id, "404")
        }
      })
    ))

  it.effect("list sends every filter and reads all pages", () =>
    withMaster((requests) =>
      Effect.gen(function*() {
        const all = yield* Experiment.list({
          sortBy: "START_TIME",
          orderBy: "desc",
          name: "mnist",
          description: "d",
          labels: ["a", "b"],
          archived: false,
          states: ["ACTIVE", "PAUSED"],
          users: ["alice"],
          userIds: [1, 2],
          projectId: 1,
          experimentIds: [5],
          experimentIdFilter: { gt: 1, lte: 900, notIn: [7] },
          showTrialData: true
        })
        assert.strictEqual(all.length, 250)
        const rs = yield* requests
        assert.deepStrictEqual(rs.map((r) => r.query.get("offset")), ["0", "100", "200"])
        const q = rs[0]!.query
        assert.strictEqual(q.get("sortBy"), "SORT_BY_START_TIME")
        assert.strictEqual(q.get("orderBy"), "ORDER_BY_DESC")
        assert.deepStrictEqual(q.getAll("labels"), ["a", "b"])
        assert.deepStrictEqual(q.getAll("states"), ["STATE_ACTIVE", "STATE_PAUSED"])
        assert.deepStrictEqual(q.getAll("userIds"), ["1", "2"])
        assert.strictEqual(q.get("archived"), "false")
        assert.deepStrictEqual(q.getAll("experimentIdFilter.incl"), ["5"])
        assert.strictEqual(q.get("experimentIdFilter.gt"), "1")
        assert.strictEqual(q.get("experimentIdFilter.lte"), "900")
        assert.deepStrictEqual(q.getAll("experimentIdFilter.notIn"), ["7"])
        assert.strictEqual(q.get("showTrialData"), "true")
        assert.strictEqual(q.get("projectId"), "1")
        // list rows are not stored in the cache
        yield* Experiment.get(1)
        assert.strictEqual((yield* requests).length, 4)
      })
    ))

  it.effect("stream reads pages lazily", () =>
    withMaster((requests) =>
      Effect.gen(function*() {
        const first = yield* Experiment.stream({ pageSize: 10 }).pipe(Stream.take(5), Stream.runCollect)
        assert.deepStrictEqual(Chunk.toReadonlyArray(first).map((e) => e.id), [1, 2, 3, 4, 5])
        assert.isAtMost((yield* requests).length, 2)
      })
    ))

  it.effect("listCheckpoints: upstream's sort rules", () =>
    withMaster((requests) =>
      Effect.gen(function*() {
        const last = () => Effect.map(requests, (rs) => rs[rs.length - 1]!.query)
        yield* Experiment.listCheckpoints(1)
        let q = yield* last()
        assert.strictEqual(q.get("sortByAttr"), "SORT_BY_SEARCHER_METRIC")
        assert.isNull(q.get("orderBy"))
        assert.deepStrictEqual(q.getAll("states"), ["STATE_COMPLETED"])
        yield* Experiment.listCheckpoints(1, { sortBy: "validation_loss", orderBy: "asc" })
        q = yield* last()
        assert.strictEqual(q.get("sortByMetric"), "validation_loss")
        assert.isNull(q.get("sortByAttr"))
        assert.strictEqual(q.get("orderBy"), "ORDER_BY_ASC")
        for (const attr of Object.values(Checkpoint.CheckpointSortBy)) {
          yield* Experiment.listCheckpoints(1, { sortBy: attr, orderBy: "desc" })
          q = yield* last()
          assert.strictEqual(q.get("sortByAttr"), `SORT_BY_${attr}`)
          assert.isNull(q.get("sortByMetric"))
        }
        yield* Experiment.listCheckpoints(1, { sortBy: { metric: "UUID" }, orderBy: "desc", maxResults: 3 })
        q = yield* last()
        assert.strictEqual(q.get("sortByMetric"), "UUID")
        assert.strictEqual(q.get("limit"), "3")
        yield* Experiment.listCheckpoints(1, { states: [] })
        assert.deepStrictEqual((yield* last()).getAll("states"), [])
        const before = (yield* requests).length
        const error = yield* Effect.flip(Experiment.listCheckpoints(1, { sortBy: "loss" } as any))
        assert.strictEqual(error._tag, "InvalidRequest")
        if (error._tag === "InvalidRequest") assert.strictEqual(error.reason, "ClientValidation")
        const error2 = yield* Effect.flip(Experiment.listCheckpoints(1, { orderBy: "asc" } as any))
        assert.strictEqual(error2._tag, "InvalidRequest")
        assert.strictEqual((yield* requests).length, before)
      })
    ))

  it.effect("listTrials defaults to id ascending and passes states and page size", () =>
    withMaster((requests) =>
      Effect.gen(function*() {
        const trials = yield* Experiment.listTrials(1, { states: ["ACTIVE"], pageSize: 50 })
        assert.strictEqual(trials[0]?.state, "RUNNING")
        const q = (yield* requests)[0]!.query
        assert.strictEqual(q.get("sortBy"), "SORT_BY_ID")
        assert.strictEqual(q.get("orderBy"), "ORDER_BY_ASC")
        assert.strictEqual(q.get("limit"), "50")
        assert.deepStrictEqual(q.getAll("states"), ["STATE_ACTIVE"])
      })
    ))

  it.effect("moveToProject by names resolves workspace and project, then POSTs the move", () =>
    withMaster((requests) =>
      Effect.gen(function*() {
        yield* Experiment.get(9)
        yield* Experiment.moveToProject(9, { workspace: "research", project: "vision" })
        const rs = yield* requests
        assert.deepStrictEqual(rs.map((r) => `${r.method} ${r.path}`), [
          "GET /api/v1/experiments/9",
          "GET /api/v1/workspaces",
          "GET /api/v1/workspaces/3/projects",
          "POST /api/v1/experiments/9/move"
        ])
        assert.strictEqual(rs[1]!.query.get("name"), "research")
        assert.strictEqual(rs[2]!.query.get("name"), "vision")
        assert.deepStrictEqual(rs[3]!.body, { experimentId: 9, destinationProjectId: 12 })
        // the move dropped the cached entry
        yield* Experiment.get(9)
        assert.strictEqual((yield* requests).length, 5)
        yield* Experiment.moveToProject(9, { projectId: 4 })
        assert.deepStrictEqual((yield* requests)[5]!.body, { experimentId: 9, destinationProjectId: 4 })
      })
    ))

  it.effect("deleteTensorboardFiles sends DELETE .../tensorboard-files", () =>
    withMaster((requests) =>
      Effect.gen(function*() {
        yield* Experiment.deleteTensorboardFiles(8)
        assert.deepStrictEqual((yield* requests).map((r) => `${r.method} ${r.path}`), [
          "DELETE /api/v1/experiments/8/tensorboard-files"
        ])
      })
    ))

  it.effect("validationHistory and bestSearcherValidationMetric", () =>
    withMaster(() =>
      Effect.gen(function*() {
        const history = yield* Experiment.validationHistory(1)
        assert.strictEqual(history[0]?.searcherMetric, 0.5)
        const best = yield* Experiment.bestSearcherValidationMetric(1)
        assert.strictEqual(best._tag, "None")
      })
    ))
})

// ---------------------------------------------------------------------------------------------------------------
// Against LocalMaster: the SDK over the in-process emulator, training simulated on the TestClock.

const random = (maxTrials: number) =>
  config({
    searcher: {
      name: "random",
      metric: "validation_loss",
      smaller_is_better: true,
      max_trials: maxTrials,
      max_length: { batches: 1000 }
    },
    hyperparameters: { lr: { type: "log", base: 10, minval: -4, maxval: -1 }, global_batch_size: 32 }
  })

const local = <A, E>(effect: Effect.Effect<A, E, any>) =>
  (effect as Effect.Effect<A, E, never>).pipe(Effect.provide(LocalMaster.layer({ seed: 1 })))

const nonDecreasing = (xs: ReadonlyArray<number | string>) => xs.every((x, i) => i === 0 || xs[i - 1]! <= x)
const nonIncreasing = (xs: ReadonlyArray<number | string>) => xs.every((x, i) => i === 0 || xs[i - 1]! >= x)

describe("Experiment against LocalMaster", () => {
  it.effect("the seed's cache scenario: a held snapshot keeps its values while training goes on; reload is fresh", () =>
    local(Effect.gen(function*() {
      const id = yield* createExperiment()
      yield* advance("3 seconds")
      const held = yield* Experiment.get(id)
      const heldProgress = held.progress
      assert.isTrue(heldProgress !== null && heldProgress > 0 && heldProgress < 1)
      yield* advance("4 seconds")
      yield* resetRequests
      const cached = yield* Experiment.get(id)
      assert.strictEqual(cached, held)
      assert.strictEqual((yield* requests).length, 0)
      const fresh = yield* Experiment.reload(id)
      assert.isTrue(fresh.progress! > heldProgress!)
      assert.strictEqual(held.progress, heldProgress)
      assert.strictEqual(yield* Experiment.get(id), fresh)
      assert.strictEqual((yield* requests).length, 1)
    })))

  it.effect("setters update a later cached get without a request", () =>
    local(Effect.gen(function*() {
      const id = yield* createExperiment()
      yield* Experiment.get(id)
      yield* Experiment.setName(id, "renamed")
      yield* Experiment.setDescription(id, "a description")
      yield* Experiment.setNotes(id, "# notes")
      yield* Experiment.setLabels(id, ["a", "b"])
      assert.deepStrictEqual(yield* Experiment.addLabel(id, "c"), ["a", "b", "c"])
      assert.deepStrictEqual(yield* Experiment.removeLabel(id, "a"), ["b", "c"])
      yield* resetRequests
      const cached = yield* Experiment.get(id)
      assert.strictEqual((yield* requests).length, 0)
      assert.strictEqual(cached.name, "renamed")
      assert.strictEqual(cached.description, "a description")
      assert.strictEqual(cached.notes, "# notes")
      assert.deepStrictEqual([...cached.labels].sort(), ["b", "c"])
      const fresh = yield* Experiment.reload(id)
      assert.strictEqual(fresh.name, "renamed")
      assert.strictEqual(fresh.notes, "# notes")
      assert.deepStrictEqual([...fresh.labels].sort(), ["b", "c"])
      const blank = yield* Effect.flip(Experiment.setName(id, "  "))
      assert.strictEqual(blank._tag, "InvalidRequest")
    })))

  it.effect("100 kills by id: 100 POSTs, 0 GETs", () =>
    local(Effect.gen(function*() {
      const ids = yield* Effect.forEach(Array.from({ length: 100 }), () => createExperiment())
      yield* resetRequests
      yield* Effect.forEach(ids, Experiment.kill, { discard: true })
      const rs = yield* requests
      assert.strictEqual(rs.length, 100)
      assert.strictEqual(rs.filter((r) => r.method === "GET").length, 0)
      yield* advance("2 seconds")
      const states = yield* Effect.forEach(ids.slice(0, 3), Experiment.get)
      assert.deepStrictEqual(states.map((e) => e.state), ["CANCELED", "CANCELED", "CANCELED"])
    })))

  it.effect("pause, activate, cancel, archive, unarchive, delete", () =>
    local(Effect.gen(function*() {
      const id = yield* createExperiment()
      yield* advance("2 seconds")
      yield* Experiment.pause(id)
      assert.strictEqual((yield* Experiment.get(id)).state, "PAUSED")
      yield* Experiment.activate(id)
      assert.include(["ACTIVE", "QUEUED", "PULLING", "STARTING", "RUNNING"], (yield* Experiment.get(id)).state)
      const notEnded = yield* Effect.flip(Experiment.archive(id))
      assert.strictEqual(notEnded._tag, "InvalidRequest")
      yield* Experiment.cancel(id)
      yield* advance("3 seconds")
      assert.strictEqual((yield* Experiment.get(id)).state, "CANCELED")
      yield* Experiment.archive(id)
      yield* resetRequests
      assert.isTrue((yield* Experiment.get(id)).archived)
      assert.strictEqual((yield* requests).length, 0)
      assert.isTrue((yield* Experiment.reload(id)).archived)
      yield* Experiment.unarchive(id)
      assert.isFalse((yield* Experiment.get(id)).archived)
      yield* Experiment.delete(id)
      assert.include(["DELETING", "DELETED"], (yield* Experiment.get(id)).state)
      yield* advance("2 seconds")
      const gone = yield* Effect.flip(Experiment.reload(id))
      assert.strictEqual(gone._tag, "NotFound")
    })))

  it.effect("404s are NotFound with resource and id", () =>
    local(Effect.gen(function*() {
      const ops: ReadonlyArray<(id: number) => Effect.Effect<unknown, DeterminedError.HttpError, any>> = [
        Experiment.get,
        Experiment.kill,
        Experiment.pause,
        (id: number) => Experiment.setName(id, "x"),
        (id: number) => Experiment.listTrials(id),
        (id: number) => Experiment.listCheckpoints(id)
      ]
      for (const op of ops) {
        const error = yield* Effect.flip(op(4242))
        assert.strictEqual(error._tag, "NotFound")
        if (error._tag === "NotFound") {
          assert.strictEqual(error.resource, "experiment")
          assert.strictEqual(error.id, "4242")
        }
      }
      const project = yield* Effect.flip(Experiment.list({ projectId: 999 }))
      assert.strictEqual(project._tag, "NotFound")
      if (project._tag === "NotFound") assert.strictEqual(project.resource, "project")
    })))

  it.effect("pagination of 1,000 experiments in pages", () =>
    Effect.gen(function*() {
      const master = yield* LocalMaster.LocalMaster
      const seeded = yield* master.seedExperiments(1000, { withTrials: false, labels: ["bulk"] })
      yield* resetRequests
      const all = yield* Experiment.list({ labels: ["bulk"] })
      assert.deepStrictEqual(all.map((e) => e.id), [...seeded].sort((a, b) => a - b))
      const rs = yield* requests
      assert.deepStrictEqual(rs.map((r) => new URLSearchParams(r.query).get("offset")), [
        "0",
        "100",
        "200",
        "300",
        "400",
        "500",
        "600",
        "700",
        "800",
        "900"
      ])
      yield* resetRequests
      const big = yield* Experiment.list({ pageSize: 250, sortBy: "ID", orderBy: "desc" })
      assert.strictEqual(big.length, 1000)
      assert.isTrue(nonIncreasing(big.map((e) => e.id)))
      assert.strictEqual((yield* requests).length, 4)
      yield* resetRequests
      const first = yield* Experiment.stream({ pageSize: 100 }).pipe(Stream.take(150), Stream.runCollect)
      assert.strictEqual(Chunk.size(first), 150)
      assert.isAtMost((yield* requests).length, 3)
      const filtered = yield* Experiment.list({ experimentIdFilter: { gt: seeded[0]!, lte: seeded[9]! } })
      assert.strictEqual(filtered.length, 9)
    }).pipe(local))

  it.effect("list filters: name, states, archived, users, experiment ids", () =>
    local(Effect.gen(function*() {
      const a = yield* createExperiment(config({ name: "alpha-run" }))
      const b = yield* createExperiment(config({ name: "beta-run" }))
      yield* Experiment.kill(b)
      yield* advance("2 seconds")
      assert.deepStrictEqual((yield* Experiment.list({ name: "ALPHA" })).map((e) => e.id), [a])
      assert.deepStrictEqual((yield* Experiment.list({ states: ["CANCELED"] })).map((e) => e.id), [b])
      assert.deepStrictEqual((yield* Experiment.list({ states: ["ACTIVE"] })).map((e) => e.id), [a])
      assert.deepStrictEqual((yield* Experiment.list({ experimentIds: [b] })).map((e) => e.id), [b])
      assert.strictEqual((yield* Experiment.list({ users: ["determined"] })).length, 2)
      assert.strictEqual((yield* Experiment.list({ users: ["admin"] })).length, 0)
      yield* Experiment.archive(b)
      assert.deepStrictEqual((yield* Experiment.list({ archived: true })).map((e) => e.id), [b])
      const rows = yield* Experiment.list({ showTrialData: true, experimentIds: [a] })
      assert.strictEqual(rows[0]?.id, a)
    })))

  it.effect("moveToProject by workspace and project names, and by project id", () =>
    local(Effect.gen(function*() {
      const id = yield* createExperiment()
      const ws = yield* Workspace.create("research")
      const project = yield* Workspace.createProject(ws.id, "vision")
      yield* Experiment.get(id)
      yield* Experiment.moveToProject(id, { workspace: "research", project: "vision" })
      const moved = yield* Experiment.get(id)
      assert.strictEqual(moved.projectId, project.id)
      assert.strictEqual(moved.workspaceId, ws.id)
      assert.strictEqual(moved.workspaceName, "research")
      yield* Experiment.moveToProject(id, { projectId: 1 })
      assert.strictEqual((yield* Experiment.get(id)).projectId, 1)
      const missing = yield* Effect.flip(Experiment.moveToProject(id, { workspace: "research", project: "nope" }))
      assert.strictEqual(missing._tag, "NotFound")
      if (missing._tag === "NotFound") assert.strictEqual(missing.resource, "project")
      const noWs = yield* Effect.flip(Experiment.moveToProject(id, { workspace: "nope", project: "vision" }))
      if (noWs._tag === "NotFound") assert.strictEqual(noWs.resource, "workspace")
    })))

  it.effect("listTrials / streamTrials with sort, order, states and page size", () =>
    local(Effect.gen(function*() {
      const id = yield* createExperiment(random(3))
      yield* advance("2 seconds")
      const byIdDesc = yield* Experiment.listTrials(id, { sortBy: "ID", orderBy: "desc" })
      assert.strictEqual(byIdDesc.length, 3)
      assert.isTrue(nonIncreasing(byIdDesc.map((t) => t.id)))
      assert.strictEqual((yield* Experiment.listTrials(id, { states: ["COMPLETED"] })).length, 0)
      yield* advance("20 seconds")
      assert.strictEqual((yield* Experiment.listTrials(id, { states: ["COMPLETED"] })).length, 3)
      const best = yield* Experiment.listTrials(id, { sortBy: "BEST_VALIDATION_METRIC", orderBy: "asc" })
      assert.isTrue(
        nonDecreasing(best.map((t) => t.bestValidation?.metrics?.avgMetrics?.["validation_loss"] as number))
      )
      yield* resetRequests
      const paged = yield* Experiment.listTrials(id, { pageSize: 1 })
      assert.deepStrictEqual(paged.map((t) => t.id), [...paged.map((t) => t.id)].sort((a, b) => a - b))
      assert.strictEqual((yield* requests).length, 3)
      yield* resetRequests
      const one = yield* Experiment.streamTrials(id, { pageSize: 1 }).pipe(Stream.take(1), Stream.runCollect)
      assert.strictEqual(Chunk.size(one), 1)
      assert.isAtMost((yield* requests).length, 2)
    })))

  it.effect("listCheckpoints sorted by a metric name and by each CheckpointSortBy", () =>
    local(Effect.gen(function*() {
      const id = yield* createExperiment(random(3))
      yield* advance("30 seconds")
      const all = yield* Experiment.listCheckpoints(id)
      assert.isAbove(all.length, 2)
      assert.isTrue(all.every((c) => c.state === "COMPLETED"))
      // default: searcher metric, best first (smaller is better)
      assert.isTrue(nonDecreasing(all.map((c) => c.training!.searcherMetric!)))
      const loss = (c: Checkpoint.Checkpoint) =>
        c.training?.validationMetrics?.avgMetrics?.["validation_loss"] as number
      const byLoss = yield* Experiment.listCheckpoints(id, { sortBy: "validation_loss", orderBy: "asc" })
      assert.isTrue(nonDecreasing(byLoss.map(loss)))
      const byAccuracy = yield* Experiment.listCheckpoints(id, { sortBy: "accuracy", orderBy: "desc" })
      assert.isTrue(
        nonIncreasing(byAccuracy.map((c) => c.training?.validationMetrics?.avgMetrics?.["accuracy"] as number))
      )
      const check: Record<Checkpoint.CheckpointSortBy, (cs: ReadonlyArray<Checkpoint.Checkpoint>) => boolean> = {
        UUID: (cs) => nonDecreasing(cs.map((c) => c.uuid)),
        TRIAL_ID: (cs) => nonDecreasing(cs.map((c) => c.trialId!)),
        BATCH_NUMBER: (cs) => nonDecreasing(cs.map((c) => c.metadata["steps_completed"] as number)),
        END_TIME: (cs) => nonDecreasing(cs.map((c) => c.reportTime!.getTime())),
        STATE: (cs) => cs.every((c) => c.state === "COMPLETED"),
        SEARCHER_METRIC: (cs) => nonDecreasing(cs.map((c) => c.training!.searcherMetric!))
      }
      for (const sortBy of Object.values(Checkpoint.CheckpointSortBy)) {
        const asc = yield* Experiment.listCheckpoints(id, { sortBy, orderBy: "asc" })
        assert.strictEqual(asc.length, all.length, sortBy)
        assert.isTrue(check[sortBy](asc), `${sortBy} asc`)
        const desc = yield* Experiment.listCheckpoints(id, { sortBy, orderBy: "desc" })
        assert.isTrue(check[sortBy]([...desc].reverse()), `${sortBy} desc`)
      }
      yield* resetRequests
      const top = yield* Experiment.listCheckpoints(id, { sortBy: "validation_loss", orderBy: "asc", maxResults: 1 })
      assert.deepStrictEqual(top.map((c) => c.uuid), [byLoss[0]!.uuid])
      assert.strictEqual((yield* requests).length, 1)
      const everyState = yield* Experiment.listCheckpoints(id, { states: [] })
      assert.isAbove(everyState.length, all.length)
      const streamed = yield* Experiment.streamCheckpoints(id, { sortBy: "validation_loss", orderBy: "asc" }).pipe(
        Stream.runCollect
      )
      assert.deepStrictEqual(Chunk.toReadonlyArray(streamed).map((c) => c.uuid), byLoss.map((c) => c.uuid))
    })))

  it.effect("getConfig, validationHistory, bestSearcherValidationMetric, pachydermConfig", () =>
    local(Effect.gen(function*() {
      const id = yield* createExperiment(random(2))
      assert.strictEqual(Option.isNone(yield* Experiment.bestSearcherValidationMetric(id)), true)
      yield* advance("30 seconds")
      const cfg = yield* Experiment.getConfig(id)
      assert.strictEqual((cfg["searcher"] as any).metric, "validation_loss")
      const history = yield* Experiment.validationHistory(id)
      assert.isAbove(history.length, 0)
      const best = yield* Experiment.bestSearcherValidationMetric(id)
      assert.strictEqual(Option.getOrThrow(best), Math.min(...history.map((h) => h.searcherMetric)))
      assert.isTrue(Option.isNone(yield* Experiment.pachydermConfig(id)))
    })))
})
