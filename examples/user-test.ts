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
 */
import { Console, Effect, Fiber, TestClock } from "effect"
import { Experiment } from "effect-determined"
import { LocalMaster } from "effect-determined/testing"
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

/** Let pending I/O (in-process HTTP bodies) land, without moving the TestClock. */
const settle = Effect.promise(() => new Promise<void>((resolve) => setImmediate(resolve)))

/** Drive a forked fiber in virtual time until it is done. */
const runInVirtualTime = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.gen(function*() {
    const fiber = yield* Effect.fork(effect)
    while ((yield* Fiber.poll(fiber))._tag === "None") {
      yield* settle
      yield* TestClock.adjust("1 second")
    }
    return yield* Fiber.join(fiber)
  })

/** The test: needs the TestClock (`it.effect` provides it) and nothing else. */
export const testProgram = Effect.gen(function*() {
  const start = yield* TestClock.currentTimeMillis
  const best = yield* runInVirtualTime(pickBestLearningRate([0.0001, 0.003, 0.3]))
  const elapsed = (yield* TestClock.currentTimeMillis) - start
  yield* Console.log(
    `best learning rate ${best.lr} (${best.best._tag === "Some" ? best.best.value : "-"}), `
      + `after ${elapsed / 1000} s of virtual time`
  )
  // the simulation's optimum is 0.003 (docs/LOCAL-MASTER.md)
  if (best.lr !== 0.003) return yield* Effect.dieMessage(`expected 0.003 to win, got ${best.lr}`)
  return { best: best.lr, virtualSeconds: elapsed / 1000 }
}).pipe(Effect.provide(LocalMaster.layer({ seed: 1 })))
