import { assert, describe, it } from "@effect/vitest"
import { Chunk, Effect, Stream } from "effect"
import { Experiment, Workspace } from "effect-determined"
import { LocalMaster } from "effect-determined/testing"
import { requests, resetRequests } from "./localHelpers.js"

// `limit` (MLflow's max_results) on lists and streams: at most that many rows, no page beyond the one that holds
// the last of them, each page asking for the rows still missing; requests counted by LocalMaster.

const local = <A, E>(effect: Effect.Effect<A, E, any>) =>
  (effect as Effect.Effect<A, E, never>).pipe(Effect.provide(LocalMaster.layer({ seed: 5 })))

const seeded = Effect.flatMap(LocalMaster.LocalMaster, (master) => master.seedExperiments(250, { withTrials: false }))

/** The `[offset, limit]` of each experiments page requested since the last reset. */
const pages = Effect.map(
  requests,
  (rs) =>
    rs.filter((r) => r.method === "GET" && r.path === "/api/v1/experiments").map((r) => {
      const q = new URLSearchParams(r.query)
      return [q.get("offset"), q.get("limit")] as const
    })
)

describe("limit and read-ahead against LocalMaster", () => {
  it.effect("list with limit: at most that many rows, one request when one page holds them", () =>
    local(Effect.gen(function*() {
      yield* seeded
      yield* resetRequests
      const five = yield* Experiment.list({ limit: 5 })
      assert.strictEqual(five.length, 5)
      assert.deepStrictEqual(yield* pages, [["0", "5"]])
      yield* resetRequests
      const one = yield* Workspace.list({ limit: 1 })
      assert.strictEqual(one.length, 1)
      assert.strictEqual((yield* requests).length, 1)
    })))

  it.effect("list and stream with a limit over a page: pages of 100, the last asks only for what is missing", () =>
    local(Effect.gen(function*() {
      yield* seeded
      yield* resetRequests
      const rows = yield* Experiment.list({ limit: 150 })
      assert.strictEqual(rows.length, 150)
      assert.deepStrictEqual(yield* pages, [["0", "100"], ["100", "50"]])
      yield* resetRequests
      const streamed = yield* Stream.runCollect(Experiment.stream({ limit: 120, pageSize: 50 }))
      assert.strictEqual(Chunk.size(streamed), 120)
      assert.deepStrictEqual(yield* pages, [["0", "50"], ["50", "50"], ["100", "20"]])
      // a limit beyond what there is: every row, and no page after the last
      yield* resetRequests
      assert.strictEqual((yield* Experiment.list({ limit: 1000 })).length, 250)
      assert.deepStrictEqual(yield* pages, [["0", "100"], ["100", "100"], ["200", "100"]])
    })))

  it.effect("stream + Stream.take(5) reads one page; without a limit the master's page size (100) is used", () =>
    local(Effect.gen(function*() {
      yield* seeded
      yield* resetRequests
      const five = yield* Experiment.stream().pipe(Stream.take(5), Stream.runCollect)
      assert.strictEqual(Chunk.size(five), 5)
      assert.deepStrictEqual(yield* pages, [["0", null]])
      yield* resetRequests
      const all = yield* Stream.runCount(Experiment.stream())
      assert.strictEqual(all, 250)
      assert.deepStrictEqual(yield* pages, [["0", null], ["100", null], ["200", null]])
    })))

  it.effect("a limit or page size that is not a positive integer is InvalidRequest{ClientValidation}, nothing sent", () =>
    local(Effect.gen(function*() {
      yield* resetRequests
      for (const options of [{ limit: 0 }, { limit: -1 }, { limit: 1.5 }, { pageSize: 0 }, { limit: Number.NaN }]) {
        const e = yield* Effect.flip(Experiment.list(options))
        assert.strictEqual(e._tag, "InvalidRequest", JSON.stringify(options))
        assert.strictEqual(e._tag === "InvalidRequest" && e.reason, "ClientValidation")
        assert.match(e.message, /(limit|pageSize) must be a positive integer/)
        const s = yield* Effect.flip(Stream.runDrain(Workspace.stream(options)))
        assert.strictEqual(s._tag, "InvalidRequest")
      }
      assert.strictEqual((yield* requests).length, 0)
    })))
})
