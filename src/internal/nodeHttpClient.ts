/**
 * An `HttpClient` over `node:http` / `node:https`, used when TLS options are configured (a custom CA, a
 * certificate name, or skipping verification), which `fetch` cannot take without extra dependencies.
 *
 * @internal
 */
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientError from "@effect/platform/HttpClientError"
import * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import * as http from "node:http"
import * as https from "node:https"
import { Readable } from "node:stream"

/** @internal */
export interface TlsSettings {
  readonly ca?: string | undefined
  readonly servername?: string | undefined
  readonly rejectUnauthorized: boolean
}

/** @internal */
export const make = (tls: TlsSettings): HttpClient.HttpClient => {
  const agent = new https.Agent({
    keepAlive: true,
    rejectUnauthorized: tls.rejectUnauthorized,
    ...(tls.ca === undefined ? {} : { ca: tls.ca }),
    ...(tls.servername === undefined ? {} : { servername: tls.servername })
  })
  const plainAgent = new http.Agent({ keepAlive: true })
  return HttpClient.make((request, url, signal) =>
    Effect.gen(function*() {
      const body = request.body
      let payload: Uint8Array | undefined
      if (body._tag === "Uint8Array") payload = body.body
      else if (body._tag === "Raw" && typeof body.body === "string") payload = new TextEncoder().encode(body.body)
      else if (body._tag === "Stream") {
        const chunks = yield* Stream.runCollect(body.stream).pipe(
          Effect.mapError((cause) => new HttpClientError.RequestError({ request, reason: "Encode", cause }))
        )
        payload = Buffer.concat(Array.from(chunks))
      } else if (body._tag !== "Empty") {
        return yield* new HttpClientError.RequestError({
          request,
          reason: "Encode",
          description: `unsupported body ${body._tag}`
        })
      }
      const headers: Record<string, string> = { ...request.headers }
      if (payload !== undefined) {
        headers["content-length"] = String(payload.byteLength)
        if (body._tag !== "Empty" && "contentType" in body && headers["content-type"] === undefined) {
          headers["content-type"] = String(body.contentType)
        }
      }
      const isHttps = url.protocol === "https:"
      const message = yield* Effect.async<http.IncomingMessage, HttpClientError.RequestError>((resume) => {
        const req = (isHttps ? https : http).request(url, {
          method: request.method,
          headers,
          agent: isHttps ? agent : plainAgent,
          signal
        }, (res) => resume(Effect.succeed(res)))
        req.on("error", (cause) =>
          resume(Effect.fail(new HttpClientError.RequestError({ request, reason: "Transport", cause }))))
        req.end(payload === undefined ? undefined : Buffer.from(payload))
        return Effect.sync(() =>
          req.destroy()
        )
      })
      const responseHeaders = new Headers()
      for (const [name, value] of Object.entries(message.headers)) {
        if (Array.isArray(value)) { for (const v of value) responseHeaders.append(name, v) }
        else if (value !== undefined) responseHeaders.set(name, value)
      }
      const status = message.statusCode ?? 500
      const hasBody = status !== 204 && status !== 304 && request.method !== "HEAD"
      const web = new Response(
        hasBody ? (Readable.toWeb(message) as unknown as ReadableStream<Uint8Array>) : null,
        { status, headers: responseHeaders }
      )
      return HttpClientResponse.fromWeb(request, web)
    })
  )
}
