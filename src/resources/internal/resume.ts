/**
 * Reconnecting a streaming response that broke in the middle. `DeterminedHttp.stream` retries a request until
 * the response headers; what happens after is the caller's to resume, because only the caller knows where to
 * restart (logs: after the last entry's timestamp and id; metrics: from the trial it was reading). This loop
 * re-opens the stream after a transient failure (`DeterminedError.isTransient`) with the delays of the
 * `RetryPolicy` in effect (`RetryPolicy.delayFor`): the count of retries restarts whenever the broken attempt
 * delivered something, so a long follow survives any number of drops as long as each reconnect makes progress.
 *
 * @internal
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Random from "effect/Random"
import * as Stream from "effect/Stream"
import * as Errors from "../../DeterminedError.js"
import * as RetryPolicy from "../../services/RetryPolicy.js"

/** @internal */
export interface ResumeOptions<R> {
  /** For logs and spans: what is being read. */
  readonly method: string
  readonly path: string
  /**
   * Called when an attempt ends without an error. `true` re-opens the stream (a follow that the server closed
   * although its subject is still running); counted as a retry when the attempt delivered nothing.
   */
  readonly onEnd?: (() => Effect.Effect<boolean, Errors.HttpError, R>) | undefined
}

const retryAfterOf = (error: Errors.HttpError): Duration.Duration | undefined =>
  (error._tag === "RateLimited" || (error._tag === "ServerError" && error.status === 503)) &&
    error.retryAfterMillis !== undefined
    ? Duration.millis(error.retryAfterMillis)
    : undefined

/**
 * Read `open()` and re-open it after transient failures mid-stream. `open` must resume after what was already
 * delivered (the caller keeps that state, updated as elements pass).
 *
 * @internal
 */
export const resuming = <A, R>(
  open: () => Stream.Stream<A, Errors.HttpError, R>,
  options: ResumeOptions<R>
): Stream.Stream<A, Errors.HttpError, R> =>
  Stream.unwrap(Effect.map(RetryPolicy.RetryPolicy, (policy) => {
    const wait = (retry: number, reason: string, error: Errors.HttpError | undefined) =>
      Effect.flatMap(Random.next, (random) => {
        const delay = RetryPolicy.delayFor(
          policy,
          retry,
          random,
          error === undefined ? undefined : retryAfterOf(error)
        )
        return Effect.logDebug(
          `re-opening ${options.method} ${options.path} after ${reason}: retry ${retry} of ${policy.times} in ${
            Duration.format(delay)
          }`
        ).pipe(
          Effect.zipRight(Effect.currentSpan.pipe(
            Effect.tap((span) =>
              span.event("stream.resume", BigInt(Date.now()) * 1_000_000n, {
                "http.request.method": options.method,
                "url.path": options.path,
                "retry.attempt": retry,
                "retry.delay_ms": Duration.toMillis(delay),
                "error.type": error?._tag ?? "EndOfStream"
              })
            ),
            Effect.option
          )),
          Effect.zipRight(Effect.sleep(delay))
        )
      })

    const attempt = (retry: number): Stream.Stream<A, Errors.HttpError, R> =>
      Stream.suspend(() => {
        let progressed = false
        let failed = false
        const next = () => (progressed ? 1 : retry)
        return open().pipe(
          Stream.mapChunks((chunk) => {
            if (chunk.length > 0) progressed = true
            return chunk
          }),
          Stream.catchAll((error) => {
            failed = true
            const n = next()
            if (!Errors.isTransient(error) || n > policy.times) return Stream.fail(error)
            return Stream.execute(wait(n, `${error._tag} (${error.message})`, error)).pipe(
              Stream.concat(attempt(n + 1))
            )
          }),
          Stream.concat(Stream.suspend(() => {
            const onEnd = options.onEnd
            if (failed || onEnd === undefined) return Stream.empty
            return Stream.unwrap(Effect.map(onEnd(), (again) => {
              const n = next()
              return again && n <= policy.times
                ? Stream.execute(wait(n, "the server closed a stream whose subject is still running", undefined))
                  .pipe(Stream.concat(attempt(n + 1)))
                : Stream.empty
            }))
          }))
        )
      })

    return attempt(1)
  }))
