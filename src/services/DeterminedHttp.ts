/**
 * The configured HTTP client of the SDK. Resources describe a request (method, path, query, body, whether it
 * is idempotent, what a 404 means) and a Schema for the answer; this service adds the base URL, the bearer
 * token (with one re-login on 401), the per-attempt timeout (headers and the whole body of a unary call), the
 * idle timeout of streamed bodies and the retry policy, maps both error body shapes
 * of the master to the closed error set, and decodes JSON or newline-delimited JSON streams.
 *
 * @since 0.1.0
 */
import * as HttpClient from "@effect/platform/HttpClient"
import type * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import type * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import * as Errors from "../DeterminedError.js"
import * as Http from "../internal/http.js"
import * as Log from "../internal/log.js"
import { retrying } from "../internal/retry.js"
import { DeterminedConfig } from "./DeterminedConfig.js"
import type * as RetryPolicy from "./RetryPolicy.js"
import { type Credential, Session } from "./Session.js"

/**
 * HTTP methods the master's REST API uses.
 *
 * @since 0.1.0
 * @category models
 * @example
 * import { DeterminedHttp } from "effect-determined/advanced"
 *
 * const method: DeterminedHttp.Method = "PATCH"
 * const request: DeterminedHttp.ApiRequest = { method, path: "/api/v1/experiments/7", body: { name: "renamed" } }
 */
export type Method = Http.Method

/**
 * A query parameter value. Arrays repeat the key (`?states=A&states=B`); `undefined` and `null` are left out.
 *
 * @since 0.1.0
 * @category models
 * @example
 * import { DeterminedHttp } from "effect-determined/advanced"
 *
 * // ?states=STATE_ACTIVE&states=STATE_PAUSED&limit=10
 * const query: Record<string, DeterminedHttp.QueryValue> = { states: ["STATE_ACTIVE", "STATE_PAUSED"], limit: 10 }
 */
export type QueryValue = Http.QueryValue

/**
 * A request to the master, described as data.
 *
 * @since 0.1.0
 * @category models
 * @example
 * import { DeterminedHttp } from "effect-determined/advanced"
 *
 * // an idempotent POST, retried like a GET; a 404 is NotFound{resource: "experiment", id: 7}
 * const kill: DeterminedHttp.ApiRequest = {
 *   method: "POST",
 *   path: DeterminedHttp.path`/api/v1/experiments/${7}/kill`,
 *   idempotent: true,
 *   notFound: { resource: "experiment", id: 7 }
 * }
 */
export interface ApiRequest {
  readonly method: Method
  /** Path under the master URL, already encoded; build it with {@link path}. */
  readonly path: string
  readonly query?: Readonly<Record<string, QueryValue>> | undefined
  /** JSON body. */
  readonly body?: unknown
  /**
   * Safe to repeat. Defaults to true for GET, PUT and DELETE and false for POST and PATCH; set it on POSTs that
   * are idempotent on the master (kill, pause, archive, ...) so they are retried.
   */
  readonly idempotent?: boolean | undefined
  /** Per-call retry override: fields replace the policy in effect, `false` disables retries. */
  readonly retry?: Partial<RetryPolicy.Options> | false | undefined
  /**
   * The request names something that may not exist: a 404 is `NotFound{resource, id}` (otherwise a 404 is a
   * `ServerError`). Declares `NotFound` in the error type.
   */
  readonly notFound?: { readonly resource: string; readonly id: string | number } | undefined
  /**
   * The master may refuse the input or the state (400 → `InvalidRequest`). Declares `InvalidRequest`. Default:
   * `true` for writes (POST, PUT, PATCH, DELETE), `false` for GET.
   */
  readonly invalid?: boolean | undefined
  /** The request may conflict with what exists (409 → `Conflict`). Declares `Conflict`. */
  readonly conflict?: boolean | undefined
  /** `Accept` header when not JSON, e.g. `application/gzip` for downloads. */
  readonly accept?: string | undefined
  /** Per-attempt timeout for this call instead of the configured one. */
  readonly timeout?: Duration.DurationInput | undefined
}

/**
 * The errors a request can fail with: every {@link Errors.RequestError}, and the semantic errors it declares
 * (`notFound` → `NotFound`, `invalid` → `InvalidRequest`, by default for writes, `conflict: true` → `Conflict`).
 * A request whose type does not say (a plain `ApiRequest`) declares all three.
 *
 * @since 0.1.0
 * @category models
 * @example
 * import type { DeterminedError } from "effect-determined"
 * import type { DeterminedHttp } from "effect-determined/advanced"
 *
 * // a GET that declares notFound: the request errors and NotFound, not InvalidRequest nor Conflict
 * type GetErrors = DeterminedHttp.ErrorOf<{ method: "GET"; path: string; notFound: { resource: string; id: number } }>
 * const check: (e: GetErrors) => DeterminedError.RequestError | DeterminedError.NotFound = (e) => e
 */
export type ErrorOf<R extends ApiRequest> = Http.ErrorOf<R>

/**
 * What the configured HTTP client does: send a request described as data and decode its JSON answer, ignore it,
 * stream its lines, or stream its bytes.
 *
 * @since 0.1.0
 * @category models
 * @example
 * import { Effect, Schema, Stream } from "effect"
 * import { DeterminedHttp } from "effect-determined/advanced"
 *
 * const TaskLog = Schema.Struct({ log: Schema.String })
 *
 * // the first 100 log lines of a task, from the streaming endpoint
 * const lines = Effect.flatMap(DeterminedHttp.DeterminedHttp, (http: DeterminedHttp.Service) =>
 *   http.stream({ method: "GET", path: DeterminedHttp.path`/api/v1/tasks/${"task-1"}/logs` }, TaskLog).pipe(
 *     Stream.take(100),
 *     Stream.map((line) => line.log),
 *     Stream.runCollect
 *   ))
 */
export interface Service {
  /** Send a request and decode its JSON body. */
  readonly json: <const R extends ApiRequest, A, I>(
    request: R,
    schema: Schema.Schema<A, I, never>
  ) => Effect.Effect<A, ErrorOf<R>>
  /** Send a request and ignore its body (it is still read, to free the connection, and must be JSON). */
  readonly void: <const R extends ApiRequest>(request: R) => Effect.Effect<void, ErrorOf<R>>
  /**
   * Send a request to a streaming endpoint and decode each `result` of its newline-delimited body. The request
   * until the response headers is retried like any request; what happens after is the caller's to resume.
   * Interrupting the stream closes the response.
   */
  readonly stream: <const R extends ApiRequest, A, I>(
    request: R,
    schema: Schema.Schema<A, I, never>
  ) => Stream.Stream<A, ErrorOf<R>>
  /**
   * Send a request and stream the bytes of its 2xx body, e.g. a binary download. The request until the response
   * headers is retried like any request; the body fails with `TransportError` when the connection breaks and
   * with `Timeout` (`stage: "idle"`) when no bytes arrive for `DeterminedConfig.streamIdleTimeout`. Interrupting
   * the stream closes the response.
   */
  readonly bytes: <const R extends ApiRequest>(request: R) => Stream.Stream<Uint8Array, ErrorOf<R>>
}

/**
 * The configured HTTP client of the SDK (base URL, session token, timeouts, retries, error mapping): what every
 * resource operation requires.
 *
 * @since 0.1.0
 * @category tags
 * @example
 * import { Effect, Schema } from "effect"
 * import { DeterminedHttp } from "effect-determined/advanced"
 * import { LocalMaster } from "effect-determined/testing"
 *
 * // an endpoint the resource modules do not cover, against the embedded master
 * const version = Effect.gen(function*() {
 *   const http = yield* DeterminedHttp.DeterminedHttp
 *   const info = yield* http.json({ method: "GET", path: "/api/v1/master" }, Schema.Struct({ version: Schema.String }))
 *   return info.version
 * }).pipe(Effect.provide(LocalMaster.layer()))
 */
export class DeterminedHttp extends Context.Tag("effect-determined/DeterminedHttp")<DeterminedHttp, Service>() {}

/**
 * Build a request path, encoding every interpolated value as one path segment.
 *
 * @since 0.1.0
 * @category constructors
 * @example
 * import { DeterminedHttp } from "effect-determined/advanced"
 *
 * DeterminedHttp.path`/api/v1/models/${"a/b c"}` // "/api/v1/models/a%2Fb%20c"
 */
export const path = (strings: TemplateStringsArray, ...values: ReadonlyArray<string | number>): string => {
  let out = strings[0] ?? ""
  for (let i = 0; i < values.length; i++) out += encodeURIComponent(String(values[i])) + (strings[i + 1] ?? "")
  return out
}

// The master's ids are 32-bit integers (it answers 400 to anything else in a path). A request naming something by
// an id no entity can have (1.5, -1, NaN, 2^53) fails with the `NotFound` it declares, without being sent.
const impossibleId = (request: ApiRequest): Errors.NotFound | undefined => {
  const id = request.notFound?.id
  if (typeof id !== "number" || (Number.isInteger(id) && id >= 0 && id <= 2147483647)) return undefined
  return new Errors.NotFound({
    method: request.method,
    path: request.path,
    resource: request.notFound!.resource,
    id: String(id),
    message: `no ${request.notFound!.resource} has the id ${id}: ids are integers from 0 to 2147483647`
  })
}

const isIdempotent = (request: ApiRequest) =>
  request.idempotent ?? (request.method === "GET" || request.method === "PUT" || request.method === "DELETE")

/**
 * Build the service from the configuration, the session and the platform's `HttpClient`.
 *
 * @since 0.1.0
 * @category constructors
 * @example
 * import { FetchHttpClient } from "@effect/platform"
 * import { Effect, Layer } from "effect"
 * import { DeterminedConfig } from "effect-determined"
 * import { DeterminedHttp, Session } from "effect-determined/advanced"
 *
 * // the service wrapped: every request logged before it is sent
 * const logged = Layer.effect(
 *   DeterminedHttp.DeterminedHttp,
 *   Effect.map(DeterminedHttp.make, (http) => ({
 *     ...http,
 *     json: (request, schema) => Effect.zipRight(Effect.log(`${request.method} ${request.path}`), http.json(request, schema))
 *   }))
 * ).pipe(
 *   Layer.provideMerge(Session.layer),
 *   Layer.provideMerge(DeterminedConfig.layer({ master: "localhost:8080" })),
 *   Layer.provide(FetchHttpClient.layer)
 * )
 */
export const make: Effect.Effect<Service, never, DeterminedConfig | Session | HttpClient.HttpClient> = Effect.gen(
  function*() {
    const config = yield* DeterminedConfig
    const session = yield* Session
    const client = yield* HttpClient.HttpClient

    const targetFor = (request: ApiRequest): Http.Target =>
      request.timeout === undefined ? config : { ...config, timeout: Duration.decode(request.timeout) }

    // One attempt with the current token; a 401 logs in again once (shared by concurrent callers) and replays.
    const authenticated = <R extends ApiRequest, A>(
      request: R,
      run: (response: HttpClientResponse.HttpClientResponse) => Effect.Effect<A, ErrorOf<R>>
    ): Effect.Effect<A, ErrorOf<R>> => {
      const impossible = impossibleId(request)
      // (only a request that declares `notFound` gets one, so it is in ErrorOf<R>)
      if (impossible !== undefined) return Effect.fail(impossible as ErrorOf<R>)
      const target = targetFor(request)
      // the attempt's timeout covers `run` (the body of a unary call) as well as the headers
      const once = (credential: Credential) =>
        retrying(
          { method: request.method, path: request.path, idempotent: isIdempotent(request) },
          Http.attempt(client, target, request, Option.some(credential.token), run),
          request.retry
        )
      return Effect.flatMap(session.credential, (credential) =>
        Effect.catchTag(
          once(credential),
          "Unauthenticated",
          (error) =>
            Log.debug("DeterminedHttp.relogin", `${request.method} ${request.path} answered 401; logging in again once`)
              .pipe(
                Effect.zipRight(session.refresh(credential)),
                Effect.mapError((e) => (e._tag === "Unauthenticated" ? error : e)),
                Effect.flatMap(once)
              )
        ))
    }

    const readJson = (request: ApiRequest, response: HttpClientResponse.HttpClientResponse) =>
      Effect.flatMap(
        Http.readText(request, response, config.maxResponseBytes),
        (text) => Http.parseJson(request, response, text)
      )

    // (read, parse and decode in one step after the body: each `flatMap` is a step of the fiber per request)
    const json = <const R extends ApiRequest, A, I>(request: R, schema: Schema.Schema<A, I, never>) =>
      authenticated(
        request,
        (response) =>
          Effect.flatMap(
            Http.readText(request, response, config.maxResponseBytes),
            (text): Either.Either<A, Errors.DecodeError> => {
              const body = Http.parseJson(request, response, text)
              return Either.isLeft(body)
                ? Either.left(body.left)
                : Http.decodeValue(request, response.status, schema, body.right)
            }
          )
      )

    const voidRequest = <const R extends ApiRequest>(request: R) =>
      authenticated(request, (response) => Effect.asVoid(readJson(request, response)))

    const stream = <const R extends ApiRequest, A, I>(request: R, schema: Schema.Schema<A, I, never>) =>
      Stream.unwrapScoped(
        Effect.map(
          authenticated(request, (response) => Effect.succeed(response)),
          (response) => Http.ndjson(request, response, schema, config)
        )
      )

    const bytes = <const R extends ApiRequest>(request: R) =>
      Stream.unwrapScoped(
        Effect.map(
          authenticated(request, (response) => Effect.succeed(response)),
          (response) => Http.bodyStream(request, response, config, "the response body was cut")
        )
      )

    return { json, void: voidRequest, stream, bytes }
  }
)

/**
 * The service as a layer, from `DeterminedConfig`, `Session` and an `HttpClient`.
 *
 * @since 0.1.0
 * @category layers
 * @example
 * import { FetchHttpClient } from "@effect/platform"
 * import { Layer } from "effect"
 * import { DeterminedConfig } from "effect-determined"
 * import { DeterminedHttp, Session } from "effect-determined/advanced"
 *
 * // the HTTP stack without the resource cache, on fetch
 * const http = DeterminedHttp.layer.pipe(
 *   Layer.provideMerge(Session.layer),
 *   Layer.provideMerge(DeterminedConfig.layer({ master: "localhost:8080" })),
 *   Layer.provide(FetchHttpClient.layer)
 * )
 */
export const layer: Layer.Layer<DeterminedHttp, never, DeterminedConfig | Session | HttpClient.HttpClient> = Layer
  .effect(DeterminedHttp, make)
