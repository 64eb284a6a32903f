/**
 * VirtualTime, the exported stepping helpers of effect-determined/testing.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit, Fiber, TestClock } from "effect"
import { VirtualTime } from "effect-determined/testing"

describe("VirtualTime", () => {
  it.effect("run drives a program that sleeps and waits for real I/O to its end", () =>
    Effect.gen(function*() {
      const program = Effect.gen(function*() {
        for (let i = 0; i < 5; i++) {
          yield* Effect.sleep("3 seconds")
          // real I/O between two sleeps: one TestClock.adjust("15 seconds") alone would leave this fiber behind
          yield* Effect.promise(() => new Promise<void>((resolve) => setImmediate(resolve)))
        }
        return "done"
      })
      assert.strictEqual(yield* VirtualTime.run(program, { step: "1 second" }), "done")
      const now = yield* TestClock.currentTimeMillis
      assert.isAtLeast(now, 15_000)
      assert.isBelow(now, 25_000)
    }))

  it.effect("run keeps the program's typed failure", () =>
    Effect.gen(function*() {
      const exit = yield* VirtualTime.run(Effect.zipRight(Effect.sleep("2 seconds"), Effect.fail("boom" as const)))
        .pipe(Effect.exit)
      assert.deepStrictEqual(exit, Exit.fail("boom" as const))
    }))

  it.effect("drive gives up with a defect after maxSteps", () =>
    Effect.gen(function*() {
      const fiber = yield* Effect.fork(Effect.never)
      const exit = yield* VirtualTime.drive(fiber, { step: "1 minute", maxSteps: 3 }).pipe(Effect.exit)
      assert.isTrue(Exit.isFailure(exit) && exit.cause._tag === "Die")
      yield* Fiber.interrupt(fiber)
    }))

  it.effect("adjust moves the clock by exactly the duration, letting forked fibers keep up", () =>
    Effect.gen(function*() {
      let ticks = 0
      yield* Effect.fork(Effect.forever(Effect.zipRight(
        Effect.sleep("1 second"),
        Effect.zipRight(
          Effect.promise(() => new Promise<void>((resolve) => setImmediate(resolve))),
          Effect.sync(() => ticks++)
        )
      )))
      yield* VirtualTime.adjust("10 seconds")
      assert.strictEqual(yield* TestClock.currentTimeMillis, 10_000)
      assert.isAtLeast(ticks, 9)
    }))
})
