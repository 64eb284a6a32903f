/**
 * The per-attempt deadline of a request: `Effect.timeoutFail` with the same meaning, at half its cost when the
 * fiber runs on the live clock.
 *
 * Why not `Effect.timeoutFail` everywhere: it races two forked fibers (the effect and a `Clock.sleep`) with
 * `raceFibersWith`, about 55 µs of CPU per call on this project's bench machine (a tenth of an `Experiment.get`'s
 * client CPU); with the live clock, forking only the effect and arming one `setTimeout` costs about 22 µs
 * (`npx tsx bench/micro.ts`, "deadline" rows; docs/BENCHMARKS.md). Under any other clock (`TestClock`, a
 * user's), `Effect.timeoutFail` is used, so tests drive deadlines with `TestClock.adjust` exactly as before.
 *
 * Semantics kept from `Effect.timeoutFail`: the deadline covers all of `self`; at the deadline `self` is
 * interrupted, its interruption awaited, then `onTimeout()` fails; interrupting the caller interrupts `self`
 * and awaits it. (`self` runs in a child fiber: changes it makes to fiber refs are not carried back, which no
 * attempt makes.)
 *
 * @internal
 */
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as DefaultServices from "effect/DefaultServices"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"

// the clock fibers run on unless something replaced it (TestClock, Effect.withClock)
const liveClock = Context.get(DefaultServices.liveServices, Clock.Clock)

// setTimeout's largest delay; a longer deadline is no deadline (as the live clock's own scheduler treats it)
const maxTimerMillis = 2 ** 31 - 1

/** `self`, failing with `onTimeout()` unless it ends within `duration`. @internal */
export const deadline = <A, E, R, E2>(
  self: Effect.Effect<A, E, R>,
  duration: Duration.Duration,
  onTimeout: () => E2
): Effect.Effect<A, E | E2, R> =>
  Effect.clockWith((clock) => {
    if (clock !== liveClock) return Effect.timeoutFail(self, { duration, onTimeout })
    const millis = Duration.toMillis(duration)
    if (!(millis <= maxTimerMillis)) return self
    return Effect.uninterruptibleMask((restore) =>
      Effect.flatMap(Effect.forkDaemon(restore(self)), (child) =>
        restore(Effect.async<A, E | E2>((resume) => {
          let settled = false
          const timer = setTimeout(() => {
            if (settled) return
            settled = true
            resume(Effect.zipRight(Fiber.interrupt(child), Effect.fail(onTimeout())))
          }, millis)
          child.addObserver((exit) => {
            if (settled) return
            settled = true
            clearTimeout(timer)
            resume(exit)
          })
          // the caller is interrupted: so is `self`, and the caller waits for it to end
          return Effect.suspend(() => {
            settled = true
            clearTimeout(timer)
            return Effect.asVoid(Fiber.interrupt(child))
          })
        })))
    )
  })
