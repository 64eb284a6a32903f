/**
 * The HTTP boundary: one attempt of a request, error-body mapping, bounded body reading, JSON and
 * newline-delimited JSON decoding. Platform errors become `DeterminedError`s here and nowhere else.
 *
 * @internal
 */
import * as HttpBody from "@effect/platform/HttpBody"
import type * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import type * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as Cause from "effect/Cause"
import * as Channel from "effect/Channel"
import * as Chunk from "effect/Chunk"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as ParseResult from "effect/ParseResult"
import * as Predicate from "effect/Predicate"
import * as Redacted from "effect/Redacted"
import type * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import * as Errors from "../DeterminedError.js"
import { isPausable, nodeSource, type Source, sourceStream, webSource } from "./bodySource.js"
import { writeBounded } from "./chunks.js"
import { deadline } from "./deadline.js"
import { fastPathOf, reject } from "./fastDecode.js"
import { headerOf, nodeBodyOf, readNodeBody } from "./nodeBody.js"

/** @internal */
export type Method = "GET" | "POST" | "PUT" | "PATCH" | "DELETE"

/** @internal */
export type QueryValue = string | number | boolean | ReadonlyArray<string | number | boolean> | undefined | null

/** @internal */
export interface RequestSpec {
  readonly method: Method
  readonly path: string
  readonly query?: Readonly<Record<string, QueryValue>> | undefined
  readonly body?: unknown
  readonly accept?: string | undefined
  readonly notFound?: { readonly resource: string; readonly id: string | number } | undefined
  /**
   * The request can be refused as invalid or in the wrong state (400 → `InvalidRequest`); otherwise a 400 is a
   * `ServerError`. Default: `true` for writes (POST, PUT, PATCH, DELETE: the master checks states and inputs),
   * `false` for GET.
   */
  readonly invalid?: boolean | undefined
  /** The request can conflict with what exists (409 → `Conflict`); otherwise a 409 is a `ServerError`. */
  readonly conflict?: boolean | undefined
}

/**
 * The errors a request can fail with: every `RequestError`, and the semantic errors its spec declares. A spec
 * whose type does not say (a plain `RequestSpec`) declares all three.
 * @internal
 */
export type ErrorOf<S extends RequestSpec> =
  | Errors.RequestError
  // (`method` keeps each pattern from being a weak type, to which an object without the property is not assignable)
  | (S extends { readonly method: Method; readonly notFound?: undefined } ? never : Errors.NotFound)
  | (S extends { readonly invalid: false } ? never
    : S extends { readonly method: "GET"; readonly invalid?: false | undefined } ? never
    : Errors.InvalidRequest)
  | (S extends { readonly method: Method; readonly conflict?: false | undefined } ? never : Errors.Conflict)

/** @internal */
export interface Target {
  readonly master: string
  /** Deadline of one attempt: until the whole body is read for unary calls, until the headers for streams. */
  readonly timeout: Duration.Duration
  /** Longest wait for the next bytes of a streamed body (NDJSON streams, downloads). */
  readonly streamIdleTimeout: Duration.Duration
  /** Largest unary body, and largest line of a stream, in bytes. */
  readonly maxResponseBytes: number
}

/**
 * `JSON.stringify` for values that came from the network: a value nested too deeply for the stack (or cyclic)
 * gives a placeholder instead of throwing.
 * @internal
 */
export const safeStringify = (value: unknown): string => {
  try {
    return JSON.stringify(value) ?? String(value)
  } catch {
    return "<a value too deeply nested to show>"
  }
}

/** A stack overflow (`RangeError`), which deeply nested input provokes in recursive code. @internal */
export const isStackOverflow = (u: unknown): boolean => u instanceof RangeError

const grpcReasons: Record<number, string> = {
  0: "OK",
  1: "Canceled",
  2: "Unknown",
  3: "InvalidArgument",
  4: "DeadlineExceeded",
  5: "NotFound",
  6: "AlreadyExists",
  7: "PermissionDenied",
  8: "ResourceExhausted",
  9: "FailedPrecondition",
  10: "Aborted",
  11: "OutOfRange",
  12: "Unimplemented",
  13: "Internal",
  14: "Unavailable",
  15: "DataLoss",
  16: "Unauthenticated"
}

/** Parse `Retry-After`: delta-seconds or an HTTP date. @internal */
export const parseRetryAfter = (value: string | undefined, now: number): number | undefined => {
  if (value === undefined || value.trim() === "") return undefined
  const seconds = Number(value)
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000)
  const date = Date.parse(value)
  return Number.isNaN(date) ? undefined : Math.max(0, date - now)
}

interface ErrorBody {
  readonly reason?: string | undefined
  readonly message: string
  readonly httpCode?: number | undefined
}

const describeNonJson = (status: number, contentType: string, text: string): string => {
  const trimmed = text.trim()
  if (trimmed === "") return `HTTP ${status} with an empty body`
  const isHtml = contentType.includes("html") || /^<(!doctype|html)/i.test(trimmed)
  const title = /<title>([^<]*)<\/title>/i.exec(trimmed)?.[1]
  if (isHtml) return `HTTP ${status} with an HTML page instead of JSON${title ? `: ${title.trim()}` : ""}`
  return `HTTP ${status}: ${trimmed.slice(0, 200)}`
}

/** Read either error shape of the master (unary or stream), or describe a non-JSON body. @internal */
export const parseErrorBody = (status: number, contentType: string, text: string): ErrorBody => {
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    return { message: describeNonJson(status, contentType, text) }
  }
  return errorFromJson(json) ?? { message: describeNonJson(status, contentType, text) }
}

const errorFromJson = (json: unknown): ErrorBody | undefined => {
  if (!Predicate.isRecord(json)) return undefined
  const error = json.error
  if (Predicate.isRecord(error)) {
    if ("grpcCode" in error || "httpCode" in error) {
      const code = typeof error.grpcCode === "number" ? error.grpcCode : undefined
      return {
        reason: code === undefined ? undefined : grpcReasons[code],
        message: typeof error.message === "string" ? error.message : safeStringify(error),
        httpCode: typeof error.httpCode === "number" ? error.httpCode : undefined
      }
    }
    const reason = typeof error.reason === "string"
      ? error.reason
      : typeof error.code === "number"
      ? grpcReasons[error.code]
      : undefined
    const message = typeof error.error === "string"
      ? error.error
      : typeof error.message === "string"
      ? error.message
      : safeStringify(error)
    return { reason, message }
  }
  if (typeof json.message === "string") return { message: json.message }
  if (typeof json.error === "string") return { message: json.error }
  return undefined
}

const pathOf = (spec: RequestSpec) => spec.path

const tooDeep = (spec: RequestSpec, status: number, field: string) =>
  new Errors.DecodeError({
    method: spec.method,
    path: pathOf(spec),
    status,
    field,
    message: `unexpected response${field === "" ? "" : ` at ${field}`}: JSON nested too deeply to decode`
  })

/**
 * Map an HTTP status and a parsed error body to the closed error set. A semantic status the request does not
 * declare (a 404 without `notFound`, a 400 without `invalid`, a 409 without `conflict`) is a `ServerError` with
 * that status: the operation's error type names only what it declares, and this keeps that true.
 * @internal
 */
export const errorFromStatus = <S extends RequestSpec>(
  spec: S,
  status: number,
  body: ErrorBody,
  retryAfterMillis: number | undefined
): ErrorOf<S> => mapStatus(spec, status, body, retryAfterMillis) as ErrorOf<S>

// The one place where a status becomes an error; it produces a semantic error only when `spec` declares it, which
// is what `ErrorOf<S>` says (the cast above is this function's contract, tested in test/services/DeterminedHttp).
const mapStatus = (
  spec: RequestSpec,
  status: number,
  body: ErrorBody,
  retryAfterMillis: number | undefined
): Errors.HttpError => {
  const base = { method: spec.method, path: pathOf(spec), message: body.message }
  switch (status) {
    case 400:
      if (spec.invalid ?? spec.method !== "GET") {
        return new Errors.InvalidRequest({ ...base, status, reason: body.reason ?? "InvalidArgument" })
      }
      break
    case 401:
      return new Errors.Unauthenticated(base)
    case 403:
      return new Errors.Forbidden(base)
    case 404:
      if (spec.notFound !== undefined) {
        return new Errors.NotFound({ ...base, resource: spec.notFound.resource, id: String(spec.notFound.id) })
      }
      break
    case 409:
      if (spec.conflict === true) return new Errors.Conflict(base)
      break
    case 429:
      return new Errors.RateLimited(retryAfterMillis === undefined ? base : { ...base, retryAfterMillis })
  }
  return new Errors.ServerError({
    ...base,
    status,
    ...(body.reason === undefined ? {} : { reason: body.reason }),
    ...(retryAfterMillis === undefined ? {} : { retryAfterMillis })
  })
}

const neverSentCodes = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH"])

// OpenSSL's and Node's codes for a certificate that failed verification: deterministic, never worth a retry
const certificateCodes =
  /^(ERR_TLS_CERT_ALTNAME_INVALID|HOSTNAME_MISMATCH|INVALID_CA|INVALID_PURPOSE|CERT_[A-Z_]+|[A-Z_]*SELF_SIGNED[A-Z_]*|UNABLE_TO_(GET|VERIFY|DECRYPT|DECODE)_[A-Z_]+)$/

interface Detail {
  readonly code?: string | undefined
  readonly message?: string | undefined
}

// The innermost error of the cause chain that says what happened: Node's `connect ECONNREFUSED 127.0.0.1:8080`
// sits under fetch's `TypeError: fetch failed`; an AggregateError (both addresses of `localhost` refused) has no
// message of its own, its errors do. Node's messages name the host and port, never a header or a token.
const causeDetail = (u: unknown, depth = 0): Detail => {
  if (depth > 6 || !Predicate.isObject(u)) return {}
  const code = "code" in u && typeof u.code === "string" ? u.code : undefined
  const own = "message" in u && typeof u.message === "string" && u.message !== "" ? u.message : undefined
  if ("errors" in u && Array.isArray(u.errors) && u.errors.length > 0) {
    const inner = u.errors.map((e) => causeDetail(e, depth + 1)).filter((d) => d.message !== undefined)
    if (inner.length > 0) {
      return { code: code ?? inner[0]!.code, message: [...new Set(inner.map((d) => d.message))].join("; ") }
    }
  }
  const deeper = "cause" in u ? causeDetail(u.cause, depth + 1) : {}
  if (deeper.code !== undefined || code === undefined) {
    return deeper.message !== undefined ? deeper : { code, message: own }
  }
  const address = "address" in u && typeof u.address === "string" ? u.address : undefined
  const port = "port" in u && typeof u.port === "number" ? u.port : undefined
  const target = address === undefined ? "" : port === undefined ? ` ${address}` : ` ${address}:${port}`
  return { code, message: own !== undefined && own.includes(code) ? own : `${own ?? "failed"} (${code}${target})` }
}

/**
 * What to keep of a platform error as a cause: its own cause, never the error itself, whose `request` holds the
 * headers (the Authorization header among them) and would show them when the error is serialised or inspected.
 */
const platformCause = (error: { readonly cause?: unknown; readonly message: string }): unknown =>
  error.cause ?? new Error(error.message)

const transportError = (spec: RequestSpec, cause: unknown, description?: string): Errors.TransportError => {
  const { code, message } = causeDetail(cause)
  const parts = [description, message].filter((p): p is string => p !== undefined && p !== "")
  return new Errors.TransportError({
    method: spec.method,
    path: pathOf(spec),
    message: parts.length === 0 ? "the request failed" : [...new Set(parts)].join(": "),
    maybeSent: code === undefined || !neverSentCodes.has(code),
    ...(code !== undefined && certificateCodes.test(code) ? { certificateRejected: true } : {}),
    cause
  })
}

// The request of each (token, method, accept) with its headers set, made once: each `setHeader` of the platform
// copies the headers, and building the same accept + authorization headers for every request cost more than
// giving each request its own URL (docs/BENCHMARKS.md, "Third pass"). Requests and headers are immutable values,
// so sharing them is safe; a token's entries go with the token (a `WeakMap`).
const baseRequests = new WeakMap<object, Map<string, HttpClientRequest.HttpClientRequest>>()
const anonymous = {}

const baseRequest = (
  method: Method,
  accept: string | undefined,
  token: Option.Option<Redacted.Redacted<string>>
): HttpClientRequest.HttpClientRequest => {
  const owner = Option.isSome(token) ? token.value : anonymous
  let byKind = baseRequests.get(owner)
  if (byKind === undefined) {
    byKind = new Map()
    baseRequests.set(owner, byKind)
  }
  const key = accept === undefined ? method : `${method} ${accept}`
  let request = byKind.get(key)
  if (request === undefined) {
    request = HttpClientRequest.make(method)("", {
      acceptJson: accept === undefined,
      ...(accept === undefined ? {} : { accept })
    })
    if (Option.isSome(token)) request = HttpClientRequest.bearerToken(request, Redacted.value(token.value))
    byKind.set(key, request)
  }
  return request
}

const buildRequest = (
  target: Target,
  spec: RequestSpec,
  token: Option.Option<Redacted.Redacted<string>>
): HttpClientRequest.HttpClientRequest => {
  let request = HttpClientRequest.setUrl(baseRequest(spec.method, spec.accept, token), target.master + spec.path)
  if (spec.query !== undefined) {
    const params: Array<[string, string]> = []
    for (const key in spec.query) {
      const value = spec.query[key]
      if (value === undefined || value === null) continue
      if (Array.isArray(value)) { for (const v of value) params.push([key, String(v)]) }
      else params.push([key, String(value)])
    }
    if (params.length > 0) request = HttpClientRequest.setUrlParams(request, params)
  }
  if (spec.body !== undefined) {
    request = HttpClientRequest.setBody(request, HttpBody.text(JSON.stringify(spec.body), "application/json"))
  }
  return request
}

/**
 * The web body of a response built by `HttpClientResponse.fromWeb` (the fetch client and
 * LocalMaster's), which `HttpClient` wraps as `original`. Reading it directly costs a few microseconds where
 * an Effect `Stream` over it costs hundreds per response (bench/micro.ts); any other response is read as a
 * `Stream`.
 */
const webBody = (response: HttpClientResponse.HttpClientResponse): ReadableStream<Uint8Array> | undefined => {
  const r = response as unknown as { readonly original?: { readonly source?: unknown }; readonly source?: unknown }
  const source = r.original?.source ?? r.source
  return typeof Response === "function" && source instanceof Response && source.body !== null && !source.bodyUsed
    ? source.body
    : undefined
}

/**
 * The platform's `HttpClient` registers each response with a `FinalizationRegistry` that aborts the request's
 * `AbortController` when the response is garbage-collected; its own body readers unregister the response first
 * (`InterruptibleResponse.applyInterrupt`). A body read here directly is unregistered the same way, else the
 * collection of every response aborts a request that has long finished: a `DOMException` and an abort event
 * per response, in the garbage collector's wake (docs/BENCHMARKS.md, "Second pass"). The registry is the
 * platform's global value; where it is not found, nothing is unregistered (the old cost, no other change).
 */
const releaseFromRegistry = (response: HttpClientResponse.HttpClientResponse): void => {
  const original = (response as unknown as { readonly original?: unknown }).original
  if (original === undefined) return
  const store = (globalThis as { readonly ["effect/GlobalValue"]?: Map<string, unknown> })["effect/GlobalValue"]
  const registry = store?.get("@effect/platform/HttpClient/responseRegistry") as
    | { readonly unregister?: (response: unknown) => void }
    | undefined
  registry?.unregister?.(original)
}

const readWebBody = <E>(
  body: ReadableStream<Uint8Array>,
  maxBytes: number,
  tooLarge: () => E,
  failed: (cause: unknown) => E
): Effect.Effect<string, E> =>
  Effect.async<string, E>((resume) => {
    const reader = body.getReader()
    const chunks: Array<Uint8Array> = []
    let total = 0
    let settled = false
    const pump = (): void => {
      reader.read().then(({ done, value }) => {
        if (settled) return
        if (done) {
          settled = true
          return resume(Effect.succeed(Buffer.concat(chunks, total).toString("utf8")))
        }
        total += value.byteLength
        if (total > maxBytes) {
          settled = true
          reader.cancel().catch(() => {})
          return resume(Effect.fail(tooLarge()))
        }
        chunks.push(value)
        pump()
      }, (cause) => {
        if (settled) return
        settled = true
        resume(Effect.fail(failed(cause)))
      })
    }
    pump()
    // interrupted: stop reading and close the response
    return Effect.sync(() => {
      if (settled) return
      settled = true
      reader.cancel().catch(() => {})
    })
  })

/**
 * Read a body as text, failing with `DecodeError` past `maxBytes` without holding more than that in memory.
 * @internal
 */
export const readText = (
  spec: RequestSpec,
  response: HttpClientResponse.HttpClientResponse,
  maxBytes: number
): Effect.Effect<string, Errors.TransportError | Errors.DecodeError> => {
  const tooLarge = () =>
    new Errors.DecodeError({
      method: spec.method,
      path: pathOf(spec),
      status: response.status,
      field: "",
      message: `response body exceeds the limit of ${maxBytes} bytes (DeterminedConfig.maxResponseBytes)`
    })
  const length = Number(headerOf(response, "content-length"))
  if (Number.isFinite(length) && length > maxBytes) {
    return Effect.fail(tooLarge())
  }
  const failed = (cause: unknown) => transportError(spec, cause, "reading the body failed")
  const body = webBody(response)
  if (body !== undefined) {
    releaseFromRegistry(response)
    return readWebBody<Errors.TransportError | Errors.DecodeError>(body, maxBytes, tooLarge, failed)
  }
  const nodeBody = nodeBodyOf(response)
  if (nodeBody !== undefined) {
    releaseFromRegistry(response)
    return readNodeBody<Errors.TransportError | Errors.DecodeError>(nodeBody, maxBytes, tooLarge, failed)
  }
  return Effect.suspend(() => {
    const chunks: Array<Uint8Array> = []
    let total = 0
    return response.stream.pipe(
      Stream.runForEach((bytes) => {
        total += bytes.byteLength
        if (total > maxBytes) return Effect.fail(tooLarge())
        chunks.push(bytes)
        return Effect.void
      }),
      // no body at all (e.g. a 204, or a proxy's empty answer) reads as "", not as a broken connection
      Effect.catchIf((e) => e._tag === "ResponseError" && e.reason === "EmptyBody", () => Effect.void),
      Effect.mapError((e) =>
        e._tag === "DecodeError" ? e : transportError(spec, platformCause(e), "reading the body failed")
      ),
      Effect.map(() => Buffer.concat(chunks, total).toString("utf8"))
    )
  })
}

const timeoutError = (spec: RequestSpec, duration: Duration.Duration, stage: "attempt" | "idle", message: string) =>
  new Errors.Timeout({
    method: spec.method,
    path: pathOf(spec),
    timeoutMillis: Duration.toMillis(duration),
    stage,
    message
  })

const redirectStatuses = new Set([301, 302, 303, 307, 308])

/** Most redirects one attempt follows (all within the master's origin). */
const MAX_REDIRECTS = 5

const redirectRefused = (spec: RequestSpec, status: number, message: string) =>
  new Errors.ServerError({ method: spec.method, path: pathOf(spec), status, reason: "Redirect", message })

/** The URL a response finally came from, when the client followed redirects itself (fetch does, by default). */
const finalUrl = (response: HttpClientResponse.HttpClientResponse): string | undefined => {
  const r = response as unknown as { readonly original?: { readonly source?: unknown }; readonly source?: unknown }
  const source = r.original?.source ?? r.source
  return typeof Response === "function" && source instanceof Response && source.redirected ? source.url : undefined
}

/**
 * Send `request` and follow the redirects that stay within the master's origin (scheme, host and port), at most
 * {@link MAX_REDIRECTS}: a 303 (or a 301/302 of a POST) becomes a GET without a body, as browsers do; 307 and 308
 * keep the method and the body. A redirect to another origin is refused, a `ServerError{reason: "Redirect"}`
 * with the redirect's status, before anything is sent there: its answer would be taken for the master's, and the
 * request carries the bearer token. The SDK's own clients do not follow redirects (fetch is given
 * `redirect: "manual"`); an application's client that does is caught afterwards, by the URL its answer came from.
 */
const execute = <B, E2>(
  client: HttpClient.HttpClient,
  target: Target,
  spec: RequestSpec,
  request: HttpClientRequest.HttpClientRequest,
  redirects: number,
  // what is done with the final answer, in the same step (one `matchEffect` instead of `mapError` + `flatMap`s)
  onResponse: (response: HttpClientResponse.HttpClientResponse) => Effect.Effect<B, E2>
): Effect.Effect<B, Errors.TransportError | Errors.ServerError | E2> =>
  Effect.matchEffect(client.execute(request), {
    onFailure: (error) => Effect.fail(transportError(spec, platformCause(error), error.description)),
    onSuccess: (response): Effect.Effect<B, Errors.TransportError | Errors.ServerError | E2> => {
      // (nothing below parses a URL or converts the headers unless the answer was redirected or is a redirect:
      // a few microseconds per request otherwise, docs/BENCHMARKS.md, "Third pass")
      const followed = finalUrl(response)
      if (followed !== undefined) {
        const origin = new URL(target.master).origin
        const from = new URL(followed).origin
        if (from !== origin) {
          return Effect.fail(redirectRefused(
            spec,
            response.status,
            `the answer came from ${from} after a redirect, not from the master ${origin}; refused`
          ))
        }
      }
      if (!redirectStatuses.has(response.status)) return onResponse(response)
      const location = headerOf(response, "location")
      if (location === undefined) return onResponse(response)
      const origin = new URL(target.master).origin
      let next: URL
      try {
        next = new URL(location, request.url)
      } catch {
        return Effect.fail(
          redirectRefused(spec, response.status, `a redirect to an invalid URL ${safeStringify(location)}`)
        )
      }
      if (next.origin !== origin) {
        return Effect.fail(redirectRefused(
          spec,
          response.status,
          `HTTP ${response.status} redirect to another origin (${next.origin}) refused: only redirects within the ` +
            `master's origin ${origin} are followed (if the master moved, configure its new URL)`
        ))
      }
      if (redirects >= MAX_REDIRECTS) {
        return Effect.fail(redirectRefused(spec, response.status, `more than ${MAX_REDIRECTS} redirects`))
      }
      const asGet = response.status === 303 || (request.method === "POST" && response.status !== 307 &&
        response.status !== 308)
      const moved = HttpClientRequest.setUrl(
        asGet ? HttpClientRequest.setBody(HttpClientRequest.setMethod(request, "GET"), HttpBody.empty) : request,
        next
      )
      // the redirect's own body is read (bounded) so that its connection can be reused
      return readText(spec, response, 64 * 1024).pipe(
        Effect.ignore,
        Effect.zipRight(execute(client, target, spec, moved, redirects + 1, onResponse))
      )
    }
  })

/**
 * One attempt: send, wait for the headers, map statuses >= 300 to errors (reading the error body, bounded), and
 * run `read` on a 2xx response, all within `target.timeout`: a server that sends the headers and then trickles
 * the body, or stops, ends as `Timeout` whatever the HttpClient. Without `read`, the 2xx response is returned
 * with its body unread (streams, downloads: {@link bodyStream} bounds the wait for each chunk).
 * @internal
 */
export const attempt: {
  <S extends RequestSpec>(
    client: HttpClient.HttpClient,
    target: Target,
    spec: S,
    token: Option.Option<Redacted.Redacted<string>>
  ): Effect.Effect<HttpClientResponse.HttpClientResponse, ErrorOf<S>>
  <S extends RequestSpec, A, E extends Errors.HttpError>(
    client: HttpClient.HttpClient,
    target: Target,
    spec: S,
    token: Option.Option<Redacted.Redacted<string>>,
    read: (response: HttpClientResponse.HttpClientResponse) => Effect.Effect<A, E>
  ): Effect.Effect<A, ErrorOf<S> | E>
} = <S extends RequestSpec, A, E extends Errors.HttpError>(
  client: HttpClient.HttpClient,
  target: Target,
  spec: S,
  token: Option.Option<Redacted.Redacted<string>>,
  read?: (response: HttpClientResponse.HttpClientResponse) => Effect.Effect<A, E>
): Effect.Effect<A | HttpClientResponse.HttpClientResponse, ErrorOf<S> | E> =>
  execute(
    client,
    target,
    spec,
    buildRequest(target, spec, token),
    0,
    (response): Effect.Effect<A | HttpClientResponse.HttpClientResponse, ErrorOf<S> | E> => {
      if (response.status >= 200 && response.status < 300) {
        return read === undefined ? Effect.succeed(response) : read(response)
      }
      return readText(spec, response, Math.min(target.maxResponseBytes, 1024 * 1024)).pipe(
        Effect.catchTag("DecodeError", () => Effect.succeed("")),
        Effect.flatMap((text) =>
          Effect.clockWith((clock) => clock.currentTimeMillis).pipe(Effect.flatMap((now) => {
            const body = parseErrorBody(response.status, response.headers["content-type"] ?? "", text)
            const retryAfter = parseRetryAfter(response.headers["retry-after"], now)
            return Effect.fail(errorFromStatus(spec, response.status, body, retryAfter))
          }))
        )
      )
    }
  ).pipe(
    (effect) =>
      deadline(effect, target.timeout, () =>
        timeoutError(
          spec,
          target.timeout,
          "attempt",
          read === undefined
            ? `no response within ${Duration.format(target.timeout)}`
            : `no complete response within ${Duration.format(target.timeout)}`
        ))
  )

/**
 * The bytes of a 2xx response's body as they arrive: a broken connection is a `TransportError`, no bytes for
 * `target.streamIdleTimeout` a `Timeout` (`stage: "idle"`), on any HttpClient. An absent body is empty.
 *
 * The bodies of the platform's undici and fetch clients (and LocalMaster's) are read straight from their Node
 * `Readable` or web `ReadableStream` (./bodySource.ts: bounded read-ahead, several network chunks per Stream
 * chunk, a timer only while waiting); any other response through its `response.stream`.
 * @internal
 */
export const bodyStream = (
  spec: RequestSpec,
  response: HttpClientResponse.HttpClientResponse,
  target: Pick<Target, "streamIdleTimeout">,
  description = "the stream was interrupted"
): Stream.Stream<Uint8Array, Errors.TransportError | Errors.Timeout> => {
  const onIdle = () =>
    timeoutError(
      spec,
      target.streamIdleTimeout,
      "idle",
      `no data for ${Duration.format(target.streamIdleTimeout)} (DeterminedConfig.streamIdleTimeout)`
    )
  const source = directSource(response)
  if (source !== undefined) {
    return sourceStream<Errors.TransportError | Errors.Timeout>(source, {
      idle: target.streamIdleTimeout,
      onIdle,
      failed: (cause) => transportError(spec, cause, description)
    })
  }
  return response.stream.pipe(
    Stream.catchAll((e) => e.reason === "EmptyBody" ? Stream.empty : Stream.fail(e)),
    Stream.mapError((e) => transportError(spec, platformCause(e), description)),
    Stream.timeoutFailCause(() => Cause.fail(onIdle()), target.streamIdleTimeout)
  )
}

/**
 * The body of a response as a {@link Source}, when it is a web or Node body not read yet; the response is then
 * unregistered from the platform's finalization registry, as its own readers do (see `releaseFromRegistry`),
 * and the stream releases the body itself when it ends early.
 */
const directSource = (response: HttpClientResponse.HttpClientResponse): Source | undefined => {
  const web = webBody(response)
  if (web !== undefined) {
    releaseFromRegistry(response)
    return webSource(web)
  }
  const node = nodeBodyOf(response)
  if (node !== undefined && isPausable(node)) {
    releaseFromRegistry(response)
    return nodeSource(node)
  }
  return undefined
}

const decoders = new WeakMap<object, (u: unknown) => Either.Either<any, ParseResult.ParseIssue>>()

const decoderFor = <A, I>(schema: Schema.Schema<A, I, never>) => {
  let decode = decoders.get(schema)
  if (decode === undefined) {
    decode = ParseResult.decodeUnknownEither(schema as Schema.Schema<A, I, never>, {
      onExcessProperty: "ignore"
    }) as (u: unknown) => Either.Either<any, ParseResult.ParseIssue>
    decoders.set(schema, decode)
  }
  return decode as (u: unknown) => Either.Either<A, ParseResult.ParseIssue>
}

/**
 * Decode a JSON value, naming the offending field on failure: by the schema's fast path when it has one and
 * accepts the value (src/internal/fastDecode.ts), else by the schema.
 * @internal
 */
export const decodeValue = <A, I>(
  spec: RequestSpec,
  status: number,
  schema: Schema.Schema<A, I, never>,
  value: unknown,
  prefix = ""
): Either.Either<A, Errors.DecodeError> => {
  const fast = fastPathOf(schema)
  if (fast !== undefined) {
    const decoded = fast(value)
    if (decoded !== reject) return Either.right(decoded as A)
  }
  return decodeValueBySchema(spec, status, schema, value, prefix)
}

/** {@link decodeValue} by the schema alone, without its fast path (what a fast path must agree with). @internal */
export const decodeValueBySchema = <A, I>(
  spec: RequestSpec,
  status: number,
  schema: Schema.Schema<A, I, never>,
  value: unknown,
  prefix = ""
): Either.Either<A, Errors.DecodeError> => {
  // Deeply nested JSON (100k levels parse fine) overflows the stack of recursive decoding or of issue
  // formatting: a RangeError that would otherwise be a defect, bypassing catchTag and retries.
  try {
    return Either.mapLeft(decoderFor(schema)(value), (issue) => {
      const first = ParseResult.ArrayFormatter.formatIssueSync(issue)[0]
      const field = [prefix, ...(first?.path ?? []).map(String)].filter((s) => s !== "").join(".")
      return new Errors.DecodeError({
        method: spec.method,
        path: pathOf(spec),
        status,
        field,
        message: `unexpected response${field === "" ? "" : ` at ${field}`}: ${first?.message ?? "invalid"}`
      })
    })
  } catch (e) {
    if (isStackOverflow(e)) return Either.left(tooDeep(spec, status, prefix))
    throw e
  }
}

/** Parse JSON text of a 2xx response. @internal */
export const parseJson = (
  spec: RequestSpec,
  response: HttpClientResponse.HttpClientResponse,
  text: string
): Either.Either<unknown, Errors.DecodeError> => {
  try {
    return Either.right(JSON.parse(text))
  } catch {
    return Either.left(
      new Errors.DecodeError({
        method: spec.method,
        path: pathOf(spec),
        status: response.status,
        field: "",
        message: `expected JSON: ${describeNonJson(response.status, response.headers["content-type"] ?? "", text)}`
      })
    )
  }
}

// The UTF-8 text of `bytes[start, end)`, cut at newline bytes (which never occur inside a UTF-8 sequence, nor
// unescaped inside a JSON string), so each piece is whole. Node's `Buffer` decoder where there is one: about 18 µs
// for a 55 KB chunk of log lines where a streaming `TextDecoder` takes 137 µs (node 20, docs/BENCHMARKS.md "Third
// pass"); both replace invalid sequences with U+FFFD. Elsewhere a `TextDecoder` that leaves a BOM alone (the
// caller strips the one at the start of the stream, as a streaming decoder does).
const utf8: (bytes: Uint8Array, start: number, end: number) => string = typeof Buffer === "function"
  ? (bytes, start, end) => Buffer.from(bytes.buffer, bytes.byteOffset + start, end - start).toString("utf8")
  : ((decoder: TextDecoder) => (bytes: Uint8Array, start: number, end: number) =>
    decoder.decode(bytes.subarray(start, end)))(new TextDecoder("utf-8", { ignoreBOM: true }))

const joined = (parts: ReadonlyArray<Uint8Array>, total: number): Uint8Array => {
  const out = new Uint8Array(total)
  let offset = 0
  for (const part of parts) {
    out.set(part, offset)
    offset += part.byteLength
  }
  return out
}

/**
 * Turn the body of a streaming response into decoded `result` messages. Lines are `{"result": …}`; an
 * `{"error": …}` line fails with the mapped error after every message before it was delivered; a last line
 * that is not complete JSON (the connection was cut) fails with a `TransportError`; a line longer than
 * `target.maxResponseBytes` fails with a `DecodeError` without being held whole; no bytes for
 * `target.streamIdleTimeout` fails with `Timeout` (`stage: "idle"`).
 *
 * Each network chunk's complete lines are decoded to text at once and split on that text, as a hand-written
 * reader does; line lengths are checked on the bytes. The bytes of a line that spans chunks are kept until its
 * newline arrives and decoded once then, so a long line costs linear time. One channel stage does it all: a
 * Stream chunk of bytes in, one of decoded messages out.
 * @internal
 */
export const ndjson = <S extends RequestSpec, A, I>(
  spec: S,
  response: HttpClientResponse.HttpClientResponse,
  schema: Schema.Schema<A, I, never>,
  target: Pick<Target, "streamIdleTimeout" | "maxResponseBytes">
): Stream.Stream<A, ErrorOf<S>> =>
  Stream.suspend(() => {
    const maxLine = target.maxResponseBytes
    const status = response.status
    const fast = fastPathOf(schema)
    let failure: ErrorOf<S> | undefined
    const decodeError = (message: string) =>
      new Errors.DecodeError({ method: spec.method, path: pathOf(spec), status, field: "", message })
    const lineTooLong = () =>
      decodeError(`a stream line exceeds the limit of ${maxLine} bytes (DeterminedConfig.maxResponseBytes)`)
    const parseLine = (line: string, last: boolean): A | undefined => {
      let json: unknown
      try {
        json = JSON.parse(line)
      } catch {
        failure = last
          ? transportError(spec, undefined, "the stream ended in the middle of a line")
          : decodeError(`a stream line is not JSON: ${line.slice(0, 120)}`)
        return undefined
      }
      if (Predicate.isRecord(json) && "result" in json) {
        const result = json.result
        if (fast !== undefined) {
          const value = fast(result)
          if (value !== reject) return value as A
        }
        const decoded = decodeValueBySchema(spec, status, schema, result, "result")
        if (Either.isLeft(decoded)) {
          failure = decoded.left
          return undefined
        }
        return decoded.right
      }
      const body = errorFromJson(json)
      failure = body === undefined
        ? decodeError("a stream line has neither result nor error")
        : errorFromStatus(spec, body.httpCode ?? 500, body, undefined)
      return undefined
    }
    const emit = (line: string, last: boolean, out: Array<A>) => {
      // blank lines (keep-alives) are skipped; a line that starts with "{" cannot be blank
      if (line.length === 0 || (line.charCodeAt(0) !== 123 && line.trim() === "")) return
      const value = parseLine(line, last)
      if (value !== undefined) out.push(value)
    }
    // the complete lines of `text` (each ends at a newline of the bytes), while none failed
    const emitLines = (text: string, out: Array<A>) => {
      let start = 0
      let newline: number
      while ((newline = text.indexOf("\n", start)) !== -1) {
        emit(text.slice(start, newline), false, out)
        if (failure !== undefined) return
        start = newline + 1
      }
      emit(text.slice(start), false, out)
    }
    // a BOM at the start of the stream is not part of the first line (a streaming TextDecoder drops it too)
    let started = false
    const first = (text: string) => {
      if (started) return text
      started = true
      return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text
    }
    // the bytes after the last newline seen (the start of a line), and their length
    let pending: Array<Uint8Array> = []
    let pendingBytes = 0
    const split = (chunks: Chunk.Chunk<Uint8Array>, out: Array<A>): void => {
      for (const bytes of chunks) {
        const size = bytes.byteLength
        const firstNewline = bytes.indexOf(10)
        if (firstNewline === -1) {
          if (pendingBytes + size > maxLine) {
            failure = lineTooLong()
            return
          }
          pending.push(bytes)
          pendingBytes += size
          continue
        }
        // the line that ends in this chunk
        if (pendingBytes + firstNewline > maxLine) {
          failure = lineTooLong()
          return
        }
        const head = pendingBytes === 0
          ? utf8(bytes, 0, firstNewline)
          : utf8(
            joined([...pending, bytes.subarray(0, firstNewline)], pendingBytes + firstNewline),
            0,
            pendingBytes + firstNewline
          )
        pending = []
        pendingBytes = 0
        emit(first(head), false, out)
        if (failure !== undefined) return
        // the chunk's other complete lines, decoded at once (up to a line too long, if there is one)
        const lastNewline = bytes.lastIndexOf(10)
        if (lastNewline > firstNewline) {
          let end = lastNewline
          let tooLong = false
          if (lastNewline - firstNewline - 1 > maxLine) {
            let start = firstNewline + 1
            while (start <= lastNewline) {
              const newline = bytes.indexOf(10, start)
              if (newline - start > maxLine) {
                tooLong = true
                end = start - 1
                break
              }
              start = newline + 1
            }
          }
          if (end > firstNewline + 1) emitLines(utf8(bytes, firstNewline + 1, end), out)
          if (failure !== undefined) return
          if (tooLong) {
            failure = lineTooLong()
            return
          }
        }
        const tail = size - lastNewline - 1
        if (tail > maxLine) {
          failure = lineTooLong()
          return
        }
        if (tail > 0) {
          pending.push(bytes.subarray(lastNewline + 1))
          pendingBytes = tail
        }
      }
    }
    type Splitter = Channel.Channel<
      Chunk.Chunk<A>,
      Chunk.Chunk<Uint8Array>,
      ErrorOf<S> | Errors.TransportError | Errors.Timeout,
      Errors.TransportError | Errors.Timeout,
      void,
      unknown
    >
    // (a chunk of at most MAX_CHUNK lines: internal/chunks.ts)
    const writeThen = (out: Array<A>, next: Splitter): Splitter => writeBounded(out, next)
    const splitter: Splitter = Channel.readWithCause({
      onInput: (chunks: Chunk.Chunk<Uint8Array>) => {
        const out: Array<A> = []
        split(chunks, out)
        return writeThen(out, failure === undefined ? splitter : Channel.fail(failure))
      },
      onFailure: (cause) => Channel.failCause(cause),
      onDone: () => {
        if (pendingBytes === 0) return Channel.void
        const out: Array<A> = []
        emit(first(utf8(joined(pending, pendingBytes), 0, pendingBytes)), true, out)
        pending = []
        pendingBytes = 0
        return writeThen(out, failure === undefined ? Channel.void : Channel.fail(failure))
      }
    })
    const bytes: Stream.Stream<Uint8Array, Errors.TransportError | Errors.Timeout> = bodyStream(spec, response, target)
    const lines: Stream.Stream<A, ErrorOf<S> | Errors.TransportError | Errors.Timeout> = Stream.pipeThroughChannel(
      bytes,
      splitter
    )
    return lines as Stream.Stream<A, ErrorOf<S>>
  })
