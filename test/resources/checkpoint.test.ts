import { assert, describe, it } from "@effect/vitest"
import { Effect, Option } from "effect"
import { Checkpoint, Experiment } from "effect-determined"
import { LocalMaster } from "effect-determined/testing"
import { json, loginOk, makeMockHttp, type Recorded } from "../utils/mockHttp.js"
import { advance, createExperiment, requests, resetRequests } from "./localHelpers.js"

// Wire-level tests over a mock HTTP client, then behaviour against LocalMaster.

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

// ---------------------------------------------------------------------------------------------------------------
// Against LocalMaster

const local = <A, E>(effect: Effect.Effect<A, E, any>) =>
  (effect as Effect.Effect<A, E, never>).pipe(Effect.provide(LocalMaster.layer({ seed: 3 })))

// an experiment that trained to its end, and its best checkpoint (kept by garbage collection)
const trainedCheckpoint = Effect.gen(function*() {
  const expId = yield* createExperiment()
  yield* advance("30 seconds")
  const [best] = yield* Experiment.listCheckpoints(expId, { maxResults: 1 })
  return best!
})

describe("Checkpoint against LocalMaster", () => {
  it.effect("get, reload, and every field of the record", () =>
    local(Effect.gen(function*() {
      const listed = yield* trainedCheckpoint
      const c = yield* Checkpoint.get(listed.uuid)
      assert.strictEqual(c.state, "COMPLETED")
      assert.isTrue(c.taskId.length > 0)
      assert.isNotNull(c.allocationId)
      assert.instanceOf(c.reportTime, Date)
      assert.isTrue(Object.values(c.resources).every((n) => typeof n === "number"))
      assert.isNumber(c.metadata["steps_completed"])
      assert.isNotNull(c.training?.experimentConfig)
      assert.isNumber(c.training?.searcherMetric)
      assert.strictEqual(c.training?.trialId, c.trialId)
      yield* resetRequests
      assert.strictEqual(yield* Checkpoint.get(listed.uuid), c)
      assert.strictEqual((yield* requests).length, 0)
      const fresh = yield* Checkpoint.reload(listed.uuid)
      assert.deepStrictEqual(fresh.metadata, c.metadata)
      assert.isTrue(Option.isNone(yield* Checkpoint.pachydermCommit(listed.uuid)))
    })))

  it.effect("addMetadata / removeMetadata: read-modify-write on fresh metadata, answer cached", () =>
    local(Effect.gen(function*() {
      const { uuid } = yield* trainedCheckpoint
      const held = yield* Checkpoint.get(uuid)
      const added = yield* Checkpoint.addMetadata(uuid, { promoted: true, owner: { team: "vision" } })
      assert.strictEqual(added.metadata["promoted"], true)
      assert.strictEqual(added.metadata["steps_completed"], held.metadata["steps_completed"])
      assert.isUndefined(held.metadata["promoted"])
      yield* resetRequests
      assert.strictEqual(yield* Checkpoint.get(uuid), added)
      assert.strictEqual((yield* requests).length, 0)
      const removed = yield* Checkpoint.removeMetadata(uuid, ["promoted"])
      assert.deepStrictEqual(removed.metadata["owner"], { team: "vision" })
      assert.isUndefined(removed.metadata["promoted"])
      assert.deepStrictEqual((yield* Checkpoint.reload(uuid)).metadata, removed.metadata)
    })))

  it.effect("removeFiles deletes matching files (PARTIALLY_DELETED); delete ends DELETED", () =>
    local(Effect.gen(function*() {
      const { uuid } = yield* trainedCheckpoint
      const before = yield* Checkpoint.get(uuid)
      assert.isDefined(before.resources["state_dict.pth"])
      yield* Checkpoint.removeFiles(uuid, ["*.pth"])
      yield* advance("2 seconds")
      const partial = yield* Checkpoint.get(uuid)
      assert.strictEqual(partial.state, "PARTIALLY_DELETED")
      assert.isUndefined(partial.resources["state_dict.pth"])
      assert.isBelow(partial.size, before.size)
      yield* Checkpoint.delete(uuid)
      yield* advance("2 seconds")
      const deleted = yield* Checkpoint.get(uuid)
      assert.strictEqual(deleted.state, "DELETED")
    })))

  it.effect("404 is NotFound{checkpoint, uuid}", () =>
    local(Effect.gen(function*() {
      const uuid = "00000000-0000-4000-8000-000000000000"
      for (const op of [Checkpoint.get, (u: string) => Checkpoint.addMetadata(u, { a: 1 })]) {
        const error = yield* Effect.flip(op(uuid))
        assert.strictEqual(error._tag, "NotFound")
        if (error._tag === "NotFound") {
          assert.strictEqual(error.resource, "checkpoint")
          assert.strictEqual(error.id, uuid)
        }
      }
    })))
})
