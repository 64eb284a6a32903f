import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { Trial } from "effect-determined"
import { json, loginOk, makeMockHttp, type Recorded } from "../utils/mockHttp.js"

// Wire-level tests over a mock HTTP client. Behaviour against a simulated master: trial.local.test.ts.

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
