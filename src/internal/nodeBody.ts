/**
 * Reading a unary body of the platform's undici client (`NodeHttpClient.makeUndici`) without an Effect `Stream`:
 * its `response.stream` is `NodeStream.fromReadable` (a fiber and several Effect steps per chunk) and its
 * `response.text` is `body.text()` behind `Effect.cached` + `runSync`, both unbounded. Listening to the Node
 * `Readable` directly costs a few microseconds per response and keeps the byte limit (bench/micro.ts,
 * docs/BENCHMARKS.md).
 *
 * @internal
 */
import type * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as Effect from "effect/Effect"

/** The part of a Node `Readable` read here (undici's `BodyReadable`). @internal */
export interface NodeReadable {
  readonly readableEnded: boolean
  readonly destroyed: boolean
  on(event: "data", listener: (chunk: Uint8Array) => void): unknown
  on(event: "end" | "close", listener: () => void): unknown
  on(event: "error", listener: (error: unknown) => void): unknown
  off(event: string, listener: (...args: Array<any>) => void): unknown
  destroy(error?: Error): unknown
}

const isNodeReadable = (u: unknown): u is NodeReadable =>
  typeof u === "object" && u !== null && typeof (u as { on?: unknown }).on === "function" &&
  typeof (u as { destroy?: unknown }).destroy === "function" && typeof (u as { pipe?: unknown }).pipe === "function"

/**
 * The Node body of an undici response (`source: Dispatcher.ResponseData`, which `HttpClient` wraps as
 * `original`), when it has not been read yet.
 * @internal
 */
export const nodeBodyOf = (response: HttpClientResponse.HttpClientResponse): NodeReadable | undefined => {
  const r = response as unknown as { readonly original?: { readonly source?: unknown }; readonly source?: unknown }
  const source = (r.original?.source ?? r.source) as { readonly statusCode?: unknown; readonly body?: unknown }
  if (typeof source !== "object" || source === null || typeof source.statusCode !== "number") return undefined
  const body = source.body
  return isNodeReadable(body) && !body.readableEnded && !body.destroyed ? body : undefined
}

/**
 * One header of a response, read from the undici response's own headers (lowercase names) when it is one: the
 * platform's `response.headers` converts all of them to a new `Headers` at every read. Any other response is
 * asked through `response.headers`; both join repeated values with ", ".
 * @internal
 */
export const headerOf = (response: HttpClientResponse.HttpClientResponse, name: string): string | undefined => {
  const r = response as unknown as { readonly original?: { readonly source?: unknown }; readonly source?: unknown }
  const source = (r.original?.source ?? r.source) as { readonly statusCode?: unknown; readonly headers?: unknown }
  if (
    typeof source === "object" && source !== null && typeof source.statusCode === "number" &&
    typeof source.headers === "object" && source.headers !== null
  ) {
    const value = (source.headers as Record<string, string | ReadonlyArray<string> | undefined>)[name]
    return typeof value === "string" || value === undefined ? value : value.join(", ")
  }
  return response.headers[name]
}

/**
 * Read a Node body to text, failing with `tooLarge()` (and destroying the body) past `maxBytes`; interruption
 * destroys the body, which closes the connection.
 * @internal
 */
export const readNodeBody = <E>(
  body: NodeReadable,
  maxBytes: number,
  tooLarge: () => E,
  failed: (cause: unknown) => E
): Effect.Effect<string, E> =>
  Effect.async<string, E>((resume) => {
    const chunks: Array<Uint8Array> = []
    let total = 0
    let settled = false
    const done = () => {
      settled = true
      body.off("data", onData)
      body.off("end", onEnd)
      body.off("error", onError)
      body.off("close", onClose)
    }
    const onData = (chunk: Uint8Array) => {
      if (settled) return
      total += chunk.byteLength
      if (total > maxBytes) {
        done()
        body.destroy()
        return resume(Effect.fail(tooLarge()))
      }
      chunks.push(chunk)
    }
    const onEnd = () => {
      if (settled) return
      done()
      resume(Effect.succeed(Buffer.concat(chunks, total).toString("utf8")))
    }
    const onError = (error: unknown) => {
      if (settled) return
      done()
      resume(Effect.fail(failed(error)))
    }
    // closed without an end or an error: the connection went away in the middle of the body
    const onClose = () => {
      if (settled) return
      done()
      resume(Effect.fail(failed(new Error("the connection closed before the end of the body"))))
    }
    body.on("error", onError)
    body.on("end", onEnd)
    body.on("close", onClose)
    body.on("data", onData)
    return Effect.sync(() => {
      if (settled) return
      done()
      body.destroy()
    })
  })
