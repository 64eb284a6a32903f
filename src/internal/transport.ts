/**
 * The HTTP clients of the stack, both the Effect platform's own: `NodeHttpClient.makeUndici` of
 * `@effect/platform-node` on Node (the default there, chosen by measurement: docs/BENCHMARKS.md, "Transport") and
 * `FetchHttpClient` everywhere else (Bun, Deno, browsers), or when asked for.
 *
 * `@effect/platform-node` is loaded on demand, through a specifier that bundlers do not follow, so the package
 * still loads where Node's modules do not exist; only the fetch path runs there.
 *
 * @internal
 */
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import * as HttpClient from "@effect/platform/HttpClient"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type * as Scope from "effect/Scope"
// types only (erased): the modules themselves are loaded on demand below
import type * as NodeHttpClientModule from "@effect/platform-node/NodeHttpClient"
import type * as UndiciModule from "@effect/platform-node/Undici"
import type * as Tls from "node:tls"
import { InvalidConfiguration } from "../DeterminedError.js"

/** @internal */
export type Kind = "undici" | "fetch"

/** @internal */
export interface TlsSettings {
  /** PEM text of the CA that signed the master's certificate. */
  readonly ca?: string | undefined
  /** The name to verify the certificate against (and to send as SNI) instead of the URL's host. */
  readonly certName?: string | undefined
  readonly rejectUnauthorized: boolean
}

/** Node itself (not Bun or Deno, which also define `process`). @internal */
export const isNode = (): boolean => {
  const g = globalThis as {
    readonly Bun?: unknown
    readonly Deno?: unknown
    readonly process?: { readonly versions?: { readonly node?: unknown } }
  }
  return g.Bun === undefined && g.Deno === undefined && typeof g.process?.versions?.node === "string"
}

/** The default kind: undici on Node, fetch elsewhere. @internal */
export const defaultKind = (): Kind => (isNode() ? "undici" : "fetch")

type PlatformNode = readonly [typeof NodeHttpClientModule, typeof UndiciModule, typeof Tls]

const platformNode = "@effect/platform-node"

const loadPlatformNode: Effect.Effect<PlatformNode, InvalidConfiguration> = Effect.tryPromise({
  try: () =>
    Promise.all([
      import(/* @vite-ignore */ `${platformNode}/NodeHttpClient`),
      import(/* @vite-ignore */ `${platformNode}/Undici`),
      import("node:tls")
    ]) as Promise<unknown> as Promise<PlatformNode>,
  catch: (cause) =>
    new InvalidConfiguration({
      message:
        `the undici HTTP client needs the peer dependency @effect/platform-node (npm i @effect/platform-node), ` +
        `or choose httpClient: "fetch": ${String(cause)}`
    })
})

/**
 * The platform's undici client over a connection pool of its own (closed with the scope), with the TLS settings
 * as the pool's connect options.
 * @internal
 */
export const undici = (
  tls: TlsSettings | undefined
): Effect.Effect<HttpClient.HttpClient, InvalidConfiguration, Scope.Scope> =>
  Effect.gen(function*() {
    const [NodeHttpClient, Undici, nodeTls] = yield* loadPlatformNode
    const certName = tls?.certName
    const connect = tls === undefined ? undefined : {
      rejectUnauthorized: tls.rejectUnauthorized,
      ...(tls.ca === undefined ? {} : { ca: tls.ca }),
      ...(certName === undefined ? {} : {
        // SNI when the URL's host is an address, and the name the certificate must carry whatever the host
        servername: certName,
        checkServerIdentity: (_host: string, cert: Tls.PeerCertificate) => nodeTls.checkServerIdentity(certName, cert)
      })
    }
    const dispatcher = yield* Effect.acquireRelease(
      Effect.sync(() => new Undici.Agent(connect === undefined ? {} : { connect })),
      (agent) => Effect.promise(() => agent.destroy())
    )
    return NodeHttpClient.makeUndici(dispatcher)
  })

/**
 * The platform's fetch client, told not to follow redirects (`redirect: "manual"`): the SDK follows those that
 * stay within the master's origin and refuses the others (internal/http.ts), which fetch would follow blindly.
 * (undici's dispatcher, the other client, never follows a redirect.)
 * @internal
 */
export const fetch: Effect.Effect<HttpClient.HttpClient> = HttpClient.HttpClient.pipe(
  Effect.provide(FetchHttpClient.layer),
  Effect.map(HttpClient.transform((send) =>
    Effect.flatMap(
      Effect.serviceOption(FetchHttpClient.RequestInit),
      (init) =>
        Effect.provideService(send, FetchHttpClient.RequestInit, {
          ...Option.getOrElse(init, () => ({})),
          redirect: "manual"
        })
    )
  ))
)
