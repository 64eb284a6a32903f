/**
 * How transient failures are retried: which requests, how often and how long to wait.
 *
 * The default retries idempotent requests (GET, PUT, DELETE, and POSTs the SDK marks idempotent such as
 * `kill` or `archive`) 5 times on transport failures, per-attempt timeouts, 429 and 502/503/504, with
 * exponential backoff, full jitter and a capped delay, honouring `Retry-After` on 429 and 503. Creates and
 * logins are never retried blindly: a non-idempotent request is only retried when the failure proves it never
 * reached the server (connection refused) or was refused unprocessed (429 Too Many Requests).
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Layer from "effect/Layer"

/**
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** Retries after the first attempt; 0 disables retrying. */
  readonly times: number
  /** Delay before the first retry (before jitter). */
  readonly base: Duration.DurationInput
  /** Multiplier of the delay for each further retry. */
  readonly factor: number
  /** Upper bound of one delay, and of an honoured `Retry-After`. */
  readonly maxDelay: Duration.DurationInput
  /** Full jitter: each delay is drawn uniformly between half and all of the computed delay. */
  readonly jitter: boolean
}

/**
 * The default policy: 5 retries, 500 ms doubling to at most 30 s, jittered.
 *
 * @since 0.1.0
 * @category constants
 */
export const defaults: Options = {
  times: 5,
  base: Duration.millis(500),
  factor: 2,
  maxDelay: Duration.seconds(30),
  jitter: true
}

/**
 * The policy in effect. A `Context.Reference`: without a layer the {@link defaults} apply.
 *
 * @since 0.1.0
 * @category tags
 */
export class RetryPolicy extends Context.Reference<RetryPolicy>()("effect-determined/RetryPolicy", {
  defaultValue: (): Options => defaults
}) {}

/**
 * Replace the policy for a whole program. Fields not given keep their default.
 *
 * @since 0.1.0
 * @category layers
 * @example
 * import { Effect } from "effect"
 * import { Experiment, RetryPolicy } from "effect-determined"
 *
 * const patient = Experiment.list().pipe(Effect.provide(RetryPolicy.layer({ times: 10, maxDelay: "1 minute" })))
 */
export const layer = (options: Partial<Options>): Layer.Layer<RetryPolicy> =>
  Layer.succeed(RetryPolicy, { ...defaults, ...options })

/**
 * No retries at all.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerDisabled: Layer.Layer<RetryPolicy> = layer({ times: 0 })

/**
 * The delay before retry number `retry` (1-based), given a random number in [0, 1) and an optional
 * `Retry-After` from the server. Pure, so it is tested on its own.
 *
 * @since 0.1.0
 * @category combinators
 */
export const delayFor = (
  options: Options,
  retry: number,
  random: number,
  retryAfter?: Duration.Duration | undefined
): Duration.Duration => {
  const max = Duration.toMillis(options.maxDelay)
  if (retryAfter !== undefined) return Duration.millis(Math.min(Duration.toMillis(retryAfter), max))
  const exp = Math.min(Duration.toMillis(options.base) * Math.pow(options.factor, Math.max(0, retry - 1)), max)
  return Duration.millis(Math.round(options.jitter ? exp / 2 + (exp / 2) * random : exp))
}
