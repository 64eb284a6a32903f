/**
 * Stepping virtual time in tests: drive a program that sleeps, polls and streams under `TestClock` to its end.
 *
 * `TestClock.adjust` wakes only the sleeps that are already scheduled. A program may also wait for real I/O now and
 * then (a loopback socket, a file read; `LocalMaster.layer` without a fault plan answers within the fiber), so a
 * test alternates two things until
 * the program is done: one real turn of the event loop ({@link settle}), so pending I/O lands and the fibers it
 * woke reach their next sleep, and one `TestClock.adjust(step)`. These are the helpers the project's own tests use
 * (docs/TESTING.md, *Stepping virtual time*). They need the `TestClock`: run them inside `it.effect` (which
 * provides `TestContext`) or under `Effect.provide(TestContext.TestContext)`.
 *
 * @since 0.1.0
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import * as TestClock from "effect/TestClock"

/**
 * How {@link drive}, {@link run} and {@link adjust} step the clock.
 *
 * @since 0.1.0
 * @category models
 * @example
 * import { Effect } from "effect"
 * import { VirtualTime } from "effect-determined/testing"
 *
 * const options: VirtualTime.StepOptions = { step: "100 millis", maxSteps: 10_000 }
 * const done = VirtualTime.run(Effect.sleep("5 seconds"), options)
 */
export interface StepOptions {
  /** How far each step moves the `TestClock`. Default 1 second. */
  readonly step?: Duration.DurationInput | undefined
  /** Steps after which {@link drive} and {@link run} give up with a defect (a program that never ends). Default 100,000. */
  readonly maxSteps?: number | undefined
}

const turn = (): Promise<void> =>
  new Promise<void>((resolve) => typeof setImmediate === "function" ? setImmediate(resolve) : setTimeout(resolve, 0))

/**
 * One real turn of the event loop, without moving the `TestClock`: pending I/O (loopback sockets, file
 * reads, web response bodies) lands and the fibers it wakes run until they suspend again.
 *
 * @since 0.1.0
 * @category combinators
 * @example
 * import { Effect } from "effect"
 * import { VirtualTime } from "effect-determined/testing"
 *
 * // let a request that is on its way land before moving the clock
 * const program = Effect.zipRight(VirtualTime.settle, Effect.log("settled"))
 */
export const settle: Effect.Effect<void> = Effect.promise(turn)

/**
 * Drives a forked fiber to its end in virtual time: {@link settle}, then `TestClock.adjust(step)`, until the fiber
 * is done; then joins it (its failure is the result's failure). Dies after `maxSteps` steps.
 *
 * @since 0.1.0
 * @category combinators
 * @example
 * import { Effect } from "effect"
 * import { Experiment } from "effect-determined"
 * import { LocalMaster, VirtualTime } from "effect-determined/testing"
 *
 * const test = Effect.gen(function*() {
 *   const fiber = yield* Effect.fork(Experiment.wait(1, { every: "5 seconds" }))
 *   return yield* VirtualTime.drive(fiber, { step: "1 second" })
 * }).pipe(Effect.provide(LocalMaster.layer()))
 */
export const drive = <A, E>(fiber: Fiber.Fiber<A, E>, options: StepOptions = {}): Effect.Effect<A, E> => {
  const step = Duration.decode(options.step ?? "1 second")
  const maxSteps = options.maxSteps ?? 100_000
  const loop = (n: number): Effect.Effect<A, E> =>
    Effect.flatMap(Fiber.poll(fiber), (done) => {
      if (Option.isSome(done)) return Fiber.join(fiber)
      if (n >= maxSteps) {
        return Effect.dieMessage(
          `VirtualTime.drive: the fiber is not done after ${maxSteps} steps of ${Duration.format(step)}`
        )
      }
      return settle.pipe(Effect.zipRight(TestClock.adjust(step)), Effect.zipRight(Effect.suspend(() => loop(n + 1))))
    })
  return loop(0)
}

/**
 * Forks `effect` and {@link drive}s it to its end in virtual time: the one-liner for a test of a program that
 * sleeps, polls or watches.
 *
 * @since 0.1.0
 * @category combinators
 * @example
 * import { Effect } from "effect"
 * import { Experiment } from "effect-determined"
 * import { LocalMaster, Script, VirtualTime } from "effect-determined/testing"
 *
 * // the body of a test: it.effect("the experiment completes", () => completes) with @effect/vitest
 * const completes = Effect.gen(function*() {
 *   const exp = yield* Experiment.create({ config: Script.config(Script.make(Script.exit(0))) })
 *   const state = yield* VirtualTime.run(Experiment.wait(exp.id, { every: "1 second" }))
 *   if (state !== "COMPLETED") return yield* Effect.dieMessage(state)
 * }).pipe(Effect.provide(LocalMaster.layer()))
 */
export const run = <A, E, R>(effect: Effect.Effect<A, E, R>, options: StepOptions = {}): Effect.Effect<A, E, R> =>
  Effect.flatMap(Effect.fork(effect), (fiber) => drive(fiber, options))

/**
 * Moves the `TestClock` forward by `duration` in steps of `options.step` (default 1 second), letting the event loop
 * turn before each step, so that fibers forked earlier (a watcher, a log follower) keep up on the way. Unlike one
 * `TestClock.adjust(duration)`, a fiber that waits for I/O between two sleeps is not left behind.
 *
 * @since 0.1.0
 * @category combinators
 * @example
 * import { Effect } from "effect"
 * import { VirtualTime } from "effect-determined/testing"
 *
 * // ten minutes of training, one second at a time
 * const program = VirtualTime.adjust("10 minutes")
 */
export const adjust = (
  duration: Duration.DurationInput,
  options: Pick<StepOptions, "step"> = {}
): Effect.Effect<void> => {
  const total = Duration.toMillis(duration)
  const step = Math.max(1, Duration.toMillis(options.step ?? "1 second"))
  const loop = (done: number): Effect.Effect<void> =>
    done >= total
      ? settle
      : settle.pipe(
        Effect.zipRight(TestClock.adjust(Duration.millis(Math.min(step, total - done)))),
        Effect.zipRight(Effect.suspend(() => loop(done + step)))
      )
  return loop(0)
}
