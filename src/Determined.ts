/**
 * The whole SDK stack in one layer: configuration, session, HTTP client with retry, and the resource cache.
 *
 * @since 0.1.0
 */
import * as HttpClient from "@effect/platform/HttpClient"
import * as Config from "effect/Config"
import type * as ConfigError from "effect/ConfigError"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { InvalidConfiguration } from "./DeterminedError.js"
import * as Log from "./internal/log.js"
import * as Transport from "./internal/transport.js"
import * as DeterminedConfig from "./services/DeterminedConfig.js"
import * as DeterminedHttp from "./services/DeterminedHttp.js"
import * as ResourceCache from "./services/ResourceCache.js"
import * as Session from "./services/Session.js"

/**
 * Everything the resource operations need from the SDK: the SDK's own services only. Operations that touch the
 * disk (`Experiment.create` with a model directory or a config file, `Experiment.downloadCode`,
 * `Checkpoint.download`) also require `FileSystem` and `Path` of `@effect/platform`, which the application
 * provides (on Node: `NodeContext.layer` of `@effect/platform-node`).
 *
 * @since 0.1.0
 * @category models
 * @example
 * import type { Effect } from "effect"
 * import type { Determined, Experiment } from "effect-determined"
 *
 * // what a program written against the SDK requires
 * type Program = Effect.Effect<ReadonlyArray<Experiment.Experiment>, unknown, Determined.Services>
 */
export type Services =
  | DeterminedConfig.DeterminedConfig
  | Session.Session
  | DeterminedHttp.DeterminedHttp
  | ResourceCache.ResourceCache

/**
 * Options of `Determined.layer`: where the master is and how to log in (`DeterminedConfig.Options`), which HTTP
 * client, and the cache (`false` for none).
 *
 * @since 0.1.0
 * @category models
 * @example
 * import type { Determined } from "effect-determined"
 *
 * const options: Determined.Options = {
 *   master: "https://det.example.com",
 *   username: "alice",
 *   password: "s3cret",
 *   timeout: "30 seconds",
 *   cache: { capacity: 10_000, timeToLive: "5 minutes" }
 * }
 */
export interface Options extends DeterminedConfig.Options, HttpClientOptions {
  /**
   * Options of the in-memory cache, or `false` to disable caching. Default: bounded LRU, no expiry. A capacity
   * that is not a positive integer, or a time to live that is not a positive duration, fails the layer with
   * `InvalidConfiguration`.
   */
  readonly cache?: ResourceCache.Options | undefined
}

/**
 * Options of {@link layerConfig}: every option of `DeterminedConfig` as a `Config` value, and the cache.
 *
 * @since 0.1.0
 * @category models
 * @example
 * import { Config } from "effect"
 * import type { Determined } from "effect-determined"
 *
 * const options: Determined.ConfigOptions = { master: Config.string("MY_MASTER"), cache: { timeToLive: "1 minute" } }
 */
export type ConfigOptions = Config.Config.Wrap<DeterminedConfig.Options> & {
  /**
   * The cache: options, or an effect that reads them (a `Config`, or `ResourceCache.fromEnv`). Default
   * `ResourceCache.fromEnv`: the `DET_CACHE`, `DET_CACHE_CAPACITY` and `DET_CACHE_TTL` variables of the current
   * `ConfigProvider`, a memory cache with no expiry when they are unset.
   */
  readonly cache?:
    | ResourceCache.Options
    | Effect.Effect<ResourceCache.Options, InvalidConfiguration | ConfigError.ConfigError>
    | undefined
}

/**
 * Which HTTP client the stack uses: `undici` is `NodeHttpClient.makeUndici` of `@effect/platform-node` (a peer
 * dependency), `fetch` is `FetchHttpClient` of `@effect/platform`.
 *
 * @since 0.1.0
 * @category models
 * @example
 * import { Effect } from "effect"
 * import { Determined, Experiment } from "effect-determined"
 *
 * const kind: Determined.HttpClientKind = "fetch"
 * const program = Experiment.list().pipe(Effect.provide(Determined.layer({ master: "localhost:8080", httpClient: kind })))
 */
export type HttpClientKind = "undici" | "fetch"

/**
 * Which HTTP client the stack uses and whether the platform adds its own span per request.
 *
 * @since 0.1.0
 * @category models
 * @example
 * import { Effect } from "effect"
 * import { Determined, Experiment } from "effect-determined"
 *
 * // undici (the default on Node), with the platform's span per request
 * const options: Determined.HttpClientOptions = { httpClient: "undici", httpSpans: true }
 * const program = Experiment.list().pipe(Effect.provide(Determined.layer({ master: "localhost:8080", ...options })))
 */
export interface HttpClientOptions {
  /**
   * Default: `undici` on Node (about twice as fast per request as `fetch`: docs/BENCHMARKS.md), `fetch` on Bun,
   * Deno and in browsers. TLS options (`tls`) need `undici`.
   */
  readonly httpClient?: HttpClientKind | undefined
  /**
   * Also make the platform's span per HTTP request (`http.client GET`, with the URL and headers as attributes)
   * beside the SDK's span per operation (`Experiment.get`). Default `false`: it costs client CPU on every request
   * and repeats what the operation's span says (docs/BENCHMARKS.md).
   */
  readonly httpSpans?: boolean | undefined
}

const cacheLayer = (options: Options) => ResourceCache.layer(options.cache ?? {})

const stack = <E, R, E2>(
  config: Layer.Layer<DeterminedConfig.DeterminedConfig, E, R>,
  cache: Layer.Layer<ResourceCache.ResourceCache, E2>
): Layer.Layer<Services, E | E2, R | HttpClient.HttpClient> => {
  const session = Session.layer.pipe(Layer.provideMerge(config))
  return DeterminedHttp.layer.pipe(Layer.provideMerge(session), Layer.merge(cache))
}

/**
 * A CA file must hold PEM certificates, each of which parses: a garbage `DET_MASTER_CERT_FILE` fails the layer
 * instead of being accepted silently (Node ignores what it cannot read as a CA).
 */
const checkCaFile = (file: string, pem: string): Effect.Effect<void, InvalidConfiguration> =>
  Effect.tryPromise({
    try: async () => {
      const { X509Certificate } = await import("node:crypto")
      const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? []
      if (blocks.length === 0) throw new Error("it holds no PEM certificate (-----BEGIN CERTIFICATE-----)")
      for (const block of blocks) new X509Certificate(block)
    },
    catch: (cause) =>
      new InvalidConfiguration({
        message: `the CA file ${file} is not usable: ${cause instanceof Error ? cause.message : String(cause)}`
      })
  })

/**
 * The HTTP client the configuration and options call for: `undici` by default on Node (with the TLS options as
 * the connection pool's connect options: a custom CA file, a certificate name, or skipping verification, which
 * logs a warning), `fetch` elsewhere or when asked for. The pool is closed with the layer.
 *
 * @since 0.1.0
 * @category layers
 * @example
 * import { Layer } from "effect"
 * import { Determined, DeterminedConfig } from "effect-determined"
 *
 * // fetch on Node too, with the platform's span per request
 * const client = Determined.layerHttpClientWith({ httpClient: "fetch", httpSpans: true }).pipe(
 *   Layer.provide(DeterminedConfig.layer({ master: "localhost:8080" }))
 * )
 */
export const layerHttpClientWith = (
  options: HttpClientOptions = {}
): Layer.Layer<HttpClient.HttpClient, InvalidConfiguration, DeterminedConfig.DeterminedConfig> =>
  Layer.scoped(
    HttpClient.HttpClient,
    Effect.gen(function*() {
      const config = yield* DeterminedConfig.DeterminedConfig
      const tls = config.tls
      const hasTls = tls.caFile !== undefined || tls.noVerify === true || tls.certName !== undefined
      const kind = options.httpClient ?? Transport.defaultKind()
      if (hasTls && kind === "fetch") {
        return yield* new InvalidConfiguration({
          message: "TLS options (a CA file, a certificate name, noverify) need httpClient: \"undici\" (Node)"
        })
      }
      if (tls.noVerify === true) {
        yield* Log.warning(
          "Determined.tls",
          `TLS certificate verification is disabled for ${config.master}: the connection can be intercepted`
        )
      }
      const ca = tls.caFile === undefined ? undefined : yield* Effect.tryPromise({
        try: () => import("node:fs/promises").then((fs) => fs.readFile(tls.caFile!, "utf8")),
        catch: (cause) =>
          new InvalidConfiguration({ message: `cannot read the CA file ${tls.caFile}: ${String(cause)}` })
      }).pipe(Effect.tap((pem) => checkCaFile(tls.caFile!, pem)))
      const client = kind === "fetch"
        ? yield* Transport.fetch
        : yield* Transport.undici(
          hasTls ? { ca, certName: tls.certName, rejectUnauthorized: tls.noVerify !== true } : undefined
        )
      return options.httpSpans === true ? client : HttpClient.withTracerDisabledWhen(client, () => true)
    })
  )

/**
 * {@link layerHttpClientWith} with the defaults: `undici` on Node, `fetch` elsewhere, no span per request.
 *
 * @since 0.1.0
 * @category layers
 * @example
 * import { Layer } from "effect"
 * import { Determined, DeterminedConfig } from "effect-determined"
 *
 * const client = Determined.layerHttpClient.pipe(Layer.provide(DeterminedConfig.layer({ master: "localhost:8080" })))
 */
export const layerHttpClient: Layer.Layer<
  HttpClient.HttpClient,
  InvalidConfiguration,
  DeterminedConfig.DeterminedConfig
> = layerHttpClientWith()

const withHttpClient = <E, R, E2>(
  config: Layer.Layer<DeterminedConfig.DeterminedConfig, E, R>,
  cache: Layer.Layer<ResourceCache.ResourceCache, E2>,
  options: HttpClientOptions = {}
): Layer.Layer<Services, E | E2 | InvalidConfiguration, R> => {
  const configAndClient = layerHttpClientWith(options).pipe(Layer.provideMerge(config))
  // the client is provided to the stack, not output: an application's own HttpClient is never shadowed
  return stack(config, cache).pipe(Layer.provide(configAndClient))
}

/**
 * The stack without an `HttpClient`: provide your own (e.g. `NodeHttpClient.layerUndici`, or a test double).
 *
 * @since 0.1.0
 * @category layers
 * @example
 * import { FetchHttpClient } from "@effect/platform"
 * import { Layer } from "effect"
 * import { Determined } from "effect-determined"
 *
 * // the application's own HTTP client
 * const sdk = Determined.layerWithoutHttpClient({ master: "localhost:8080" }).pipe(Layer.provide(FetchHttpClient.layer))
 */
export const layerWithoutHttpClient = (
  options: Options = {}
): Layer.Layer<Services, InvalidConfiguration, HttpClient.HttpClient> =>
  stack(DeterminedConfig.layer(options), cacheLayer(options))

/**
 * The whole stack, with the HTTP client of {@link layerHttpClientWith} (`undici` on Node, `fetch` elsewhere).
 *
 * @since 0.1.0
 * @category layers
 * @example
 * import { Effect } from "effect"
 * import { Determined, Experiment } from "effect-determined"
 *
 * const program = Experiment.list().pipe(
 *   Effect.provide(Determined.layer({ master: "https://det.example.com", username: "alice", password: "s3cret" }))
 * )
 */
export const layer = (options: Options = {}): Layer.Layer<Services, InvalidConfiguration> =>
  withHttpClient(DeterminedConfig.layer(options), cacheLayer(options), options)

/**
 * The whole stack configured from `Config` values. The cache comes from `options.cache`, by default from the
 * `DET_CACHE` variables (`ResourceCache.fromEnv`); a bad value fails the layer with `InvalidConfiguration`
 * naming the variable and the value.
 *
 * @since 0.1.0
 * @category layers
 * @example
 * import { Config } from "effect"
 * import { Determined } from "effect-determined"
 *
 * const sdk = Determined.layerConfig({
 *   master: Config.string("MY_MASTER"),
 *   username: Config.string("MY_USER"),
 *   password: Config.redacted("MY_PASSWORD"),
 *   cache: Config.succeed({ timeToLive: "1 minute" })
 * })
 */
export const layerConfig = (
  options: ConfigOptions
): Layer.Layer<Services, InvalidConfiguration | ConfigError.ConfigError> => {
  if (Config.isConfig(options)) return withHttpClient(DeterminedConfig.layerConfig(options), ResourceCache.layerFromEnv)
  const { cache, ...rest } = options
  const cacheOptions = cache === undefined
    ? ResourceCache.fromEnv
    : Effect.isEffect(cache)
    ? cache
    : Effect.succeed(cache)
  return withHttpClient(
    DeterminedConfig.layerConfig(rest as Config.Config.Wrap<DeterminedConfig.Options>),
    Layer.effect(ResourceCache.ResourceCache, Effect.flatMap(cacheOptions, ResourceCache.make))
  )
}

/**
 * The whole stack configured from the environment, as upstream: `DET_MASTER`, `DET_USER`, `DET_PASS`,
 * `DET_USER_TOKEN`, `DET_MASTER_CERT_FILE`, `DET_MASTER_CERT_NAME` (see `DeterminedConfig.fromEnv`), and the cache
 * from `DET_CACHE` (`memory` or `off`), `DET_CACHE_CAPACITY` and `DET_CACHE_TTL` (see `ResourceCache.fromEnv`).
 *
 * @since 0.1.0
 * @category layers
 * @example
 * import { Effect } from "effect"
 * import { Determined, Experiment } from "effect-determined"
 *
 * const main = Experiment.list().pipe(Effect.provide(Determined.layerFromEnv))
 * // run it: Effect.runPromise(main), or NodeRuntime.runMain(main) of @effect/platform-node
 */
export const layerFromEnv: Layer.Layer<Services, InvalidConfiguration | ConfigError.ConfigError> = withHttpClient(
  DeterminedConfig.layerFromEnv,
  ResourceCache.layerFromEnv
)

/**
 * Log out of the master (ends the session's token on the server).
 *
 * @since 0.1.0
 * @category operations
 * @example
 * import { Effect } from "effect"
 * import { Determined, Experiment } from "effect-determined"
 *
 * const once = Experiment.list().pipe(Effect.ensuring(Effect.ignore(Determined.logout)))
 */
export const logout = Effect.flatMap(Session.Session, (session) => session.logout)

/**
 * The log annotation on every line the SDK logs; its value names the part that wrote it (`DeterminedHttp.retry`,
 * `EarlyStopping.killWhenStalled`, ...). The SDK logs at DEBUG, except the warnings docs/TESTING.md lists, and
 * writes nothing to stdout or stderr itself: its lines go to the program's `Logger`.
 *
 * @since 0.1.0
 * @category logging
 * @example
 * import { Effect, HashMap, Logger, LogLevel } from "effect"
 * import { Determined } from "effect-determined"
 *
 * // the SDK's debug lines (retries, re-logins, early stops) kept apart, the program's own lines as usual
 * const kept: Array<string> = []
 * const sdkLines = Logger.make(({ annotations, logLevel, message }) => {
 *   if (HashMap.has(annotations, Determined.logAnnotation)) kept.push(`[${logLevel.label}] ${String(message)}`)
 * })
 * const program = Effect.logInfo("hello").pipe(
 *   Effect.provide(Logger.add(sdkLines)),
 *   Logger.withMinimumLogLevel(LogLevel.Debug)
 * )
 */
export const logAnnotation: string = Log.annotation
