/**
 * Retry decisions, in one place: the `RetryPolicy` in effect (or a per-call override) turned into the
 * `Schedule` that `Effect.retry` runs for a request, and that a broken stream is re-opened by. The schedule is
 * fed with each failure; the policy's predicate stops it, a `Retry-After` replaces its delay, and each retry is
 * reported (a debug log line and a span event, stamped by `Clock`).
 *
 * @internal
 */
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type * as Option from "effect/Option"
import * as Schedule from "effect/Schedule"
import type * as Errors from "../DeterminedError.js"
import * as RetryPolicy from "../services/RetryPolicy.js"
import * as Log from "./log.js"

/** @internal */
export type RetryTarget = RetryPolicy.Request

/** A per-call override: fields replace the policy in effect; `false` disables retries. @internal */
export type Override = Partial<RetryPolicy.Options> | false | undefined

const retryAfterOf = (error: Errors.HttpError): number | undefined =>
  (error._tag === "RateLimited" || (error._tag === "ServerError" && error.status === 503))
    ? error.retryAfterMillis
    : undefined

const resolve = (base: RetryPolicy.Options, override: Override): RetryPolicy.Options =>
  override === false
    ? { ...base, schedule: Schedule.stop }
    : override === undefined
    ? base
    : { ...base, ...override }

/**
 * The schedule run for `target` under `policy`; `event` names the span event of each retry.
 * @internal
 */
export const scheduleFor = (
  policy: RetryPolicy.Options,
  target: RetryTarget,
  event: "retry" | "stream.resume"
): Schedule.Schedule<unknown, Errors.HttpError> => {
  const maxRetryAfter = Duration.toMillis(policy.maxRetryAfter)
  return Schedule.passthrough(policy.schedule).pipe(
    Schedule.whileInput((error: Errors.HttpError) => policy.retryable(error, target)),
    Schedule.modifyDelay((error, delay) => {
      const retryAfter = maxRetryAfter > 0 ? retryAfterOf(error) : undefined
      return retryAfter === undefined ? delay : Duration.millis(Math.min(retryAfter, maxRetryAfter))
    }),
    Schedule.intersect(Schedule.count),
    Schedule.modifyDelayEffect(([error, count], exact) => {
      const retry = count + 1
      // whole milliseconds: a jittered delay is fractional, and TestClock keeps time in whole nanoseconds
      const delay = Duration.millis(Math.round(Duration.toMillis(exact)))
      return Log.debug(
        event === "retry" ? "DeterminedHttp.retry" : "DeterminedHttp.resume",
        `${event === "retry" ? "retrying" : "re-opening"} ${target.method} ${target.path} after ${error._tag} ` +
          `(${error.message}): retry ${retry} in ${Duration.format(delay)}`
      ).pipe(
        Effect.zipRight(Effect.currentSpan.pipe(
          Effect.zip(Clock.currentTimeNanos),
          Effect.tap(([span, now]) =>
            span.event(event, now, {
              "http.request.method": target.method,
              "url.path": target.path,
              "retry.attempt": retry,
              "retry.delay_ms": Duration.toMillis(delay),
              "error.type": error._tag
            })
          ),
          Effect.option
        )),
        Effect.as(delay)
      )
    })
  )
}

/**
 * Run `effect` and retry it by the policy in effect (or `override`).
 * @internal
 */
export const retrying = <A, E extends Errors.HttpError, R>(
  target: RetryTarget,
  effect: Effect.Effect<A, E, R>,
  override?: Override
): Effect.Effect<A, E, R> =>
  // The policy is read and its schedule built only once the first attempt has failed: a request that succeeds
  // (nearly all) pays for neither (about 20 µs per request: docs/BENCHMARKS.md). `Effect.retry` then runs an
  // effect that replays that first failure once and the request after it, so the schedule sees the same inputs,
  // at the same times, as `Effect.retry(effect, schedule)` would.
  Effect.catchAll(effect, (first) =>
    Effect.flatMap(RetryPolicy.RetryPolicy, (policy) => {
      let replayed = false
      const again = Effect.suspend(() => {
        if (replayed) return effect
        replayed = true
        return Effect.fail(first)
      })
      return Effect.retry(again, scheduleFor(resolve(policy, override), target, "retry"))
    }))

/** Decides, failure by failure, whether and when a broken stream is re-opened. @internal */
export interface Resumer {
  /** Wait before re-opening after `error`, or fail with `None` when the policy gives up. */
  readonly next: (error: Errors.HttpError) => Effect.Effect<void, Option.Option<never>>
  /** Start counting again (the broken attempt made progress). */
  readonly reset: Effect.Effect<void>
}

/**
 * A {@link Resumer} for re-opening `target` by the policy in effect.
 * @internal
 */
export const resumer = (target: RetryTarget): Effect.Effect<Resumer> =>
  Effect.flatMap(
    RetryPolicy.RetryPolicy,
    (policy) =>
      Effect.map(Schedule.driver(scheduleFor(policy, target, "stream.resume")), (driver) => ({
        next: (error) => Effect.asVoid(driver.next(error)),
        reset: driver.reset
      }))
  )
