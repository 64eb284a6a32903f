/**
 * How transient failures are retried: a `Schedule` (how often, how long to wait) plus a predicate (which
 * failures of which requests), run with `Effect.retry` on Effect's `Clock`, so `TestClock` drives it.
 *
 * The default retries idempotent requests (GET, PUT, DELETE, and POSTs the SDK marks idempotent such as
 * `kill` or `archive`) 5 times on transport failures, per-attempt timeouts, 429 and 502/503/504, with
 * exponential backoff from 500 ms doubling to at most 30 s, each delay jittered between half and all of it.
 * A `Retry-After` on 429 and 503 replaces the schedule's delay (capped by `maxRetryAfter`), whatever the
 * schedule. Creates are never retried blindly: a non-idempotent request is only retried when the failure proves
 * it never reached the server (connection refused) or was refused unprocessed (429 Too Many Requests). A TLS
 * certificate that fails verification is never retried.
 *
 * Any `Schedule` is accepted, for a whole program ({@link layer}) or for one call ({@link withPolicy}).
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import { dual } from "effect/Function"
import * as Layer from "effect/Layer"
import * as Predicate from "effect/Predicate"
import * as Schedule from "effect/Schedule"
import * as Stream from "effect/Stream"
import * as Errors from "../DeterminedError.js"

/**
 * The request a failure belongs to, as the retry predicate sees it.
 *
 * @since 0.1.0
 * @category models
 * @example
 * import { RetryPolicy } from "effect-determined"
 *
 * // a predicate that never retries POSTs, whatever the SDK marks idempotent
 * const retryable = (error: Parameters<typeof RetryPolicy.isRetryable>[0], request: RetryPolicy.Request) =>
 *   request.method !== "POST" && RetryPolicy.isRetryable(error, request)
 */
export interface Request {
  readonly method: string
  readonly path: string
  /** Safe to send twice. Non-idempotent requests are retried only when they certainly were not processed. */
  readonly idempotent: boolean
}

/**
 * A retry policy: a `Schedule` fed with each failure, and a predicate choosing which failures are retried.
 *
 * @since 0.1.0
 * @category models
 * @example
 * import { Duration, Schedule } from "effect"
 * import { RetryPolicy } from "effect-determined"
 *
 * const policy: RetryPolicy.Options = {
 *   schedule: Schedule.spaced("2 seconds").pipe(Schedule.intersect(Schedule.recurs(3))),
 *   retryable: RetryPolicy.isRetryable,
 *   maxRetryAfter: Duration.minutes(1)
 * }
 */
export interface Options {
  /**
   * When to retry and how long to wait before each retry. Its input is the failure; any schedule fits, e.g.
   * `Schedule.recurs(2)` (two immediate retries) or `Schedule.spaced("1 second").pipe(Schedule.upTo("1 minute"))`.
   */
  readonly schedule: Schedule.Schedule<unknown, Errors.HttpError>
  /** Which failures are retried at all. Default: {@link isRetryable}. */
  readonly retryable: (error: Errors.HttpError, request: Request) => boolean
  /**
   * The longest `Retry-After` (of a 429 or 503) honoured: it replaces the schedule's delay, capped at this.
   * `Duration.zero` ignores `Retry-After`.
   */
  readonly maxRetryAfter: Duration.DurationInput
}

/**
 * Parameters of {@link backoff}.
 *
 * @since 0.1.0
 * @category models
 * @example
 * import { RetryPolicy } from "effect-determined"
 *
 * const options: RetryPolicy.BackoffOptions = { times: 8, base: "200 millis", factor: 3, maxDelay: "10 seconds" }
 * const schedule = RetryPolicy.backoff(options)
 */
export interface BackoffOptions {
  /** Retries after the first attempt; 0 disables retrying. Default 5. */
  readonly times?: number | undefined
  /** Delay before the first retry (before jitter). Default 500 ms. */
  readonly base?: Duration.DurationInput | undefined
  /** Multiplier of the delay for each further retry. Default 2. */
  readonly factor?: number | undefined
  /** Upper bound of one delay. Default 30 s. */
  readonly maxDelay?: Duration.DurationInput | undefined
  /** Jitter: each delay is drawn uniformly between half and all of the computed delay. Default true. */
  readonly jitter?: boolean | undefined
}

/**
 * The SDK's backoff as a `Schedule`: `times` retries, exponential from `base` by `factor`, each delay capped
 * at `maxDelay`, then jittered between half and all of it. `backoff()` is the default schedule.
 *
 * @since 0.1.0
 * @category constructors
 * @example
 * import { RetryPolicy } from "effect-determined"
 *
 * // 10 retries, 100 ms doubling to at most 2 s
 * const patient = RetryPolicy.layer({ schedule: RetryPolicy.backoff({ times: 10, base: "100 millis", maxDelay: "2 seconds" }) })
 */
export const backoff = (options: BackoffOptions = {}): Schedule.Schedule<unknown> => {
  const maxDelay = Duration.decode(options.maxDelay ?? Duration.seconds(30))
  const capped = Schedule.exponential(options.base ?? Duration.millis(500), options.factor ?? 2).pipe(
    Schedule.modifyDelay((_, delay) => Duration.min(delay, maxDelay))
  )
  const jittered = options.jitter === false ? capped : Schedule.jitteredWith(capped, { min: 0.5, max: 1 })
  return Schedule.intersect(jittered, Schedule.recurs(options.times ?? 5))
}

/**
 * The default predicate. Any request is retried when it certainly was not processed: a connection that was
 * never made, or a 429 (a rate limiter refuses a request before the master handles it). Other transient
 * failures (`DeterminedError.isTransient`) are retried for idempotent requests only. A certificate that failed
 * TLS verification is never retried: it will fail the same way again.
 *
 * @since 0.1.0
 * @category predicates
 * @example
 * import { Schedule } from "effect"
 * import { RetryPolicy } from "effect-determined"
 *
 * // also give up at once on 503s of one endpoint
 * const layer = RetryPolicy.layer({
 *   schedule: Schedule.recurs(3),
 *   retryable: (error, request) =>
 *     request.path !== "/api/v1/master" && RetryPolicy.isRetryable(error, request)
 * })
 */
export const isRetryable = (error: Errors.HttpError, request: Request): boolean => {
  if (error._tag === "TransportError" && error.certificateRejected === true) return false
  if (error._tag === "TransportError" && !error.maybeSent) return true
  if (error._tag === "RateLimited") return true
  return request.idempotent && Errors.isTransient(error)
}

/**
 * The default policy: {@link backoff}`()`, {@link isRetryable}, `Retry-After` honoured up to 30 s.
 *
 * @since 0.1.0
 * @category constants
 * @example
 * import { RetryPolicy } from "effect-determined"
 *
 * // the defaults, with a longer Retry-After honoured
 * const layer = RetryPolicy.layer({ ...RetryPolicy.defaults, maxRetryAfter: "2 minutes" })
 */
export const defaults: Options = {
  schedule: backoff(),
  retryable: isRetryable,
  maxRetryAfter: Duration.seconds(30)
}

/**
 * The policy in effect. A `Context.Reference`: without a layer the {@link defaults} apply.
 *
 * @since 0.1.0
 * @category tags
 * @example
 * import { Effect } from "effect"
 * import { RetryPolicy } from "effect-determined"
 *
 * // the policy in effect where this runs
 * const retries = Effect.map(RetryPolicy.RetryPolicy, (policy) => policy.maxRetryAfter)
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
 * import { Effect, Schedule } from "effect"
 * import { Experiment, RetryPolicy } from "effect-determined"
 *
 * // every request of the program: at most two retries, one second apart
 * const program = Experiment.list().pipe(
 *   Effect.provide(RetryPolicy.layer({ schedule: Schedule.spaced("1 second").pipe(Schedule.intersect(Schedule.recurs(2))) }))
 * )
 */
export const layer = (options: Partial<Options>): Layer.Layer<RetryPolicy> =>
  Layer.succeed(RetryPolicy, { ...defaults, ...options })

/**
 * No retries at all.
 *
 * @since 0.1.0
 * @category layers
 * @example
 * import { Effect } from "effect"
 * import { Experiment, RetryPolicy } from "effect-determined"
 *
 * const once = Experiment.get(7).pipe(Effect.provide(RetryPolicy.layerDisabled))
 */
export const layerDisabled: Layer.Layer<RetryPolicy> = layer({ schedule: Schedule.stop })

/**
 * Use another policy for one call (an `Effect` or a `Stream`): fields given replace the policy in effect.
 *
 * @since 0.1.0
 * @category combinators
 * @example
 * import { Schedule } from "effect"
 * import { Experiment, RetryPolicy } from "effect-determined"
 *
 * // this one call: two immediate retries
 * const quick = Experiment.get(7).pipe(RetryPolicy.withPolicy({ schedule: Schedule.recurs(2) }))
 */
export const withPolicy: {
  (options: Partial<Options>): <Self extends Effect.Effect<any, any, any> | Stream.Stream<any, any, any>>(
    self: Self
  ) => Self
  <Self extends Effect.Effect<any, any, any> | Stream.Stream<any, any, any>>(
    self: Self,
    options: Partial<Options>
  ): Self
} = dual(2, (self: any, options: Partial<Options>): any =>
  Predicate.hasProperty(self, Stream.StreamTypeId)
    ? Stream.updateService(
      self as Stream.Stream<unknown, unknown, unknown>,
      RetryPolicy,
      (policy) => ({ ...policy, ...options })
    )
    : Effect.updateService(self, RetryPolicy, (policy) => ({ ...policy, ...options })))
