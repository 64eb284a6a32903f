import { assert, describe, it } from "@effect/vitest"
import { Chunk, Effect, Stream } from "effect"
import type { DeterminedError } from "effect-determined"
import { Experiment, Trial } from "effect-determined"
import { LocalMaster } from "effect-determined/testing"
import { json, loginOk, makeMockHttp, type Recorded } from "../utils/mockHttp.js"
import { advance, config, createExperiment, requests, resetRequests } from "./localHelpers.js"

// Wire-level tests over a mock HTTP client, then behaviour against LocalMaster.

const master = (r: Recorded): Response => {
  if (r.path === "/api/v1/auth/login") return loginOk()
  let m = /^\/api\/v1\/trials\/(\d+)$/.exec(r.path)
  if (m !== null) {
    if (m[1] === "404") return json({ error: { code: 5, reason: "NotFound", error: "trial not found" } }, 404)
    return json({ trial: { id: Number(m[1]), experimentId: 77, state: "STATE_RUNNING", hparams: { lr: 0.1 } } })
  }
  m = /^\/api\/v1\/experiments\/(\d+)$/.exec(r.path)
  if (m !== null) return json({ experiment: { id: Number(m[1]), name: "parent", state: "STATE_ACTIVE" } })
  if (/^\/api\/v1\/trials\/\d+\/kill$/.test(r.path)) return json({})
  if (/^\/api\/v1\/trials\/\d+\/checkpoints$/.test(r.path)) return json({ checkpoints: [], pagination: null })
  return json({ error: { code: 5, reason: "NotFound", error: "no route" } }, 404)
}

const withMaster = <A, E>(body: (requests: Effect.Effect<ReadonlyArray<Recorded>>) => Effect.Effect<A, E, any>) =>
  Effect.gen(function*() {
    const mock = yield* makeMockHttp(master)
    const apiRequests = Effect.map(mock.requests, (rs) => rs.filter((r) => r.path !== "/api/v1/auth/login"))
    return yield* (body(apiRequests).pipe(Effect.provide(mock.layer())) as Effect.Effect<A, E>)
  })

describe("Trial (wire)", () => {
  it.effect("100 kills by id are 100 POSTs and 0 GETs", () =>
    withMaster((requests) =>
      Effect.gen(function*() {
        yield* Effect.forEach(Array.from({ length: 100 }, (_, i) => i + 1), Trial.kill, {
          concurrency: 10,
          discard: true
        })
        const rs = yield* requests
        assert.strictEqual(rs.length, 100)
        assert.strictEqual(rs.filter((r) => r.method === "GET").length, 0)
        assert.isTrue(rs.every((r) => r.method === "POST" && r.path.endsWith("/kill")))
      })
    ))

  it.effect("get caches, kill drops the entry, reload refreshes", () =>
    withMaster((requests) =>
      Effect.gen(function*() {
        const t = yield* Trial.get(5)
        assert.deepStrictEqual(t.hparams, { lr: 0.1 })
        yield* Trial.get(5)
        assert.strictEqual((yield* requests).length, 1)
        yield* Trial.kill(5)
        yield* Trial.get(5)
        assert.strictEqual((yield* requests).length, 3)
        yield* Trial.reload(5)
        assert.strictEqual((yield* requests).length, 4)
      })
    ))

  it.effect("experiment reads the trial then its experiment, both through the cache", () =>
    withMaster((requests) =>
      Effect.gen(function*() {
        const exp = yield* Trial.experiment(5)
        assert.strictEqual(exp.id, 77)
        yield* Trial.experiment(5)
        assert.deepStrictEqual((yield* requests).map((r) => r.path), ["/api/v1/trials/5", "/api/v1/experiments/77"])
      })
    ))

  it.effect("listCheckpoints sends no states filter by default (as upstream), searcher metric sort", () =>
    withMaster((requests) =>
      Effect.gen(function*() {
        yield* Trial.listCheckpoints(5)
        let q = (yield* requests)[0]!.query
        assert.deepStrictEqual(q.getAll("states"), [])
        assert.strictEqual(q.get("sortByAttr"), "SORT_BY_SEARCHER_METRIC")
        yield* Trial.listCheckpoints(5, {
          sortBy: "BATCH_NUMBER",
          orderBy: "desc",
          maxResults: 1,
          states: ["COMPLETED"]
        })
        q = (yield* requests)[1]!.query
        assert.strictEqual(q.get("sortByAttr"), "SORT_BY_BATCH_NUMBER")
        assert.strictEqual(q.get("orderBy"), "ORDER_BY_DESC")
        assert.strictEqual(q.get("limit"), "1")
        assert.deepStrictEqual(q.getAll("states"), ["STATE_COMPLETED"])
      })
    ))

  it.effect("404 is NotFound{trial, id}", () =>
    withMaster(() =>
      Effect.gen(function*() {
        const error = yield* Effect.flip(Trial.get(404))
        assert.strictEqual(error._tag, "NotFound")
        if (error._tag === "NotFound") {
          assert.strictEqual(error.resource, "trial")
          assert.strictEqual(error.id, "404")
        }
      })
    ))
})

// ---------------------------------------------------------------------------------------------------------------
// Against LocalMaster

const random = (maxTrials: number) =>
  config({
    searcher: {
      name: "random",
      metric: "validation_loss",
      smaller_is_better: true,
      max_trials: maxTrials,
      max_concurrent_trials: maxTrials,
      max_length: { batches: 1000 }
    },
    hyperparameters: { lr: { type: "log", base: 10, minval: -4, maxval: -1 }, global_batch_size: 32 }
  })

const local = <A, E>(effect: Effect.Effect<A, E, any>) =>
  (effect as Effect.Effect<A, E, never>).pipe(Effect.provide(LocalMaster.layer({ seed: 2 })))

const count = (summary: Trial.Trial["summaryMetrics"]) =>
  ((summary?.["avg_metrics"] as any)?.loss?.count ?? 0) as number

describe("Trial against LocalMaster", () => {
  it.effect("the seed's cache scenario: summaryMetrics unchanged in a held snapshot while training goes on", () =>
    local(Effect.gen(function*() {
      const expId = yield* createExperiment()
      yield* advance("3 seconds")
      const [first] = yield* Experiment.listTrials(expId)
      const held = yield* Trial.get(first!.id)
      const heldSummary = JSON.stringify(held.summaryMetrics)
      const heldCount = count(held.summaryMetrics)
      assert.isAbove(heldCount, 0)
      yield* advance("4 seconds")
      yield* resetRequests
      const cached = yield* Trial.get(first!.id)
      assert.strictEqual(cached, held)
      assert.strictEqual((yield* requests).length, 0)
      const fresh = yield* Trial.reload(first!.id)
      assert.isAbove(count(fresh.summaryMetrics), heldCount)
      assert.isAbove(fresh.totalBatchesProcessed, held.totalBatchesProcessed)
      assert.strictEqual(JSON.stringify(held.summaryMetrics), heldSummary)
      assert.strictEqual(yield* Trial.get(first!.id), fresh)
      assert.isNotNull(fresh.latestValidation)
      assert.isNotNull(fresh.bestValidation?.metrics?.avgMetrics?.["validation_loss"])
      assert.deepStrictEqual(fresh.hparams, { lr: 0.01, global_batch_size: 32 })
    })))

  it.effect("100 kills by id: 100 POSTs and 0 GETs", () =>
    local(Effect.gen(function*() {
      const expId = yield* createExperiment(random(100))
      yield* advance("2 seconds")
      const ids = (yield* Experiment.listTrials(expId)).map((t) => t.id)
      assert.strictEqual(ids.length, 100)
      yield* resetRequests
      yield* Effect.forEach(ids, Trial.kill, { concurrency: 8, discard: true })
      const rs = yield* requests
      assert.strictEqual(rs.length, 100)
      assert.strictEqual(rs.filter((r) => r.method === "GET").length, 0)
      assert.isTrue(rs.every((r) => r.method === "POST" && /^\/api\/v1\/trials\/\d+\/kill$/.test(r.path)))
      yield* advance("1 second")
      const after = yield* Trial.get(ids[0]!)
      assert.strictEqual(after.state, "CANCELED")
    })))

  it.effect("kill drops the cached entry; experiment reads the parent through the cache", () =>
    local(Effect.gen(function*() {
      const expId = yield* createExperiment()
      yield* advance("2 seconds")
      const [t] = yield* Experiment.listTrials(expId)
      const before = yield* Trial.get(t!.id)
      assert.include(["RUNNING", "STARTING", "PULLING", "QUEUED"], before.state)
      yield* Trial.kill(t!.id)
      assert.include(["STOPPING_KILLED", "CANCELED"], (yield* Trial.get(t!.id)).state)
      const parent = yield* Trial.experiment(t!.id)
      assert.strictEqual(parent.id, expId)
      yield* resetRequests
      yield* Trial.experiment(t!.id)
      assert.strictEqual((yield* requests).length, 0)
    })))

  it.effect("listCheckpoints: no state filter by default (as upstream), sorts as the experiment variant", () =>
    local(Effect.gen(function*() {
      const expId = yield* createExperiment()
      yield* advance("30 seconds")
      const [t] = yield* Experiment.listTrials(expId)
      const all = yield* Trial.listCheckpoints(t!.id)
      // after garbage collection some checkpoints are DELETED: the trial variant lists them too
      assert.isTrue(all.some((c) => c.state === "DELETED"))
      const completed = yield* Trial.listCheckpoints(t!.id, { states: ["COMPLETED"] })
      assert.isTrue(completed.length > 0 && completed.every((c) => c.state === "COMPLETED"))
      const latest = yield* Trial.listCheckpoints(t!.id, { sortBy: "BATCH_NUMBER", orderBy: "desc", maxResults: 1 })
      assert.strictEqual(latest[0]?.metadata["steps_completed"], 1000)
      const byLoss = yield* Trial.listCheckpoints(t!.id, {
        sortBy: "validation_loss",
        orderBy: "asc",
        states: ["COMPLETED"]
      })
      const losses = byLoss.map((c) => c.training?.validationMetrics?.avgMetrics?.["validation_loss"] as number)
      assert.isTrue(losses.every((x, i) => i === 0 || losses[i - 1]! <= x))
      const streamed = yield* Trial.streamCheckpoints(t!.id).pipe(Stream.runCollect)
      assert.strictEqual(Chunk.size(streamed), all.length)
    })))

  it.effect("404s are NotFound{trial, id}", () =>
    local(Effect.gen(function*() {
      const ops: ReadonlyArray<(id: number) => Effect.Effect<unknown, DeterminedError.HttpError, any>> = [
        Trial.get,
        Trial.reload,
        Trial.kill,
        (id: number) => Trial.listCheckpoints(id)
      ]
      for (const op of ops) {
        const error = yield* Effect.flip(op(777))
        assert.strictEqual(error._tag, "NotFound")
        if (error._tag === "NotFound") {
          assert.strictEqual(error.resource, "trial")
          assert.strictEqual(error.id, "777")
        }
      }
    })))
})
