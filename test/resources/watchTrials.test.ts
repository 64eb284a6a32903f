import { assert, describe, it } from "@effect/vitest"
import { Chunk, Effect, Either, Schedule, Stream } from "effect"
import { Experiment, Trial } from "effect-determined"
import { json, loginOk, makeMockHttp, type Recorded } from "../utils/mockHttp.js"

// watchTrials decodes a row only when its JSON differs from the row the previous poll decoded for that trial;
// these tests make sure that skipping is exact: what changed outside the fingerprint still reaches the cache,
// and a row that breaks later fails as decoding the whole page would.

const pollsOf = (polls: ReadonlyArray<ReadonlyArray<unknown>>) => {
  let poll = 0
  return (r: Recorded): Response => {
    if (r.path === "/api/v1/auth/login") return loginOk()
    if (r.path === "/api/v1/experiments/7/trials") return json({ trials: polls[Math.min(poll++, polls.length - 1)] })
    return json({ error: { code: 5, reason: "NotFound", error: "no route" } }, 404)
  }
}

const watch = (polls: number) => Experiment.watchTrials(7, { schedule: Schedule.recurs(polls - 1) })

describe("Experiment.watchTrials: rows equal to the last poll's are not decoded again", () => {
  it.effect("a field outside the fingerprint that changed is stored; unchanged rows are emitted once", () =>
    Effect.gen(function*() {
      const mock = yield* makeMockHttp(pollsOf([
        [{ id: 1, state: "STATE_ACTIVE", wallClockTime: 1 }, { id: 2, state: "STATE_ACTIVE", wallClockTime: 1 }],
        [{ id: 1, state: "STATE_ACTIVE", wallClockTime: 1 }, { id: 2, state: "STATE_ACTIVE", wallClockTime: 2 }],
        [{ state: "STATE_ACTIVE", wallClockTime: 1, id: 1 }, { id: 2, state: "STATE_ACTIVE", wallClockTime: 2 }]
      ]))
      yield* Effect.gen(function*() {
        const emitted = Chunk.toReadonlyArray(yield* Stream.runCollect(watch(3)))
        // the fingerprint (state, progress, ...) did not change after the first poll
        assert.deepStrictEqual(emitted.map((t) => t.id), [1, 2])
        // the cache holds what the last poll said, wallClockTime included, without a request
        const before = (yield* mock.requests).length
        assert.strictEqual((yield* Trial.get(2)).wallClockTime, 2)
        assert.strictEqual((yield* Trial.get(1)).wallClockTime, 1)
        assert.strictEqual((yield* mock.requests).length, before)
      }).pipe(Effect.provide(mock.layer()))
    }))

  it.effect("a row that breaks in a later poll is the DecodeError of its page, naming the row and field", () =>
    Effect.gen(function*() {
      const mock = yield* makeMockHttp(pollsOf([
        [{ id: 1, state: "STATE_ACTIVE" }, { id: 2, state: "STATE_ACTIVE" }],
        [{ id: 1, state: "STATE_ACTIVE" }, { id: 2, state: "STATE_ACTIVE", startTime: "None" }]
      ]))
      const result = yield* Effect.either(Stream.runCollect(watch(2))).pipe(Effect.provide(mock.layer()))
      assert.isTrue(Either.isLeft(result))
      if (Either.isLeft(result)) {
        assert.strictEqual(result.left._tag, "DecodeError")
        if (result.left._tag === "DecodeError") assert.strictEqual(result.left.field, "trials.1.startTime")
      }
    }))

  it.effect("a row that breaks on a later page is named by its index in that page (not in the poll)", () =>
    Effect.gen(function*() {
      const rows = [
        { id: 1, state: "STATE_ACTIVE" },
        { id: 2, state: "STATE_ACTIVE" },
        { id: 3, state: "STATE_ACTIVE" },
        { id: 4, state: "STATE_ACTIVE", startTime: "None" }
      ]
      const mock = yield* makeMockHttp((r) => {
        if (r.path === "/api/v1/auth/login") return loginOk()
        const offset = Number(r.query.get("offset") ?? 0)
        return json({
          trials: rows.slice(offset, offset + 2),
          pagination: { offset, limit: 2, startIndex: offset, endIndex: offset + 2, total: rows.length }
        })
      })
      const result = yield* Effect.either(Stream.runCollect(
        Experiment.watchTrials(7, { pageSize: 2, schedule: Schedule.recurs(0) })
      )).pipe(Effect.provide(mock.layer()))
      assert.isTrue(Either.isLeft(result))
      if (Either.isLeft(result)) {
        assert.strictEqual(result.left._tag, "DecodeError")
        if (result.left._tag === "DecodeError") assert.strictEqual(result.left.field, "trials.1.startTime")
      }
      // one request per page, the first page's before the second's
      const offsets = (yield* mock.requests).filter((r) => r.path.endsWith("/trials")).map((r) => r.query.get("offset"))
      assert.deepStrictEqual(offsets, ["0", "2"])
    }))
})
