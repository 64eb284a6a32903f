import { assert, describe, it } from "@effect/vitest"
import { Deferred, Effect, Fiber, Option, Ref, TestClock } from "effect"
import { ResourceCache } from "effect-determined"

const key = ResourceCache.key<number>("experiment", 1)

const counter = Effect.gen(function*() {
  const calls = yield* Ref.make(0)
  return { calls, fetch: Ref.updateAndGet(calls, (n) => n + 1) }
})

describe("ResourceCache.layerMemory", () => {
  it.effect("hit, refresh, set, invalidate", () =>
    Effect.gen(function*() {
      const cache = yield* ResourceCache.makeMemory()
      const { calls, fetch } = yield* counter
      assert.strictEqual(yield* cache.getOrFetch(key, fetch), 1)
      assert.strictEqual(yield* cache.getOrFetch(key, fetch), 1)
      assert.strictEqual(yield* Ref.get(calls), 1)
      assert.strictEqual(yield* cache.refresh(key, fetch), 2)
      assert.strictEqual(yield* cache.getOrFetch(key, fetch), 2)
      yield* cache.set(key, 42)
      assert.strictEqual(yield* cache.getOrFetch(key, fetch), 42)
      yield* cache.invalidate(key)
      assert.isTrue(Option.isNone(yield* cache.get(key)))
      assert.strictEqual(yield* cache.getOrFetch(key, fetch), 3)
      yield* cache.invalidateAll
      assert.strictEqual(yield* cache.size, 0)
    }))

  it.effect("entries carry fetchedAt and expire after the TTL", () =>
    Effect.gen(function*() {
      const cache = yield* ResourceCache.makeMemory({ timeToLive: "10 seconds" })
      const { fetch } = yield* counter
      yield* TestClock.adjust("5 seconds")
      yield* cache.getOrFetch(key, fetch)
      const entry = yield* cache.get(key)
      assert.strictEqual(Option.getOrThrow(entry).fetchedAt, 5000)
      yield* TestClock.adjust("9 seconds")
      assert.strictEqual(yield* cache.getOrFetch(key, fetch), 1)
      yield* TestClock.adjust("1 second")
      assert.strictEqual(yield* cache.getOrFetch(key, fetch), 2)
    }))

  it.effect("bounded LRU evicts the least recently used", () =>
    Effect.gen(function*() {
      const cache = yield* ResourceCache.makeMemory({ capacity: 2 })
      const a = ResourceCache.key<string>("t", 1)
      const b = ResourceCache.key<string>("t", 2)
      const c = ResourceCache.key<string>("t", 3)
      yield* cache.set(a, "a")
      yield* cache.set(b, "b")
      yield* cache.get(a) // a is now more recent than b
      yield* cache.set(c, "c")
      assert.isTrue(Option.isSome(yield* cache.get(a)))
      assert.isTrue(Option.isNone(yield* cache.get(b)))
      assert.isTrue(Option.isSome(yield* cache.get(c)))
    }))

  it.effect("1,000 concurrent misses of one key cause one fetch", () =>
    Effect.gen(function*() {
      const cache = yield* ResourceCache.makeMemory()
      const { calls, fetch } = yield* counter
      const gate = yield* Deferred.make<void>()
      const slow = Effect.zipRight(Deferred.await(gate), fetch)
      const fiber = yield* Effect.all(Array.from({ length: 1000 }, () => cache.getOrFetch(key, slow)), {
        concurrency: "unbounded"
      }).pipe(Effect.fork)
      yield* Effect.yieldNow()
      yield* Deferred.succeed(gate, undefined)
      const values = yield* Fiber.join(fiber)
      assert.strictEqual(yield* Ref.get(calls), 1)
      assert.isTrue(values.every((v) => v === 1))
    }))

  it.effect("failures are not cached, and waiters see the failure", () =>
    Effect.gen(function*() {
      const cache = yield* ResourceCache.makeMemory()
      const exit = yield* cache.getOrFetch(key, Effect.fail("boom")).pipe(Effect.exit)
      assert.strictEqual(exit._tag, "Failure")
      assert.strictEqual(yield* cache.getOrFetch(key, Effect.succeed(5)), 5)
    }))

  it.effect("an interrupted owner does not strand waiters", () =>
    Effect.gen(function*() {
      const cache = yield* ResourceCache.makeMemory()
      const owner = yield* cache.getOrFetch(key, Effect.never).pipe(Effect.fork)
      yield* Effect.yieldNow()
      const waiter = yield* cache.getOrFetch(key, Effect.succeed(9)).pipe(Effect.fork)
      yield* Effect.yieldNow()
      yield* Fiber.interrupt(owner)
      assert.strictEqual(yield* Fiber.join(waiter), 9)
    }))
})

describe("ResourceCache.layerDisabled", () => {
  it.effect("always fetches", () =>
    Effect.gen(function*() {
      const cache = ResourceCache.disabled
      const { calls, fetch } = yield* counter
      yield* cache.getOrFetch(key, fetch)
      yield* cache.getOrFetch(key, fetch)
      assert.strictEqual(yield* Ref.get(calls), 2)
    }))
})
