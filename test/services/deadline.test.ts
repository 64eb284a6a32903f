import { assert, describe, it } from "@effect/vitest"
import { Deferred, Duration, Effect, Either, Exit, Fiber, Ref, TestClock } from "effect"
import { deadline } from "../../src/internal/deadline.js"

class Late {
  readonly _tag = "Late"
}

describe("deadline (the per-attempt timeout of a request)", () => {
  it.live("on the live clock: a value in time passes through", () =>
    Effect.gen(function*() {
      const value = yield* deadline(Effect.succeed(7), Duration.seconds(30), () => new Late())
      assert.strictEqual(value, 7)
      const failed = yield* Effect.either(deadline(Effect.fail("boom"), Duration.seconds(30), () => new Late()))
      assert.deepStrictEqual(failed, Either.left("boom"))
    }))

  it.live("on the live clock: past the deadline the effect is interrupted, then it fails with onTimeout", () =>
    Effect.gen(function*() {
      const released = yield* Ref.make(false)
      const hang = Effect.never.pipe(Effect.onInterrupt(() => Ref.set(released, true)))
      const result = yield* Effect.either(deadline(hang, Duration.millis(5), () => new Late()))
      assert.isTrue(Either.isLeft(result) && result.left instanceof Late)
      // its interruption was awaited before the failure
      assert.isTrue(yield* Ref.get(released))
    }))

  it.live("on the live clock: interrupting the caller interrupts the effect and waits for it", () =>
    Effect.gen(function*() {
      const started = yield* Deferred.make<void>()
      const released = yield* Ref.make(false)
      const hang = Deferred.succeed(started, undefined).pipe(
        Effect.zipRight(Effect.never),
        Effect.onInterrupt(() => Ref.set(released, true))
      )
      const fiber = yield* Effect.fork(deadline(hang, Duration.seconds(30), () => new Late()))
      yield* Deferred.await(started)
      const exit = yield* Fiber.interrupt(fiber)
      assert.isTrue(Exit.isInterrupted(exit))
      assert.isTrue(yield* Ref.get(released))
    }))

  it.effect("under TestClock: the deadline is on the TestClock (Effect.timeoutFail)", () =>
    Effect.gen(function*() {
      const fiber = yield* Effect.fork(Effect.either(deadline(Effect.never, Duration.seconds(10), () => new Late())))
      yield* TestClock.adjust(Duration.seconds(9))
      assert.isNull(fiber.unsafePoll())
      yield* TestClock.adjust(Duration.seconds(1))
      const result = yield* Fiber.join(fiber)
      assert.isTrue(Either.isLeft(result) && result.left instanceof Late)
    }))
})
