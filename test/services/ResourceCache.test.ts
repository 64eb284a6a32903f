import { assert, describe, it } from "@effect/vitest"
import { Cause, Deferred, Effect, Fiber, Option, Ref, TestClock } from "effect"
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

  it.effect("setting the very snapshot stored again refreshes it, makes it the most recent, and voids a fetch", () =>
    Effect.gen(function*() {
      const cache = yield* ResourceCache.makeMemory({ capacity: 2, timeToLive: "10 seconds" })
      const a = { id: 1 }
      const other = ResourceCache.key<{ id: number }>("experiment", 2)
      const third = ResourceCache.key<{ id: number }>("experiment", 3)
      const keyA = ResourceCache.key<{ id: number }>("experiment", 1)
      yield* cache.set(keyA, a)
      yield* cache.set(other, { id: 2 })
      yield* TestClock.adjust("8 seconds")
      // a fetch of the key is in flight while the same snapshot is set again: the fetch's value is not stored
      const started = yield* Deferred.make<void>()
      const release = yield* Deferred.make<void>()
      const fetch = Deferred.succeed(started, undefined).pipe(
        Effect.zipRight(Deferred.await(release)),
        Effect.as({ id: 9 })
      )
      const fiber = yield* Effect.fork(cache.refresh(keyA, fetch))
      yield* Deferred.await(started)
      yield* cache.set(keyA, a)
      yield* Deferred.succeed(release, undefined)
      assert.deepStrictEqual(yield* Fiber.join(fiber), { id: 9 })
      const entry = Option.getOrThrow(yield* cache.get(keyA))
      assert.strictEqual(entry.value, a)
      assert.strictEqual(entry.fetchedAt, 8000)
      // the most recently used: a third entry evicts the other one
      yield* cache.set(third, { id: 3 })
      assert.isTrue(Option.isSome(yield* cache.get(keyA)))
      assert.isTrue(Option.isNone(yield* cache.get(other)))
      // fresh for 10 seconds from the second set
      yield* TestClock.adjust("9 seconds")
      assert.isTrue(Option.isSome(yield* cache.get(keyA)))
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

  it.effect("waiters of a miss see its failure, without a fetch of their own", () =>
    Effect.gen(function*() {
      const cache = yield* ResourceCache.makeMemory()
      const { calls, fetch } = yield* counter
      const gate = yield* Deferred.make<void>()
      const failing = Effect.zipRight(Effect.zipRight(fetch, Deferred.await(gate)), Effect.fail("boom"))
      const owner = yield* Effect.exit(cache.getOrFetch(key, failing)).pipe(Effect.fork)
      yield* Effect.yieldNow()
      const first = yield* Effect.exit(cache.getOrFetch(key, failing)).pipe(Effect.fork)
      const second = yield* Effect.exit(cache.getOrFetch(key, failing)).pipe(Effect.fork)
      yield* Effect.yieldNow()
      yield* Deferred.succeed(gate, undefined)
      const exits = [yield* Fiber.join(owner), yield* Fiber.join(first), yield* Fiber.join(second)]
      assert.strictEqual(yield* Ref.get(calls), 1)
      assert.deepStrictEqual(exits.map((e) => e._tag === "Failure" && Cause.failureOption(e.cause)), [
        Option.some("boom"),
        Option.some("boom"),
        Option.some("boom")
      ])
    }))

  it.effect("an identify that throws is a defect of the miss and of its waiters; the cache goes on", () =>
    Effect.gen(function*() {
      const cache = yield* ResourceCache.makeMemory()
      const { calls, fetch } = yield* counter
      const gate = yield* Deferred.make<void>()
      const broken = (): ResourceCache.Identity => {
        throw new Error("no identity")
      }
      const slow = Effect.zipLeft(fetch, Deferred.await(gate))
      const owner = yield* Effect.exit(cache.getOrFetch(key, slow, broken)).pipe(Effect.fork)
      yield* Effect.yieldNow()
      const waiter = yield* Effect.exit(cache.getOrFetch(key, slow, broken)).pipe(Effect.fork)
      yield* Effect.yieldNow()
      yield* Deferred.succeed(gate, undefined)
      for (const exit of [yield* Fiber.join(owner), yield* Fiber.join(waiter)]) {
        assert.isTrue(exit._tag === "Failure" && Cause.isDie(exit.cause))
      }
      assert.strictEqual(yield* Ref.get(calls), 1)
      assert.isTrue(Option.isNone(yield* cache.get(key)))
      assert.strictEqual(yield* cache.getOrFetch(key, Effect.succeed(2)), 2)
      assert.strictEqual(yield* cache.getOrFetch(key, Effect.succeed(3)), 2)
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

describe("ResourceCache generations", () => {
  it.effect("an invalidation while a fetch is in flight voids it: the next get fetches again", () =>
    Effect.gen(function*() {
      const cache = yield* ResourceCache.makeMemory()
      const { calls, fetch } = yield* counter
      const gate = yield* Deferred.make<void>()
      const started = yield* Deferred.make<void>()
      const slow = Deferred.succeed(started, undefined).pipe(
        Effect.zipRight(Deferred.await(gate)),
        Effect.zipRight(fetch)
      )
      const first = yield* cache.getOrFetch(key, slow).pipe(Effect.fork)
      yield* Deferred.await(started) // the fetch is in flight (e.g. Experiment.get racing Experiment.kill)
      yield* cache.invalidate(key)
      yield* Deferred.succeed(gate, undefined)
      assert.strictEqual(yield* Fiber.join(first), 1) // its caller still gets what it fetched
      assert.isTrue(Option.isNone(yield* cache.get(key))) // but it was not stored
      assert.strictEqual(yield* cache.getOrFetch(key, fetch), 2) // the next get fetches again
      assert.strictEqual(yield* Ref.get(calls), 2)
    }))

  it.effect("a get after an invalidation does not join the fetch from before it", () =>
    Effect.gen(function*() {
      const cache = yield* ResourceCache.makeMemory()
      const gate = yield* Deferred.make<void>()
      const old = yield* cache.getOrFetch(key, Effect.as(Deferred.await(gate), 1)).pipe(Effect.fork)
      yield* Effect.yieldNow()
      yield* cache.invalidate(key)
      assert.strictEqual(yield* cache.getOrFetch(key, Effect.succeed(2)), 2)
      yield* Deferred.succeed(gate, undefined)
      assert.strictEqual(yield* Fiber.join(old), 1)
      assert.strictEqual(yield* cache.getOrFetch(key, Effect.succeed(3)), 2)
    }))

  it.effect("a set (a mutation's answer) is newer than a fetch in flight", () =>
    Effect.gen(function*() {
      const cache = yield* ResourceCache.makeMemory()
      const gate = yield* Deferred.make<void>()
      const old = yield* cache.refresh(key, Effect.as(Deferred.await(gate), 1)).pipe(Effect.fork)
      yield* Effect.yieldNow()
      yield* cache.set(key, 42)
      yield* Deferred.succeed(gate, undefined)
      yield* Fiber.join(old)
      assert.strictEqual(yield* cache.getOrFetch(key, Effect.succeed(0)), 42)
    }))

  it.effect("an invalidation of the whole cache voids every fetch in flight", () =>
    Effect.gen(function*() {
      const cache = yield* ResourceCache.makeMemory()
      const gate = yield* Deferred.make<void>()
      const old = yield* cache.getOrFetch(key, Effect.as(Deferred.await(gate), 1)).pipe(Effect.fork)
      yield* Effect.yieldNow()
      yield* cache.invalidateAll
      yield* Deferred.succeed(gate, undefined)
      yield* Fiber.join(old)
      assert.strictEqual(yield* cache.size, 0)
    }))
})

describe("ResourceCache aliases and relations", () => {
  interface Model {
    readonly id: number
    readonly name: string
  }
  const byId = (id: number) => ResourceCache.key<Model>("model", `id:${id}`)
  const byName = (name: string) => ResourceCache.key<Model>("model", `name:${name}`)
  const identify = (m: Model) => ({ keys: [byId(m.id), byName(m.name)] })

  it.effect("one entry under its id and its name: one fetch, one invalidation", () =>
    Effect.gen(function*() {
      const cache = yield* ResourceCache.makeMemory()
      const calls = yield* Ref.make(0)
      const fetch = Ref.updateAndGet(calls, (n) => n + 1).pipe(Effect.map((n) => ({ id: 12, name: `mnist-${n}` })))
      yield* cache.getOrFetch(byName("mnist-1"), fetch, identify)
      assert.strictEqual((yield* cache.getOrFetch(byId(12), fetch, identify)).name, "mnist-1")
      assert.strictEqual(yield* cache.size, 1)
      yield* cache.invalidate(byId(12))
      assert.isTrue(Option.isNone(yield* cache.get(byName("mnist-1"))))
      assert.strictEqual(yield* Ref.get(calls), 1)
    }))

  it.effect("a fetch by name in flight is voided by an invalidation by id", () =>
    Effect.gen(function*() {
      const cache = yield* ResourceCache.makeMemory()
      const gate = yield* Deferred.make<void>()
      const old = yield* cache.getOrFetch(
        byName("mnist"),
        Effect.as(Deferred.await(gate), { id: 12, name: "mnist" }),
        identify
      )
        .pipe(Effect.fork)
      yield* Effect.yieldNow()
      yield* cache.invalidate(byId(12))
      yield* Deferred.succeed(gate, undefined)
      yield* Fiber.join(old)
      assert.strictEqual(yield* cache.size, 0)
    }))

  interface Exp {
    readonly id: number
    readonly trialIds: ReadonlyArray<number>
  }
  interface Trial {
    readonly id: number
    readonly experimentId: number
  }
  const experiment = (id: number) => ResourceCache.key<Exp>("experiment", id)
  const trial = (id: number) => ResourceCache.key<Trial>("trial", id)
  const exp = (id: number, trialIds: ReadonlyArray<number>) => ({ id, trialIds })
  const identifyExp = (e: Exp) => ({
    keys: [experiment(e.id)],
    links: e.trialIds.map(trial)
  })
  const identifyTrial = (t: Trial) => ({
    keys: [trial(t.id)],
    links: [experiment(t.experimentId)]
  })

  it.effect("related: an entity goes stale with what it mentions and what mentions it", () =>
    Effect.gen(function*() {
      const cache = yield* ResourceCache.makeMemory()
      yield* cache.set(experiment(7), exp(7, [1, 2]), identifyExp)
      yield* cache.set(trial(1), { id: 1, experimentId: 7 }, identifyTrial)
      yield* cache.set(trial(3), { id: 3, experimentId: 7 }, identifyTrial) // not in the snapshot's trialIds
      yield* cache.set(trial(9), { id: 9, experimentId: 8 }, identifyTrial)
      yield* cache.invalidate(experiment(7), { related: true })
      assert.isTrue(Option.isNone(yield* cache.get(trial(1))))
      assert.isTrue(Option.isNone(yield* cache.get(trial(3))))
      assert.isTrue(Option.isSome(yield* cache.get(trial(9))))
      // and the other way round: a trial makes its experiment stale
      yield* cache.set(experiment(8), exp(8, []), identifyExp)
      yield* cache.invalidate(trial(9), { related: true })
      assert.isTrue(Option.isNone(yield* cache.get(experiment(8))))
    }))

  it.effect("related, unknown entity: the kinds that may mention it go stale", () =>
    Effect.gen(function*() {
      const cache = yield* ResourceCache.makeMemory()
      yield* cache.set(experiment(7), exp(7, [1]), identifyExp)
      yield* cache.set(ResourceCache.key<string>("user", 1), "alice")
      // trial 5 is not cached and no cached experiment lists it: which experiment it belongs to is unknown
      yield* cache.invalidate(trial(5), { related: true, otherwiseKinds: ["experiment"] })
      assert.isTrue(Option.isNone(yield* cache.get(experiment(7))))
      assert.isTrue(Option.isSome(yield* cache.get(ResourceCache.key<string>("user", 1))))
    }))

  it.effect("a fetch in flight whose value mentions an entity that went stale meanwhile is voided", () =>
    Effect.gen(function*() {
      const cache = yield* ResourceCache.makeMemory()
      const gate = yield* Deferred.make<void>()
      const old = yield* cache.getOrFetch(
        trial(1),
        Effect.as(Deferred.await(gate), { id: 1, experimentId: 7 }),
        identifyTrial
      )
        .pipe(Effect.fork)
      yield* Effect.yieldNow()
      yield* cache.invalidate(experiment(7), { related: true })
      yield* Deferred.succeed(gate, undefined)
      yield* Fiber.join(old)
      assert.isTrue(Option.isNone(yield* cache.get(trial(1))))
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
