import { assert, describe, expectTypeOf, it } from "@effect/vitest"
import type { Layer } from "effect"
import { Cause, Config, ConfigProvider, Effect, Exit, Option, TestClock } from "effect"
import type { DeterminedError } from "effect-determined"
import { Determined, ResourceCache, Workspace } from "effect-determined"
import { LocalMaster } from "effect-determined/testing"

// what the stack's cache does: keeps, forgets after the time to live, evicts beyond the capacity
const probe = Effect.gen(function*() {
  const cache = yield* ResourceCache.ResourceCache
  for (const id of [1, 2, 3]) yield* cache.set(ResourceCache.key<number>("probe", id), id)
  const size = yield* cache.size
  const kept = Option.isSome(yield* cache.get(ResourceCache.key<number>("probe", 3)))
  yield* TestClock.adjust("31 seconds")
  const afterTtl = Option.isSome(yield* cache.get(ResourceCache.key<number>("probe", 3)))
  return { size, kept, afterTtl }
})

const env = (vars: Record<string, string>) => ConfigProvider.fromMap(new Map(Object.entries(vars)))

const failureOf = <A, E>(exit: Exit.Exit<A, E>): E | undefined =>
  Exit.isFailure(exit) ? Option.getOrUndefined(Cause.failureOption(exit.cause)) : undefined

const invalidMessage = (exit: Exit.Exit<unknown, unknown>): string => {
  const failure = failureOf(exit) as { _tag?: string; message?: string } | undefined
  assert.strictEqual(failure?._tag, "InvalidConfiguration", `expected InvalidConfiguration, got ${String(exit)}`)
  return failure?.message ?? ""
}

describe("cache options from the environment (Determined.layerFromEnv)", () => {
  it.effect("unset: memory, no expiry", () =>
    Effect.gen(function*() {
      const r = yield* probe.pipe(Effect.provide(Determined.layerFromEnv), Effect.withConfigProvider(env({})))
      assert.deepStrictEqual(r, { size: 3, kept: true, afterTtl: true })
    }))

  it.effect("DET_CACHE=off: nothing kept", () =>
    Effect.gen(function*() {
      const r = yield* probe.pipe(
        Effect.provide(Determined.layerFromEnv),
        Effect.withConfigProvider(env({ DET_CACHE: "off" }))
      )
      assert.deepStrictEqual(r, { size: 0, kept: false, afterTtl: false })
    }))

  it.effect("DET_CACHE=memory, DET_CACHE_CAPACITY=2, DET_CACHE_TTL=30 seconds", () =>
    Effect.gen(function*() {
      const r = yield* probe.pipe(
        Effect.provide(Determined.layerFromEnv),
        Effect.withConfigProvider(env({ DET_CACHE: "memory", DET_CACHE_CAPACITY: "2", DET_CACHE_TTL: "30 seconds" }))
      )
      assert.deepStrictEqual(r, { size: 2, kept: true, afterTtl: false })
    }))

  it.effect("bad values fail the layer with InvalidConfiguration naming the variable and the value", () =>
    Effect.gen(function*() {
      const cases: ReadonlyArray<[Record<string, string>, RegExp]> = [
        [{ DET_CACHE: "lru" }, /DET_CACHE="lru".*"memory" or "off"/],
        [{ DET_CACHE_CAPACITY: "abc" }, /DET_CACHE_CAPACITY="abc".*positive integer/],
        [{ DET_CACHE_CAPACITY: "0" }, /DET_CACHE_CAPACITY="0"/],
        [{ DET_CACHE_CAPACITY: "-5" }, /DET_CACHE_CAPACITY="-5"/],
        [{ DET_CACHE_CAPACITY: "1.5" }, /DET_CACHE_CAPACITY="1.5"/],
        [{ DET_CACHE_TTL: "soon" }, /DET_CACHE_TTL="soon".*positive duration/],
        [{ DET_CACHE_TTL: "30" }, /DET_CACHE_TTL="30"/],
        [{ DET_CACHE_TTL: "0 seconds" }, /DET_CACHE_TTL="0 seconds"/],
        [{ DET_CACHE_TTL: "-1 seconds" }, /DET_CACHE_TTL="-1 seconds"/],
        [{ DET_CACHE: "off", DET_CACHE_TTL: "1 minute" }, /DET_CACHE_TTL is set but DET_CACHE=off/]
      ]
      for (const [vars, expected] of cases) {
        const exit = yield* probe.pipe(
          Effect.provide(Determined.layerFromEnv),
          Effect.withConfigProvider(env(vars)),
          Effect.exit
        )
        assert.match(invalidMessage(exit), expected, JSON.stringify(vars))
      }
    }))

  it.effect("ResourceCache.fromEnv: the options themselves", () =>
    Effect.gen(function*() {
      const options = yield* ResourceCache.fromEnv.pipe(
        Effect.withConfigProvider(env({ DET_CACHE: " Memory ", DET_CACHE_CAPACITY: "50", DET_CACHE_TTL: "5 minutes" }))
      )
      assert.isTrue(options !== false)
      if (options === false) return
      assert.strictEqual(options.capacity, 50)
      assert.strictEqual(options.timeToLive !== undefined && String(options.timeToLive), "Duration(5m)")
    }))
})

describe("cache options of Determined.layerConfig", () => {
  it.effect("default: the DET_CACHE variables of the ConfigProvider", () =>
    Effect.gen(function*() {
      const r = yield* probe.pipe(
        Effect.provide(Determined.layerConfig({ master: Config.string("MY_MASTER") })),
        Effect.withConfigProvider(env({ MY_MASTER: "det:8080", DET_CACHE: "off" }))
      )
      assert.strictEqual(r.size, 0)
    }))

  it.effect("options given as one Config: the cache from the DET_CACHE variables", () =>
    Effect.gen(function*() {
      const r = yield* probe.pipe(
        Effect.provide(Determined.layerConfig(Config.all({ master: Config.string("MY_MASTER") }))),
        Effect.withConfigProvider(env({ MY_MASTER: "det:8080", DET_CACHE_CAPACITY: "2" }))
      )
      assert.strictEqual(r.size, 2)
    }))

  it.effect("a Config of options, and plain options", () =>
    Effect.gen(function*() {
      const fromConfig = yield* probe.pipe(
        Effect.provide(Determined.layerConfig({
          master: Config.string("MY_MASTER"),
          cache: Config.integer("MY_CAPACITY").pipe(Config.map((capacity) => ({ capacity })))
        })),
        Effect.withConfigProvider(env({ MY_MASTER: "det:8080", MY_CAPACITY: "1", DET_CACHE: "off" }))
      )
      assert.deepStrictEqual(fromConfig, { size: 1, kept: true, afterTtl: true })
      const plain = yield* probe.pipe(
        Effect.provide(Determined.layerConfig({ master: Config.succeed("det:8080"), cache: false }))
      )
      assert.strictEqual(plain.size, 0)
    }))

  it.effect("bad values fail the layer with InvalidConfiguration naming the option and the value", () =>
    Effect.gen(function*() {
      const capacity = yield* probe.pipe(
        Effect.provide(Determined.layerConfig({ master: Config.succeed("det:8080"), cache: { capacity: 0 } })),
        Effect.exit
      )
      assert.match(invalidMessage(capacity), /cache\.capacity=0/)
      const ttl = yield* probe.pipe(
        Effect.provide(Determined.layerConfig({
          master: Config.succeed("det:8080"),
          cache: Config.succeed({ timeToLive: "0 millis" as const })
        })),
        Effect.exit
      )
      assert.match(invalidMessage(ttl), /cache\.timeToLive="0 millis"/)
      const fromEnv = yield* probe.pipe(
        Effect.provide(Determined.layerConfig({ master: Config.succeed("det:8080") })),
        Effect.withConfigProvider(env({ DET_CACHE_CAPACITY: "many" })),
        Effect.exit
      )
      assert.match(invalidMessage(fromEnv), /DET_CACHE_CAPACITY="many"/)
    }))

  it.effect("Determined.layer: the same check", () =>
    Effect.gen(function*() {
      const exit = yield* probe.pipe(Effect.provide(Determined.layer({ cache: { capacity: -1 } })), Effect.exit)
      assert.match(invalidMessage(exit), /cache\.capacity=-1/)
    }))
})

describe("cache options of LocalMaster.layer", () => {
  const twoGets = Effect.gen(function*() {
    const master = yield* LocalMaster.LocalMaster
    yield* Workspace.get(1)
    yield* TestClock.adjust("11 seconds")
    yield* Workspace.get(1)
    const requests = yield* master.requests
    return requests.filter((r) => r.method === "GET" && r.path === "/api/v1/workspaces/1").length
  })

  it.effect("default: in memory, the second get is a hit", () =>
    Effect.gen(function*() {
      assert.strictEqual(yield* twoGets.pipe(Effect.provide(LocalMaster.layer())), 1)
    }))

  it.effect("cache: false: every get fetches", () =>
    Effect.gen(function*() {
      assert.strictEqual(yield* twoGets.pipe(Effect.provide(LocalMaster.layer({ cache: false }))), 2)
    }))

  it.effect("cache: { timeToLive }: fetched again after it", () =>
    Effect.gen(function*() {
      const layer = LocalMaster.layer({ cache: { timeToLive: "10 seconds" } })
      assert.strictEqual(yield* twoGets.pipe(Effect.provide(layer)), 2)
      const longer = LocalMaster.layer({ cache: { timeToLive: "1 minute", capacity: 10 } })
      assert.strictEqual(yield* twoGets.pipe(Effect.provide(longer)), 1)
    }))

  it.effect("bad values fail the layer with InvalidConfiguration", () =>
    Effect.gen(function*() {
      const exit = yield* twoGets.pipe(Effect.provide(LocalMaster.layer({ cache: { capacity: 0 } })), Effect.exit)
      assert.match(invalidMessage(exit), /cache\.capacity=0/)
      const ttl = yield* twoGets.pipe(
        Effect.provide(LocalMaster.layer({ cache: { timeToLive: "-3 seconds" } })),
        Effect.exit
      )
      assert.match(invalidMessage(ttl), /cache\.timeToLive="-3 seconds"/)
    }))

  it("the layer's error type: InvalidConfiguration only when memory options are given", () => {
    expectTypeOf(LocalMaster.layer()).toEqualTypeOf<Layer.Layer<Determined.Services | LocalMaster.LocalMaster>>()
    expectTypeOf(LocalMaster.layer({ seed: 1, cache: false })).toEqualTypeOf<
      Layer.Layer<Determined.Services | LocalMaster.LocalMaster>
    >()
    expectTypeOf(LocalMaster.layer({ cache: { capacity: 5 } })).toEqualTypeOf<
      Layer.Layer<Determined.Services | LocalMaster.LocalMaster, DeterminedError.InvalidConfiguration>
    >()
    const options: LocalMaster.Options = {}
    expectTypeOf(LocalMaster.layer(options)).toEqualTypeOf<
      Layer.Layer<Determined.Services | LocalMaster.LocalMaster, DeterminedError.InvalidConfiguration>
    >()
  })
})
