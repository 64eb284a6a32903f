/**
 * Where the master is and how to talk to it: URL, credentials, timeouts and TLS options.
 *
 * @since 0.1.0
 */
import * as Config from "effect/Config"
import type * as ConfigError from "effect/ConfigError"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import { InvalidConfiguration } from "../DeterminedError.js"

/**
 * TLS settings for `https://` masters.
 *
 * @since 0.1.0
 * @category models
 * @example
 * import type { DeterminedConfig } from "effect-determined"
 *
 * const tls: DeterminedConfig.TlsOptions = { caFile: "/etc/determined/ca.pem", certName: "master.internal" }
 */
export interface TlsOptions {
  /** A PEM file with the CA (or self-signed certificate) that signed the master's certificate. */
  readonly caFile?: string | undefined
  /** The hostname to verify the certificate against, when it differs from the URL's host. */
  readonly certName?: string | undefined
  /** Skip certificate verification entirely (logged as a warning). Cannot be combined with `caFile`. */
  readonly noVerify?: boolean | undefined
}

/**
 * The resolved configuration.
 *
 * @since 0.1.0
 * @category models
 * @example
 * import { Effect } from "effect"
 * import { DeterminedConfig } from "effect-determined"
 *
 * const master = Effect.map(DeterminedConfig.DeterminedConfig, (config: DeterminedConfig.Service) => config.master)
 */
export interface Service {
  /** Canonical master URL, e.g. `http://localhost:8080`, no trailing slash. */
  readonly master: string
  /** User to log in as; `determined` when neither a user nor a token is given, as upstream. */
  readonly username: string
  /** Password for `username`; empty by default, as a fresh master has. */
  readonly password: Redacted.Redacted<string>
  /** A ready session or access token. When set, it is used instead of logging in. */
  readonly token: Option.Option<Redacted.Redacted<string>>
  /**
   * Deadline of one attempt of a request: the headers and the whole body of a unary call (a server that
   * trickles the body or stops ends as `Timeout`, then retried like any timeout); the headers of a stream or
   * download.
   */
  readonly timeout: Duration.Duration
  /**
   * Longest wait for the next bytes of a stream (logs, metrics) or download once it started: `Timeout` with
   * `stage: "idle"`, which a follow resumes like a cut connection. Default 2 minutes.
   */
  readonly streamIdleTimeout: Duration.Duration
  /**
   * Largest unary response body, and largest line of a stream, that the SDK reads before failing with
   * `DecodeError` (memory bound). Default 64 MiB.
   */
  readonly maxResponseBytes: number
  readonly tls: TlsOptions
}

/**
 * The configuration in effect: the canonical master URL, the credentials (`Redacted`), timeouts, limits and TLS
 * options.
 *
 * @since 0.1.0
 * @category tags
 * @example
 * import { Effect } from "effect"
 * import { DeterminedConfig } from "effect-determined"
 *
 * const user = Effect.map(DeterminedConfig.DeterminedConfig, (config) => config.username)
 */
export class DeterminedConfig extends Context.Tag("effect-determined/DeterminedConfig")<DeterminedConfig, Service>() {}

/**
 * Options accepted by {@link layer}. `master` accepts `host:port`, `http://…` or `https://…`.
 *
 * @since 0.1.0
 * @category models
 * @example
 * import type { DeterminedConfig } from "effect-determined"
 *
 * const options: DeterminedConfig.Options = { master: "det.example.com", token: "v2.public.xyz", timeout: "20 seconds" }
 */
export interface Options {
  readonly master?: string | undefined
  readonly username?: string | undefined
  readonly password?: string | Redacted.Redacted<string> | undefined
  readonly token?: string | Redacted.Redacted<string> | undefined
  readonly timeout?: Duration.DurationInput | undefined
  readonly streamIdleTimeout?: Duration.DurationInput | undefined
  readonly maxResponseBytes?: number | undefined
  readonly tls?: TlsOptions | undefined
}

/**
 * The default master when none is configured, as upstream.
 *
 * @since 0.1.0
 * @category constants
 * @example
 * import { Config } from "effect"
 * import { DeterminedConfig } from "effect-determined"
 *
 * const master = Config.string("MY_MASTER").pipe(Config.withDefault(DeterminedConfig.defaultMaster))
 */
export const defaultMaster = "http://localhost:8080"

/**
 * Canonicalise a master URL as upstream's `canonicalize_master_url` does: add `http://` and port 8080 when
 * the scheme is missing, make the port explicit (80 for `http://`, 443 for `https://`), require a hostname,
 * reject user info, query and fragment, strip trailing slashes, keep the path.
 *
 * @since 0.1.0
 * @category constructors
 * @example
 * import { Either } from "effect"
 * import { DeterminedConfig } from "effect-determined"
 *
 * assert.strictEqual(Either.getOrThrow(DeterminedConfig.canonicalizeMasterUrl("localhost:8080")), "http://localhost:8080")
 * assert.strictEqual(Either.getOrThrow(DeterminedConfig.canonicalizeMasterUrl("https://det.example.com/")), "https://det.example.com:443")
 */
export const canonicalizeMasterUrl = (input: string): Either.Either<string, InvalidConfiguration> => {
  const raw = input.trim()
  const fail = (why: string) =>
    Either.left(new InvalidConfiguration({ message: `invalid master URL ${JSON.stringify(raw)}: ${why}` }))
  if (raw.length === 0) return fail("it is empty")
  const hasScheme = /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\//.test(raw)
  let url: URL
  try {
    url = new URL(hasScheme ? raw : `http://${raw}`)
  } catch {
    return fail("it does not parse")
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return fail(`unsupported scheme ${url.protocol}`)
  if (url.hostname === "") return fail("it has no hostname")
  if (url.username !== "" || url.password !== "") return fail("user info is not allowed")
  if (url.search !== "" || raw.includes("?")) return fail("a query string is not allowed")
  if (url.hash !== "" || raw.includes("#")) return fail("a fragment is not allowed")
  const port = url.port !== "" ? url.port : !hasScheme ? "8080" : url.protocol === "https:" ? "443" : "80"
  const path = url.pathname.replace(/\/+$/, "")
  return Either.right(`${url.protocol}//${url.hostname}:${port}${path}`)
}

/**
 * Build the configuration from plain options.
 *
 * @since 0.1.0
 * @category constructors
 * @example
 * import { Effect } from "effect"
 * import { DeterminedConfig } from "effect-determined"
 *
 * const master = Effect.map(DeterminedConfig.make({ master: "localhost" }), (config) => config.master)
 * // "http://localhost:8080"
 */
export const make = (options: Options = {}): Effect.Effect<Service, InvalidConfiguration> =>
  Effect.gen(function*() {
    const master = yield* canonicalizeMasterUrl(options.master ?? defaultMaster)
    const tls = options.tls ?? {}
    if (tls.noVerify === true && tls.caFile !== undefined) {
      return yield* new InvalidConfiguration({ message: "tls.noVerify cannot be combined with tls.caFile" })
    }
    const timeout = Duration.decode(options.timeout ?? Duration.minutes(1))
    if (!Duration.greaterThan(timeout, Duration.zero)) {
      return yield* new InvalidConfiguration({ message: "timeout must be positive" })
    }
    const streamIdleTimeout = Duration.decode(options.streamIdleTimeout ?? Duration.minutes(2))
    if (!Duration.greaterThan(streamIdleTimeout, Duration.zero)) {
      return yield* new InvalidConfiguration({ message: "streamIdleTimeout must be positive" })
    }
    const maxResponseBytes = options.maxResponseBytes ?? 64 * 1024 * 1024
    if (!(maxResponseBytes > 0)) {
      return yield* new InvalidConfiguration({ message: "maxResponseBytes must be positive" })
    }
    const redact = (s: string | Redacted.Redacted<string>) => Redacted.isRedacted(s) ? s : Redacted.make(s)
    return {
      master,
      username: options.username ?? "determined",
      password: redact(options.password ?? ""),
      token: options.token === undefined ? Option.none() : Option.some(redact(options.token)),
      timeout,
      streamIdleTimeout,
      maxResponseBytes,
      tls
    }
  })

/**
 * The configuration from options given in code, checked (`InvalidConfiguration` for a master URL that cannot be
 * canonicalised).
 *
 * @since 0.1.0
 * @category layers
 * @example
 * import { DeterminedConfig } from "effect-determined"
 *
 * const ConfigLive = DeterminedConfig.layer({ master: "det.example.com:8080", username: "alice", password: "s3cret" })
 */
export const layer = (options: Options = {}): Layer.Layer<DeterminedConfig, InvalidConfiguration> =>
  Layer.effect(DeterminedConfig, make(options))

/**
 * Build the configuration from `Config` values, e.g. `Config.redacted("MY_TOKEN")`.
 *
 * @since 0.1.0
 * @category layers
 * @example
 * import { Config } from "effect"
 * import { DeterminedConfig } from "effect-determined"
 *
 * const layer = DeterminedConfig.layerConfig({ master: Config.string("MY_MASTER"), token: Config.redacted("MY_TOKEN") })
 */
export const layerConfig = (
  options: Config.Config.Wrap<Options>
): Layer.Layer<DeterminedConfig, InvalidConfiguration | ConfigError.ConfigError> =>
  Layer.effect(DeterminedConfig, Effect.flatMap(Config.unwrap(options), make))

/**
 * The configuration the environment gives, as upstream reads it: `DET_MASTER` (then `DET_MASTER_ADDR`, default
 * `localhost:8080`), `DET_USER`, `DET_PASS`, `DET_USER_TOKEN`, `DET_MASTER_CERT_FILE` (a PEM path or the literal
 * `noverify`), `DET_MASTER_CERT_NAME`, and `DET_REQUEST_TIMEOUT` (a duration such as `30 seconds`).
 *
 * @since 0.1.0
 * @category layers
 * @example
 * import { Effect } from "effect"
 * import { DeterminedConfig } from "effect-determined"
 *
 * // the environment's options, then the master only
 * const master = Effect.map(DeterminedConfig.fromEnv, (options) => options.master)
 */
export const fromEnv: Config.Config<Options> = Config.all({
  master: Config.string("DET_MASTER").pipe(
    Config.orElse(() => Config.string("DET_MASTER_ADDR")),
    Config.withDefault(defaultMaster)
  ),
  username: Config.option(Config.string("DET_USER")),
  password: Config.option(Config.redacted("DET_PASS")),
  token: Config.option(Config.redacted("DET_USER_TOKEN")),
  timeout: Config.option(Config.duration("DET_REQUEST_TIMEOUT")),
  certFile: Config.option(Config.string("DET_MASTER_CERT_FILE")),
  certName: Config.option(Config.string("DET_MASTER_CERT_NAME"))
}).pipe(Config.map((env): Options => {
  const certFile = Option.getOrUndefined(env.certFile)
  return {
    master: env.master,
    username: Option.getOrUndefined(env.username),
    password: Option.getOrUndefined(env.password),
    token: Option.getOrUndefined(env.token),
    timeout: Option.getOrUndefined(env.timeout),
    tls: {
      caFile: certFile === undefined || certFile === "noverify" ? undefined : certFile,
      noVerify: certFile === "noverify",
      certName: Option.getOrUndefined(env.certName)
    }
  }
}))

/**
 * {@link layer} from the environment variables listed on {@link fromEnv}.
 *
 * @since 0.1.0
 * @category layers
 * @example
 * import { Effect } from "effect"
 * import { DeterminedConfig } from "effect-determined"
 *
 * const master = Effect.map(DeterminedConfig.DeterminedConfig, (c) => c.master).pipe(
 *   Effect.provide(DeterminedConfig.layerFromEnv)
 * )
 */
export const layerFromEnv: Layer.Layer<DeterminedConfig, InvalidConfiguration | ConfigError.ConfigError> = Layer
  .effect(DeterminedConfig, Effect.flatMap(fromEnv, make))
