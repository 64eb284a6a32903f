/**
 * Fault injection for streaming tests until LocalMaster has its own: the SDK stack against an in-process
 * LocalMaster whose HttpClient cuts chosen responses after a number of complete lines (the next line is sent in
 * part, then the body fails like a reset connection).
 */
import { HttpClient, HttpClientResponse } from "@effect/platform"
import { Effect, Layer, Stream } from "effect"
import { Determined } from "effect-determined"
import { LocalMaster } from "effect-determined/testing"

export interface DropPlan {
  /** Which responses may be cut, e.g. `(url) => url.pathname.endsWith("/logs")`. */
  readonly match: (url: URL) => boolean
  /** The i-th matching response is cut after this many complete lines; `undefined` leaves it whole. */
  readonly cutAfterLines: ReadonlyArray<number | undefined>
}

const cut = <E>(source: Stream.Stream<Uint8Array, E>, lines: number): Stream.Stream<Uint8Array, E | Error> =>
  Stream.suspend(() => {
    let seen = 0
    let stopped = lines === 0
    return source.pipe(
      Stream.takeWhile(() => !stopped),
      Stream.map((bytes) => {
        for (let i = 0; i < bytes.length; i++) {
          if (bytes[i] === 10 && ++seen === lines) {
            stopped = true
            return bytes.subarray(0, Math.min(bytes.length, i + 1 + 12))
          }
        }
        return bytes
      }),
      Stream.concat(Stream.suspend(() => stopped ? Stream.fail(new Error("connection reset by peer")) : Stream.empty))
    )
  })

/** Wrap an HttpClient so that responses matching the plan are cut. */
export const cutting = (inner: HttpClient.HttpClient, plan: DropPlan): HttpClient.HttpClient => {
  let matched = 0
  return HttpClient.make((request, url) =>
    Effect.flatMap(inner.execute(request), (response) => {
      if (!plan.match(url)) return Effect.succeed(response)
      const lines = plan.cutAfterLines[matched++]
      if (lines === undefined) return Effect.succeed(response)
      return Effect.map(
        Stream.toReadableStreamEffect(cut(response.stream, lines)),
        (readable) =>
          HttpClientResponse.fromWeb(
            request,
            new Response(readable, { status: response.status, headers: response.headers as Record<string, string> })
          )
      )
    })
  )
}

/** `LocalMaster.layer(options)` with the plan's responses cut. */
export const layerWithDrops = (options: LocalMaster.Options, plan: DropPlan) => {
  const client = Layer.effect(
    HttpClient.HttpClient,
    Effect.map(LocalMaster.LocalMaster, (master) => cutting(LocalMaster.httpClient(master), plan))
  )
  const sdk = Determined.layerWithoutHttpClient({
    master: "http://localmaster.invalid:8080",
    username: "determined",
    password: ""
  }).pipe(Layer.orDie)
  return sdk.pipe(Layer.provide(client), Layer.provideMerge(LocalMaster.layerEmulator(options)))
}
