// An automation tested under TestClock against LocalMaster.layer: minutes of training in milliseconds, the same
// result on every run, and the requests it made counted.
import { assert, it } from "@effect/vitest"
import { Effect, TestClock } from "effect"
import { Experiment } from "effect-determined"
import { LocalMaster, VirtualTime } from "effect-determined/testing"
import { bestLearningRate } from "../src/search.js"

it.effect("keeps the simulation's best learning rate and archives the others", () =>
  Effect.gen(function*() {
    const master = yield* LocalMaster.LocalMaster
    const { winner, candidates } = yield* VirtualTime.run(bestLearningRate([0.0001, 0.003, 0.3]))

    // the simulated curves converge best near 0.003 (docs/LOCAL-MASTER.md)
    assert.strictEqual(winner?.learningRate, 0.003)
    assert.deepStrictEqual(candidates.map((c) => c.state), ["COMPLETED", "COMPLETED", "COMPLETED"])
    const archived = yield* Effect.forEach(candidates, (c) => Experiment.reload(c.experimentId))
    assert.deepStrictEqual(archived.map((e) => e.archived), [true, false, true])

    // 500 batches at 100 a second: about 6 seconds of virtual time went by
    assert.isAtLeast(yield* TestClock.currentTimeMillis, 5_000)

    // one create per learning rate, one archive per loser
    const requests = yield* master.requests
    assert.strictEqual(requests.filter((r) => r.method === "POST" && r.path === "/api/v1/experiments").length, 3)
    assert.strictEqual(requests.filter((r) => r.path.endsWith("/archive")).length, 2)
  }).pipe(Effect.provide(LocalMaster.layer({ seed: 1 }))))
