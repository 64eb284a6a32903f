/**
 * The in-process edge of LocalMaster (the `LocalMaster.layer` path): a platform `HttpClientRequest` goes to the
 * router as a bodyless web `Request` (headers, method, URL) plus its body text, and the router's {@link Outcome}
 * comes back as an `HttpClientResponse` whose body is already in memory (or is the route's own Effect `Stream`).
 * No web body is read, so nothing waits for a promise or a timer: a request is answered within the calling
 * fiber, and under `TestClock` the same program with the same seed and clock steps gives the same outcome. A fault
 * plan's broken connections stay in the fiber too: a cut stream or a half-sent body fails as a web body read by
 * `HttpClientResponse.fromWeb` would (`ResponseError` "Decode" with the transport's error as its cause).
 *
 * @internal
 */
import * as Cookies from "@effect/platform/Cookies"
import * as Headers from "@effect/platform/Headers"
import * as HttpClientError from "@effect/platform/HttpClientError"
import type * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as IncomingMessage from "@effect/platform/HttpIncomingMessage"
import * as UrlParams from "@effect/platform/UrlParams"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Inspectable from "effect/Inspectable"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import { connectionError } from "./faults.js"
import type { Outcome } from "./router.js"

/** An outcome that is a response (a `NoResponse` is the client's transport error instead). */
export type Answered = Exclude<Outcome, { readonly _tag: "NoResponse" }>

const decoder = new TextDecoder()
const encoder = new TextEncoder()

/** A request body stream collected into one array (empty if the stream fails). */
export const readStreamBody = (stream: Stream.Stream<Uint8Array, unknown>): Effect.Effect<Uint8Array> =>
  Stream.runCollect(stream).pipe(
    Effect.map((chunks) => {
      const parts = Chunk.toReadonlyArray(chunks)
      const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
      let offset = 0
      for (const p of parts) {
        out.set(p, offset)
        offset += p.length
      }
      return out
    }),
    Effect.orElseSucceed(() => new Uint8Array())
  )

/** The body of a platform request as text, collected in the fiber (a `Stream` body is run to its end). */
export const requestBodyText = (
  body: HttpClientRequest.HttpClientRequest["body"]
): Effect.Effect<string | undefined> => {
  switch (body._tag) {
    case "Empty":
      return Effect.succeed("")
    case "Uint8Array":
      return Effect.succeed(decoder.decode(body.body))
    case "Raw":
      return Effect.succeed(
        typeof body.body === "string"
          ? body.body
          : body.body instanceof Uint8Array
          ? decoder.decode(body.body)
          : JSON.stringify(body.body)
      )
    case "Stream":
      return Effect.map(readStreamBody(body.stream), (bytes) => decoder.decode(bytes))
    case "FormData":
      // multipart needs the web encoder: the caller falls back to the web path
      return Effect.succeed(undefined)
  }
}

/** The bodyless web request the router reads headers, method and URL from. */
export const routerRequest = (request: HttpClientRequest.HttpClientRequest, url: URL): Request => {
  const headers = new globalThis.Headers()
  for (const [k, v] of Object.entries(request.headers)) headers.set(k, v)
  const body = request.body
  if (!headers.has("content-type")) {
    if (body._tag === "Uint8Array") headers.set("content-type", body.contentType)
    else if (body._tag === "Raw" && body.contentType !== undefined) headers.set("content-type", body.contentType)
  }
  return new Request(url.toString(), { method: request.method, headers })
}

class OutcomeResponse extends Inspectable.Class implements HttpClientResponse.HttpClientResponse {
  readonly [IncomingMessage.TypeId]: IncomingMessage.TypeId = IncomingMessage.TypeId
  readonly [HttpClientResponse.TypeId]: HttpClientResponse.TypeId = HttpClientResponse.TypeId
  readonly status: number
  readonly headers: Headers.Headers
  private readonly rawHeaders: globalThis.Headers

  constructor(readonly request: HttpClientRequest.HttpClientRequest, private readonly outcome: Answered) {
    super()
    const headers = new globalThis.Headers()
    if (outcome._tag !== "Stream") {
      headers.set("content-type", outcome.contentType)
      for (const [k, v] of Object.entries(outcome.headers)) headers.append(k, v)
      this.status = outcome.status
    } else {
      headers.set("content-type", "application/json")
      headers.set("transfer-encoding", "chunked")
      this.status = 200
    }
    this.rawHeaders = headers
    this.headers = Headers.fromInput(headers)
  }

  toJSON(): unknown {
    return IncomingMessage.inspect(this, {
      _id: "@effect/platform/HttpClientResponse",
      request: this.request.toJSON(),
      status: this.status
    })
  }

  get cookies(): Cookies.Cookies {
    return Cookies.fromSetCookie(this.rawHeaders.getSetCookie())
  }

  get remoteAddress(): Option.Option<string> {
    return Option.none()
  }

  private get bytes(): Uint8Array {
    const o = this.outcome
    if (o._tag !== "Body") return new Uint8Array()
    return typeof o.body === "string" ? encoder.encode(o.body) : o.body
  }

  get stream(): Stream.Stream<Uint8Array, HttpClientError.ResponseError> {
    const o = this.outcome
    switch (o._tag) {
      case "Stream":
        return Stream.mapError(o.stream, (cause) => this.decodeError(cause))
      case "Broken":
        return Stream.concat(
          o.head.length === 0 ? Stream.empty : Stream.succeed(o.head),
          Stream.fail(this.decodeError(connectionError("dropped")))
        )
      case "Body": {
        const bytes = this.bytes
        return bytes.length === 0 ? Stream.empty : Stream.succeed(bytes)
      }
    }
  }

  get text(): Effect.Effect<string, HttpClientError.ResponseError> {
    const o = this.outcome
    if (o._tag === "Body") return Effect.succeed(typeof o.body === "string" ? o.body : decoder.decode(o.body))
    return Stream.runCollect(this.stream).pipe(
      Effect.map((chunks) => Chunk.toReadonlyArray(chunks).map((c) => decoder.decode(c, { stream: true })).join(""))
    )
  }

  get json(): Effect.Effect<unknown, HttpClientError.ResponseError> {
    return Effect.flatMap(this.text, (text) =>
      Effect.try({
        try: () => (text === "" ? null : JSON.parse(text) as unknown),
        catch: (cause) => this.decodeError(cause)
      }))
  }

  get urlParamsBody(): Effect.Effect<UrlParams.UrlParams, HttpClientError.ResponseError> {
    return Effect.map(this.text, (text) => UrlParams.fromInput(new URLSearchParams(text)))
  }

  get arrayBuffer(): Effect.Effect<ArrayBuffer, HttpClientError.ResponseError> {
    if (this.outcome._tag === "Body") return Effect.sync(() => this.bytes.slice().buffer as ArrayBuffer)
    return Effect.map(this.text, (text) => encoder.encode(text).buffer as ArrayBuffer)
  }

  get formData(): Effect.Effect<FormData, HttpClientError.ResponseError> {
    // no LocalMaster route answers multipart; a web Response parses it if one ever does
    return Effect.tryPromise({
      try: () => new Response(this.bytes as BodyInit, { headers: this.rawHeaders }).formData(),
      catch: (cause) => this.decodeError(cause)
    })
  }

  private decodeError(cause: unknown): HttpClientError.ResponseError {
    return new HttpClientError.ResponseError({ request: this.request, response: this, reason: "Decode", cause })
  }
}

/** The router's outcome as the platform response the SDK reads. */
export const toClientResponse = (
  request: HttpClientRequest.HttpClientRequest,
  outcome: Answered
): HttpClientResponse.HttpClientResponse => new OutcomeResponse(request, outcome)
