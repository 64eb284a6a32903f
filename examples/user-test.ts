/**
 * Testing your own automation with LocalMaster: `LocalMaster.layer` runs the whole SDK against an in-process
 * master whose simulated training follows Effect's `Clock`, so under `TestClock` a run that takes minutes on a
 * cluster takes milliseconds, deterministically (same seed, same requests, same results).
 *
 * In your test file (vitest + @effect/vitest):
 *
 *   import { it } from "@effect/vitest"
 *   import { testProgram } from "./user-test.js"
 *   it.effect("picks the better learning rate", () => testProgram)
 *
 *   npm run example -- user-test      (runs the same program with a TestContext)
 *
 * docs/TESTING.md is the whole recipe, from a fresh project.
 */
import { Console, Effect, TestClock } from "effect"
import { Experiment } from "effect-determined"
import { LocalMaster, VirtualTime } from "effect-determined/testing"
import { shortConfig } from "./lib/experiments.js"

export const description = "test your own automation against LocalMaster.layer under TestClock"

/** The code under test: train each learning rate, return the one with the best searcher metric. */
export const pickBestLearningRate = (learningRates: ReadonlyArray<number>) =>
  Effect.forEach(learningRates, (lr) =>
    Effect.gen(function*() {
      const exp = yield* Experiment.create({
        config: shortConfig({ name: `lr=${lr}`, learningRate: lr, batches: 800 })
      })
      yield* Experiment.wait(exp.id, { every: "5 seconds" })
      const best = yield* Experiment.bestSearcherValidationMetric(exp.id)
      return { lr, best }
    }), { concurrency: "unbounded" }).pipe(
      Effect.map((results) =>
        results.reduce((
          a,
          b
        ) => (b.best._tag === "Some" && (a.best._tag === "None" || b.best.value < a.best.value) ? b : a))
      )
    )

/** The test: needs the TestClock (`it.effect` provides it) and nothing else. */
export const testProgram = Effect.gen(function*() {
  const start = yield* TestClock.currentTimeMillis
  const best = yield* VirtualTime.run(pickBestLearningRate([0.0001, 0.003, 0.3]))
  const elapsed = (yield* TestClock.currentTimeMillis) - start
  yield* Console.log(
    `best learning rate ${best.lr} (${best.best._tag === "Some" ? best.best.value : "-"}), `
      + `after ${elapsed / 1000} s of virtual time`
  )
  // the simulation's optimum is 0.003 (docs/LOCAL-MASTER.md)
  if (best.lr !== 0.003) return yield* Effect.dieMessage(`expected 0.003 to win, got ${best.lr}`)
  return { best: best.lr, virtualSeconds: elapsed / 1000 }
}).pipe(Effect.provide(LocalMaster.layer({ seed: 1 })))
