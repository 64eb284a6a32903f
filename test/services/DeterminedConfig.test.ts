import { assert, describe, it } from "@effect/vitest"
import { ConfigProvider, Effect, Either, Layer, Option, Redacted } from "effect"
import { DeterminedConfig } from "effect-determined"

describe("DeterminedConfig", () => {
  it("canonicalises master URLs as upstream", () => {
    const ok: ReadonlyArray<[string, string]> = [
      ["localhost:8080", "http://localhost:8080"],
      ["localhost", "http://localhost:8080"],
      ["http://det.example.com", "http://det.example.com:80"],
      ["https://det.example.com/", "https://det.example.com:443"],
      ["https://det.example.com:8443/prefix/", "https://det.example.com:8443/prefix"],
      ["127.0.0.1:9000", "http://127.0.0.1:9000"]
    ]
    for (const [input, expected] of ok) {
      assert.strictEqual(Either.getOrThrow(DeterminedConfig.canonicalizeMasterUrl(input)), expected)
    }
    for (const bad of ["", "http://user:pw@host", "http://host?x=1", "http://host#frag", "ftp://host"]) {
      assert.isTrue(Either.isLeft(DeterminedConfig.canonicalizeMasterUrl(bad)), bad)
    }
  })

  it.effect("layerFromEnv reads DET_* variables through Config", () =>
    Effect.gen(function*() {
      const config = yield* DeterminedConfig.DeterminedConfig.pipe(
        Effect.provide(
          DeterminedConfig.layerFromEnv.pipe(
            Layer.provide(Layer.setConfigProvider(ConfigProvider.fromMap(
              new Map([
                ["DET_MASTER", "det:9090"],
                ["DET_USER", "alice"],
                ["DET_PASS", "pw"],
                ["DET_USER_TOKEN", "t0k"],
                ["DET_MASTER_CERT_FILE", "noverify"]
              ])
            )))
          )
        )
      )
      assert.strictEqual(config.master, "http://det:9090")
      assert.strictEqual(config.username, "alice")
      assert.strictEqual(Redacted.value(config.password), "pw")
      assert.strictEqual(Redacted.value(Option.getOrThrow(config.token)), "t0k")
      assert.isTrue(config.tls.noVerify)
      // secrets do not print
      assert.notInclude(String(config.password), "pw")
      assert.notInclude(JSON.stringify(config), "t0k")
    }))

  it.effect("defaults: localhost:8080, user determined, empty password", () =>
    Effect.gen(function*() {
      const config = yield* DeterminedConfig.make({})
      assert.strictEqual(config.master, "http://localhost:8080")
      assert.strictEqual(config.username, "determined")
      assert.strictEqual(Redacted.value(config.password), "")
    }))

  it.effect("rejects noVerify with a CA file", () =>
    Effect.gen(function*() {
      const exit = yield* DeterminedConfig.make({ tls: { noVerify: true, caFile: "/ca.pem" } }).pipe(Effect.exit)
      assert.strictEqual(exit._tag, "Failure")
    }))
})
