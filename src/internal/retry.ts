/**
 * The retry loop shared by every request: which failures to retry, how long to wait, and how each retry is
 * reported (a debug log line and a span event).
 *
 * @internal
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Random from "effect/Random"
import * as Errors from "../DeterminedError.js"
import * as RetryPolicy from "../services/RetryPolicy.js"

/** @internal */
export interface RetryTarget {
  readonly method: string
  readonly path: string
  /** Safe to send twice. Non-idempotent requests are retried only when they certainly were not sent. */
  readonly idempotent: boolean
}

/**
 * Should this failure be retried for this request? Any request is retried when it certainly was not processed: a
 * connection that was never made, or a 429 (a rate limiter refuses a request before the master handles it).
 * Other transient failures are retried for idempotent requests only.
 * @internal
 */
export const shouldRetry = (target: RetryTarget, error: Errors.HttpError): boolean => {
  if (error._tag === "TransportError" && !error.maybeSent) return true
  if (error._tag === "RateLimited") return true
  return target.idempotent && Errors.isTransient(error)
}

const retryAfterOf = (error: Errors.HttpError): Duration.Duration | undefined =>
  (error._tag === "RateLimited" || (error._tag === "ServerError" && error.status === 503)) &&
    error.retryAfterMillis !== undefined
    ? Duration.millis(error.retryAfterMillis)
    : undefined

/**
 * Run `effect` and retry it by the policy in effect (or `override`).
 * @internal
 */
export const retrying = <A, R>(
  target: RetryTarget,
  effect: Effect.Effect<A, Errors.HttpError, R>,
  override?: Partial<RetryPolicy.Options> | false | undefined
): Effect.Effect<A, Errors.HttpError, R> =>
  Effect.flatMap(RetryPolicy.RetryPolicy, (base) => {
    const policy: RetryPolicy.Options = override === false
      ? { ...base, times: 0 }
      : override === undefined
      ? base
      : { ...base, ...override }
    const loop = (retry: number): Effect.Effect<A, Errors.HttpError, R> =>
      Effect.catchIf(
        effect,
        (error) => retry <= policy.times && shouldRetry(target, error),
        (error) =>
          Effect.flatMap(Random.next, (random) => {
            const delay = RetryPolicy.delayFor(policy, retry, random, retryAfterOf(error))
            const attributes = {
              "http.request.method": target.method,
              "url.path": target.path,
              "retry.attempt": retry,
              "retry.delay_ms": Duration.toMillis(delay),
              "error.type": error._tag
            }
            return Effect.logDebug(
              `retrying ${target.method} ${target.path} after ${error._tag} (${error.message}): ` +
                `retry ${retry} of ${policy.times} in ${Duration.format(delay)}`
            ).pipe(
              Effect.zipRight(Effect.currentSpan.pipe(
                Effect.tap((span) => span.event("retry", BigInt(Date.now()) * 1_000_000n, attributes)),
                Effect.option
              )),
              Effect.zipRight(Effect.sleep(delay)),
              Effect.zipRight(loop(retry + 1))
            )
          })
      )
    return loop(1)
  })
