/**
 * A mock HttpClient for unit tests: a handler answers each request with a web Response; every request is
 * recorded (method, path, query, headers, body) so tests can count and inspect them.
 */
import { HttpClient, HttpClientResponse } from "@effect/platform"
import { NodeContext } from "@effect/platform-node"
import type { Duration, Fiber } from "effect"
import { Chunk, Effect, Layer, Ref, Stream, TestClock } from "effect"
import { Determined } from "effect-determined"
import { VirtualTime } from "effect-determined/testing"

export interface Recorded {
  readonly method: string
  readonly path: string
  readonly query: URLSearchParams
  readonly headers: Record<string, string>
  readonly body: unknown
}

export type Handler = (request: Recorded, n: number) => Response | Promise<Response> | "transport-error"

export const makeMockHttp = (handler: Handler) =>
  Effect.gen(function*() {
    const log = yield* Ref.make<ReadonlyArray<Recorded>>([])
    const client = HttpClient.make((request, url) =>
      Effect.gen(function*() {
        let body: unknown = undefined
        if (request.body._tag === "Uint8Array") body = JSON.parse(new TextDecoder().decode(request.body.body))
        const recorded: Recorded = {
          method: request.method,
          path: url.pathname,
          query: url.searchParams,
          headers: { ...request.headers },
          body
        }
        const n = (yield* Ref.updateAndGet(log, (xs) => [...xs, recorded])).length
        const answer = yield* Effect.promise(async () => handler(recorded, n))
        if (answer === "transport-error") {
          return yield* Effect.fail(
            new (yield* Effect.promise(() => import("@effect/platform/HttpClientError"))).RequestError({
              request,
              reason: "Transport",
              cause: Object.assign(new Error("connect ECONNRESET"), { code: "ECONNRESET" })
            })
          )
        }
        return HttpClientResponse.fromWeb(request, answer)
      })
    )
    // the SDK over the mock, with Node's FileSystem and Path as an application provides them
    const layer = (options: Determined.Options = {}) =>
      Determined.layerWithoutHttpClient({ master: "http://det.test:8080", ...options }).pipe(
        Layer.provide(Layer.succeed(HttpClient.HttpClient, client)),
        Layer.orDie,
        Layer.merge(NodeContext.layer)
      )
    return { log, client, layer, requests: Ref.get(log) }
  })

export const json = (body: unknown, status = 200, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } })

export const loginOk = (token = "tok-1") => json({ token, user: { id: 1, username: "determined" } })

export const unaryError = (status: number, code: number, reason: string, error: string, headers = {}) =>
  json({ error: { code, reason, error } }, status, headers)

/** Let the real event loop run (promises, timers of the mock), without moving the TestClock. */
export const yieldToEventLoop = VirtualTime.settle

/**
 * Wait (in real event-loop turns, never in virtual time) until the mock has seen `n` requests, so that a
 * following `TestClock.adjust` cannot race a request still on its way.
 */
export const awaitRequests = (requests: Effect.Effect<ReadonlyArray<unknown>>, n: number) =>
  Effect.gen(function*() {
    for (let i = 0; i < 10_000; i++) {
      if ((yield* requests).length >= n) return
      yield* yieldToEventLoop
    }
    throw new Error(`timed out waiting for ${n} requests`)
  })

/** Drive a forked fiber to completion in virtual time (the exported `VirtualTime.drive`). */
export const driveClock = <A, E>(
  fiber: Fiber.Fiber<A, E>,
  step: Duration.DurationInput = "1 second",
  maxSteps = 100_000
) => VirtualTime.drive(fiber, { step, maxSteps })

/**
 * Wait (in real event-loop turns) until some fiber is suspended in a `TestClock` sleep, so that the next
 * `TestClock.adjust` is certain to reach it.
 */
export const awaitSleeping = Effect.gen(function*() {
  for (let i = 0; i < 100_000; i++) {
    if ((yield* TestClock.sleeps()).length > 0) return
    yield* yieldToEventLoop
  }
  throw new Error("no fiber went to sleep")
})

/**
 * Run a stream against a mock HttpClient in virtual time: its collected items (or failure) and the requests it
 * made, logins left out.
 */
export const runStreamAgainst = <A, E>(handler: Handler, stream: Stream.Stream<A, E, any>) =>
  Effect.gen(function*() {
    const mock = yield* makeMockHttp(handler)
    const fiber = yield* stream.pipe(
      Stream.runCollect,
      Effect.map(Chunk.toReadonlyArray),
      Effect.provide(mock.layer()),
      Effect.exit,
      Effect.fork
    )
    const exit = yield* driveClock(fiber)
    const requests = (yield* mock.requests).filter((r) => r.path !== "/api/v1/auth/login")
    return { exit, requests }
  })
