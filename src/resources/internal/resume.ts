/**
 * Reconnecting a streaming response that broke in the middle. `DeterminedHttp.stream` retries a request until
 * the response headers; what happens after is the caller's to resume, because only the caller knows where to
 * restart (logs: after the last entry's timestamp and id; metrics: from the trial it was reading). This loop
 * re-opens the stream after a failure the `RetryPolicy` in effect retries, with the delays of its schedule
 * (`internal/retry.ts` decides both): the count of retries restarts whenever the broken attempt delivered
 * something, so a long follow survives any number of drops as long as each reconnect makes progress.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import * as Errors from "../../DeterminedError.js"
import { resumer } from "../../internal/retry.js"

/** @internal */
export interface ResumeOptions<E extends Errors.HttpError, R> {
  /** For logs and spans: what is being read. */
  readonly method: string
  readonly path: string
  /**
   * Called when an attempt ends without an error. `true` re-opens the stream (a follow that the server closed
   * although its subject is still running); counted as a retry when the attempt delivered nothing.
   */
  readonly onEnd?: (() => Effect.Effect<boolean, E, R>) | undefined
}

/**
 * Read `open()` and re-open it after transient failures mid-stream. `open` must resume after what was already
 * delivered (the caller keeps that state, updated as elements pass). It fails with what `open` fails with, or a
 * `TransportError` (a stream the server ended early that could not be re-opened).
 *
 * @internal
 */
export const resuming = <A, E extends Errors.HttpError, R>(
  open: () => Stream.Stream<A, E, R>,
  options: ResumeOptions<E, R>
): Stream.Stream<A, E | Errors.TransportError, R> =>
  Stream.unwrap(Effect.map(resumer({ method: options.method, path: options.path, idempotent: true }), (policy) => {
    // a stream the server ended although its subject still runs: re-opened like a cut connection
    const endedEarly = new Errors.TransportError({
      method: options.method,
      path: options.path,
      message: "the server closed a stream whose subject is still running",
      maybeSent: true
    })

    // counted re-opens in a row that delivered nothing new (the policy's count, when it restarts this does)
    let fruitless = 0
    // the policy gave up: a broken stream says that the re-opens before it delivered nothing new
    const exhausted = (error: E | Errors.TransportError): E | Errors.TransportError =>
      error._tag === "TransportError" && fruitless > 0
        ? new Errors.TransportError({
          ...error,
          message: `${error.message}; the stream was re-opened ${fruitless} time${
            fruitless === 1 ? "" : "s"
          } and delivered nothing new (RetryPolicy exhausted)`
        })
        : error

    const attempt = (reopened: boolean): Stream.Stream<A, E | Errors.TransportError, R> =>
      Stream.suspend(() => {
        let progressed = false
        let failed = false
        // the policy's count restarts whenever the broken attempt delivered something, or fell silent for the
        // idle timeout (it had answered: an idle follow, a trial printing nothing for a while, never runs out of
        // retries)
        const decide = (error: E | Errors.TransportError) => {
          const restart = progressed || (error._tag === "Timeout" && error.stage === "idle")
          if (restart) fruitless = 0
          else if (reopened) fruitless++
          return Effect.zipRight(restart ? policy.reset : Effect.void, Effect.option(policy.next(error)))
        }
        return open().pipe(
          Stream.mapChunks((chunk) => {
            if (chunk.length > 0) progressed = true
            return chunk
          }),
          Stream.catchAll((error) => {
            failed = true
            return Stream.unwrap(Effect.map(
              decide(error),
              Option.match({
                onNone: () => Stream.fail(exhausted(error)),
                onSome: () => attempt(true)
              })
            ))
          }),
          Stream.concat(Stream.suspend(() => {
            const onEnd = options.onEnd
            if (failed || onEnd === undefined) return Stream.empty
            return Stream.unwrap(Effect.flatMap(onEnd(), (again) =>
              again
                ? Effect.map(
                  decide(endedEarly),
                  Option.match({ onNone: () => Stream.fail(exhausted(endedEarly)), onSome: () => attempt(true) })
                )
                : Effect.succeed(Stream.empty)))
          }))
        )
      })

    return attempt(false)
  }))
