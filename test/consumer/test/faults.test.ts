// A fault plan: a third of the reads fail with 503, connections drop, and the automation still gets its answer,
// because idempotent requests are retried (in virtual time, so the backoff costs nothing).
import { assert, it } from "@effect/vitest"
import { Effect, Exit } from "effect"
import { Experiment } from "effect-determined"
import { LocalMaster, VirtualTime } from "effect-determined/testing"
import { bestLearningRate } from "../src/search.js"

const flaky: LocalMaster.FaultPlan = {
  seed: 7,
  rules: [
    { method: "GET", path: "/api/v1/**", status: { "503": 0.3 }, dropAfter: 0.05 },
    { method: "POST", path: "/api/v1/experiments/*/archive", dropBefore: 0.2 }
  ]
}

it.effect("the search survives a flaky master", () =>
  Effect.gen(function*() {
    const master = yield* LocalMaster.LocalMaster
    const { winner } = yield* VirtualTime.run(bestLearningRate([0.0001, 0.003], 300))
    assert.strictEqual(winner?.learningRate, 0.003)
    const stats = yield* master.faultStats
    assert.isAbove(stats.status503, 0)
  }).pipe(Effect.provide(LocalMaster.layer({ seed: 2, faults: flaky }))))

it.effect("a master that always fails is a typed error once the retries are spent", () =>
  Effect.gen(function*() {
    const exit = yield* VirtualTime.run(Experiment.get(1)).pipe(Effect.exit)
    assert.isTrue(Exit.isFailure(exit))
    if (Exit.isFailure(exit) && exit.cause._tag === "Fail") {
      assert.strictEqual(exit.cause.error._tag, "ServerError")
    } else {
      assert.fail(`expected a typed failure, got ${exit}`)
    }
    const stats = yield* Effect.flatMap(LocalMaster.LocalMaster, (m) => m.faultStats)
    assert.strictEqual(stats.status503, 6) // the first attempt and 5 retries
  }).pipe(Effect.provide(LocalMaster.layer({ faults: { rules: [{ method: "GET", status: { "503": 1 } }] } }))))
