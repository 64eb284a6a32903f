import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit, Fiber, Layer, Schedule, Schema, Stream, TestClock } from "effect"
import { RetryPolicy } from "effect-determined"
import { DeterminedHttp } from "effect-determined/advanced"
import {
  awaitRequests,
  awaitSleeping,
  driveClock,
  json,
  loginOk,
  makeMockHttp,
  unaryError,
  yieldToEventLoop
} from "../utils/mockHttp.js"

const Thing = Schema.Struct({ thing: Schema.Struct({ id: Schema.Number }) })
const getThing = Effect.flatMap(
  DeterminedHttp.DeterminedHttp,
  (http) => http.json({ method: "GET", path: "/t" }, Thing)
)
const streamThings = Stream.unwrap(
  Effect.map(DeterminedHttp.DeterminedHttp, (http) => http.stream({ method: "GET", path: "/s" }, Schema.Number))
)
const down = () => unaryError(503, 14, "Unavailable", "down")
const isLogin = (r: { path: string }) => r.path === "/api/v1/auth/login"

describe("RetryPolicy with a user Schedule", () => {
  it.effect("globally (layer) and per call (withPolicy), counting attempts", () =>
    Effect.gen(function*() {
      const mock = yield* makeMockHttp((r) => isLogin(r) ? loginOk() : down())
      const attempts = Effect.map(mock.requests, (rs) => rs.filter((r) => !isLogin(r)).length)
      const global = Layer.merge(mock.layer(), RetryPolicy.layer({ schedule: Schedule.recurs(2) }))

      // the program's policy: 2 retries, no delay, so no clock needed
      const exit1 = yield* getThing.pipe(Effect.provide(global), Effect.exit)
      assert.isTrue(Exit.isFailure(exit1))
      assert.strictEqual(yield* attempts, 3)

      // one call with its own schedule, under the same global layer: 4 retries
      yield* getThing.pipe(
        RetryPolicy.withPolicy({ schedule: Schedule.recurs(4) }),
        Effect.provide(global),
        Effect.exit
      )
      assert.strictEqual((yield* attempts) - 3, 5)

      // per call on a stream (the request until the headers)
      yield* streamThings.pipe(
        Stream.runDrain,
        RetryPolicy.withPolicy({ schedule: Schedule.recurs(1) }),
        Effect.provide(global),
        Effect.exit
      )
      assert.strictEqual((yield* attempts) - 8, 2)

      // a per-call predicate: never retry this request
      yield* getThing.pipe(RetryPolicy.withPolicy({ retryable: () => false }), Effect.provide(global), Effect.exit)
      assert.strictEqual((yield* attempts) - 10, 1)
    }))

  it.effect("a user schedule's delays run on the Clock", () =>
    Effect.gen(function*() {
      const mock = yield* makeMockHttp((r, n) => isLogin(r) ? loginOk() : n < 4 ? down() : json({ thing: { id: 1 } }))
      const fiber = yield* getThing.pipe(
        Effect.provide(Layer.merge(mock.layer(), RetryPolicy.layer({ schedule: Schedule.spaced("10 seconds") }))),
        Effect.fork
      )
      yield* awaitRequests(mock.requests, 2)
      yield* awaitSleeping
      yield* TestClock.adjust("9999 millis")
      assert.strictEqual((yield* mock.requests).length, 2)
      yield* TestClock.adjust("1 millis")
      yield* awaitRequests(mock.requests, 3)
      yield* awaitSleeping
      yield* TestClock.adjust("10 seconds")
      const thing = yield* Fiber.join(fiber)
      assert.strictEqual(thing.thing.id, 1)
      assert.strictEqual((yield* mock.requests).length, 4)
    }))

  it.effect("layerDisabled: one attempt", () =>
    Effect.gen(function*() {
      const mock = yield* makeMockHttp((r) => isLogin(r) ? loginOk() : down())
      yield* getThing.pipe(Effect.provide(Layer.merge(mock.layer(), RetryPolicy.layerDisabled)), Effect.exit)
      assert.strictEqual((yield* mock.requests).filter((r) => !isLogin(r)).length, 1)
    }))
})

describe("RetryPolicy default schedule", () => {
  it.effect("delays on the TestClock: Retry-After replaces the backoff, capped at 30 s; jittered backoff between", () =>
    Effect.gen(function*() {
      const answers = [
        () => unaryError(503, 14, "Unavailable", "restarting", { "retry-after": "3" }),
        () => unaryError(502, 14, "Unavailable", "bad gateway"),
        () => unaryError(429, 8, "ResourceExhausted", "slow down", { "retry-after": "120" }),
        () => json({ thing: { id: 7 } })
      ]
      const mock = yield* makeMockHttp((r, n) => isLogin(r) ? loginOk() : answers[n - 2]!())
      const count = Effect.map(mock.requests, (rs) => rs.length)
      const fiber = yield* getThing.pipe(Effect.provide(mock.layer()), Effect.fork)
      yield* awaitRequests(mock.requests, 2)

      // retry 1: the 503's Retry-After of 3 s, exactly
      yield* awaitSleeping
      yield* TestClock.adjust("2999 millis")
      assert.strictEqual(yield* count, 2)
      yield* TestClock.adjust("1 millis")
      yield* awaitRequests(mock.requests, 3)

      // retry 2: no Retry-After, so the backoff's second delay: 1 s jittered to between 500 ms and 1 s
      yield* awaitSleeping
      yield* TestClock.adjust("499 millis")
      assert.strictEqual(yield* count, 3)
      let waited = 499
      while ((yield* count) < 4 && waited < 1000) {
        yield* TestClock.adjust("1 millis")
        waited++
        yield* yieldToEventLoop
      }
      yield* awaitRequests(mock.requests, 4)
      assert.isTrue(waited >= 500 && waited <= 1000, `second delay ${waited} ms`)

      // retry 3: the 429 asked for 120 s, honoured up to 30 s
      yield* awaitSleeping
      yield* TestClock.adjust("29999 millis")
      assert.strictEqual(yield* count, 4)
      yield* TestClock.adjust("1 millis")
      const thing = yield* Fiber.join(fiber)
      assert.strictEqual(thing.thing.id, 7)
      assert.strictEqual(yield* count, 5)
    }))

  it.effect("maxRetryAfter: zero ignores Retry-After", () =>
    Effect.gen(function*() {
      const mock = yield* makeMockHttp((r, n) =>
        isLogin(r)
          ? loginOk()
          : n === 2
          ? unaryError(429, 8, "ResourceExhausted", "slow down", { "retry-after": "60" })
          : json({ thing: { id: 7 } })
      )
      const fiber = yield* getThing.pipe(
        Effect.provide(Layer.merge(mock.layer(), RetryPolicy.layer({ maxRetryAfter: "0 millis" }))),
        Effect.fork
      )
      yield* awaitRequests(mock.requests, 2)
      yield* awaitSleeping
      yield* TestClock.adjust("500 millis")
      yield* Fiber.join(fiber)
      assert.strictEqual((yield* mock.requests).length, 3)
    }))

  it.effect("backoff(): 5 retries, then the last failure", () =>
    Effect.gen(function*() {
      const mock = yield* makeMockHttp((r) => isLogin(r) ? loginOk() : down())
      const fiber = yield* getThing.pipe(Effect.provide(mock.layer()), Effect.exit, Effect.fork)
      const exit = yield* driveClock(fiber)
      assert.isTrue(Exit.isFailure(exit))
      assert.strictEqual((yield* mock.requests).filter((r) => !isLogin(r)).length, 6)
    }))
})

describe("re-login", () => {
  it.effect("after a 401, a login answering 503 is retried; 20 waiters share one login", () =>
    Effect.gen(function*() {
      let logins = 0
      const mock = yield* makeMockHttp((r) => {
        if (isLogin(r)) {
          logins++
          // the first login works; then the master restarts: two 503s before the re-login gets through
          return logins === 1 || logins >= 4 ? loginOk(`tok-${logins}`) : down()
        }
        return r.headers["authorization"] === "Bearer tok-1"
          ? unaryError(401, 16, "Unauthenticated", "the session expired")
          : json({ thing: { id: 1 } })
      })
      const fiber = yield* Effect.all(Array.from({ length: 20 }, () => getThing), { concurrency: "unbounded" }).pipe(
        Effect.provide(mock.layer()),
        Effect.fork
      )
      const things = yield* driveClock(fiber, "100 millis")
      assert.strictEqual(things.length, 20)
      // one first login, then one re-login (three attempts): not one per waiter
      assert.strictEqual(logins, 4)
    }))

  it.effect("a re-login that keeps failing fails every waiter with its error, after one retried login", () =>
    Effect.gen(function*() {
      let logins = 0
      const mock = yield* makeMockHttp((r) => {
        if (isLogin(r)) return ++logins === 1 ? loginOk("tok-1") : down()
        return unaryError(401, 16, "Unauthenticated", "the session expired")
      })
      const fiber = yield* Effect.all(
        Array.from({ length: 20 }, () => Effect.flip(getThing)),
        { concurrency: "unbounded" }
      ).pipe(Effect.provide(mock.layer()), Effect.fork)
      const errors = yield* driveClock(fiber, "1 second")
      assert.deepStrictEqual([...new Set(errors.map((e) => e._tag))], ["ServerError"])
      // the first login, and one shared re-login with its 5 retries
      assert.strictEqual(logins, 1 + 6)
    }))
})
