import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { Checkpoint } from "effect-determined"
import { json, loginOk, makeMockHttp, type Recorded } from "../utils/mockHttp.js"

// Wire-level tests over a mock HTTP client. Behaviour against a simulated master: checkpoint.local.test.ts.

const makeMaster = () => {
  // the server's metadata, changed behind the client's back by "another writer"
  let metadata: Record<string, unknown> = { steps_completed: 100, a: 1 }
  const checkpoint = () => ({ uuid: "u-1", state: "STATE_COMPLETED", metadata, resources: { "x.pth": "10" } })
  const handler = (r: Recorded): Response => {
    if (r.path === "/api/v1/auth/login") return loginOk()
    if (r.path === "/api/v1/checkpoints/u-1" && r.method === "GET") return json({ checkpoint: checkpoint() })
    if (r.path === "/api/v1/checkpoints/u-1/metadata") {
      metadata = (r.body as any).checkpoint.metadata
      return json({ checkpoint: checkpoint() })
    }
    if (r.path === "/api/v1/checkpoints" || r.path === "/api/v1/checkpoints/rm") return json({})
    return json({ error: { code: 5, reason: "NotFound", error: "checkpoint not found" } }, 404)
  }
  return { handler, setServerMetadata: (m: Record<string, unknown>) => (metadata = m) }
}

const withMaster = <A, E>(
  body: (
    requests: Effect.Effect<ReadonlyArray<Recorded>>,
    server: ReturnType<typeof makeMaster>
  ) => Effect.Effect<A, E, any>
) =>
  Effect.gen(function*() {
    const server = makeMaster()
    const mock = yield* makeMockHttp(server.handler)
    const apiRequests = Effect.map(mock.requests, (rs) => rs.filter((r) => r.path !== "/api/v1/auth/login"))
    return yield* (body(apiRequests, server).pipe(Effect.provide(mock.layer())) as Effect.Effect<A, E>)
  })

describe("Checkpoint (wire)", () => {
  it.effect("addMetadata merges into fresh server metadata (not a stale cache) and stores the answer", () =>
    withMaster((requests, server) =>
      Effect.gen(function*() {
        const held = yield* Checkpoint.get("u-1")
        server.setServerMetadata({ steps_completed: 100, a: 1, addedByOther: true })
        const updated = yield* Checkpoint.addMetadata("u-1", { b: 2 })
        assert.deepStrictEqual(updated.metadata, { steps_completed: 100, a: 1, addedByOther: true, b: 2 })
        assert.deepStrictEqual(held.metadata, { steps_completed: 100, a: 1 })
        const rs = yield* requests
        assert.deepStrictEqual(rs.map((r) => `${r.method} ${r.path}`), [
          "GET /api/v1/checkpoints/u-1",
          "GET /api/v1/checkpoints/u-1",
          "POST /api/v1/checkpoints/u-1/metadata"
        ])
        assert.deepStrictEqual(rs[2]!.body, {
          checkpoint: {
            uuid: "u-1",
            metadata: { steps_completed: 100, a: 1, addedByOther: true, b: 2 },
            resources: {},
            training: {},
            state: "STATE_UNSPECIFIED"
          }
        })
        // the answer is the cached entry now
        assert.strictEqual(yield* Checkpoint.get("u-1"), updated)
        assert.strictEqual((yield* requests).length, 3)
      })
    ))

  it.effect("addMetadata without a cached copy keeps the server's keys (upstream quirk §13.7 not carried)", () =>
    withMaster(() =>
      Effect.gen(function*() {
        const updated = yield* Checkpoint.addMetadata("u-1", { b: 2 })
        assert.deepStrictEqual(updated.metadata, { steps_completed: 100, a: 1, b: 2 })
      })
    ))

  it.effect("removeMetadata removes top-level keys", () =>
    withMaster(() =>
      Effect.gen(function*() {
        const updated = yield* Checkpoint.removeMetadata("u-1", ["a", "missing"])
        assert.deepStrictEqual(updated.metadata, { steps_completed: 100 })
      })
    ))

  it.effect("delete and removeFiles send upstream's bodies and drop the cached entry", () =>
    withMaster((requests) =>
      Effect.gen(function*() {
        yield* Checkpoint.get("u-1")
        yield* Checkpoint.delete("u-1")
        yield* Checkpoint.removeFiles("u-1", ["*.pth", "optimizer/**"])
        yield* Checkpoint.get("u-1")
        const rs = yield* requests
        assert.deepStrictEqual(rs.map((r) => `${r.method} ${r.path}`), [
          "GET /api/v1/checkpoints/u-1",
          "DELETE /api/v1/checkpoints",
          "POST /api/v1/checkpoints/rm",
          "GET /api/v1/checkpoints/u-1"
        ])
        assert.deepStrictEqual(rs[1]!.body, { checkpointUuids: ["u-1"] })
        assert.deepStrictEqual(rs[2]!.body, { checkpointGlobs: ["*.pth", "optimizer/**"], checkpointUuids: ["u-1"] })
      })
    ))

  it.effect("404 is NotFound{checkpoint, uuid}", () =>
    withMaster(() =>
      Effect.gen(function*() {
        const error = yield* Effect.flip(Checkpoint.get("nope"))
        assert.strictEqual(error._tag, "NotFound")
        if (error._tag === "NotFound") {
          assert.strictEqual(error.resource, "checkpoint")
          assert.strictEqual(error.id, "nope")
        }
      })
    ))
})
