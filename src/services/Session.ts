/**
 * Authentication: the bearer token every request carries.
 *
 * A configured token is used as is. Otherwise the session logs in with `POST /api/v1/auth/login`, sending the
 * salted SHA-512 of the password with `isHashed: true` as upstream's clients do (default user `determined` with
 * an empty password). When any request answers 401, `DeterminedHttp` asks for a fresh login once and replays
 * the request; concurrent requests that see the same stale token share that one login. The token never leaves
 * this module except in the `Authorization` header: it is `Redacted` everywhere, and it is never part of an
 * error, a log line or a span attribute.
 *
 * @since 0.1.0
 */
import * as HttpClient from "@effect/platform/HttpClient"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import * as SynchronizedRef from "effect/SynchronizedRef"
import * as Errors from "../DeterminedError.js"
import { hashPassword } from "../internal/hash.js"
import * as Http from "../internal/http.js"
import { retrying } from "../internal/retry.js"
import { DeterminedConfig } from "./DeterminedConfig.js"

/**
 * A token together with its generation: each login increments the generation, so a request that failed with
 * generation `n` asks for a login only if nobody has logged in since.
 *
 * @since 0.1.0
 * @category models
 */
export interface Credential {
  readonly token: Redacted.Redacted<string>
  readonly generation: number
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Service {
  /** The current credential, logging in first if there is none yet. */
  readonly credential: Effect.Effect<Credential, Errors.HttpError>
  /**
   * Log in again because `stale` was rejected. Returns the newer credential if another fiber already logged in.
   * Fails with `Unauthenticated` when the session cannot log in (a configured token and no password).
   */
  readonly refresh: (stale: Credential) => Effect.Effect<Credential, Errors.HttpError>
  /** End the session on the master (`POST /api/v1/auth/logout`) and forget the token. */
  readonly logout: Effect.Effect<void, Errors.HttpError>
  /** The user this session acts as. */
  readonly username: string
}

/**
 * @since 0.1.0
 * @category tags
 */
export class Session extends Context.Tag("effect-determined/Session")<Session, Service>() {}

const LoginResponse = Schema.Struct({ token: Schema.String })

// Loopback, or a reserved name that can never be a remote host (RFC 6761: `.localhost`, `.invalid`, `.test`),
// such as the in-process LocalMaster's `localmaster.invalid`.
const isLocal = (master: string) => {
  const host = new URL(master).hostname
  return host === "localhost" || host === "::1" || host === "[::1]" || host.startsWith("127.") ||
    /\.(localhost|invalid|test)$/.test(host)
}

/**
 * @since 0.1.0
 * @category constructors
 */
export const make: Effect.Effect<Service, never, DeterminedConfig | HttpClient.HttpClient> = Effect.gen(function*() {
  const config = yield* DeterminedConfig
  const client = yield* HttpClient.HttpClient
  const target: Http.Target = config
  const canLogin = Option.isNone(config.token)
  const state = yield* SynchronizedRef.make<Option.Option<Credential>>(
    Option.map(config.token, (token) => ({ token, generation: 0 }))
  )
  let warnedPlainHttp = false

  const login = Effect.gen(function*() {
    const spec: Http.RequestSpec = {
      method: "POST",
      path: "/api/v1/auth/login",
      body: {
        username: config.username,
        password: hashPassword(Redacted.value(config.password)),
        isHashed: true
      }
    }
    if (!warnedPlainHttp && config.master.startsWith("http://") && !isLocal(config.master)) {
      warnedPlainHttp = true
      yield* Effect.logWarning(
        `sending credentials over plain http:// to ${new URL(config.master).host}; use https:// for a remote master`
      )
    }
    const response = yield* retrying(
      { method: spec.method, path: spec.path, idempotent: false },
      Http.attempt(client, target, spec, Option.none())
    )
    const text = yield* Http.readText(spec, response, config.maxResponseBytes)
    const json = yield* Http.parseJson(spec, response, text)
    const body = yield* Http.decodeValue(spec, response.status, LoginResponse, json)
    return Redacted.make(body.token)
  }).pipe(Effect.withSpan("Session.login", { attributes: { "determined.user": config.username } }))

  const refresh = (stale: Option.Option<Credential>) =>
    SynchronizedRef.modifyEffect(state, (current) => {
      const fresh = Option.isSome(current) &&
        (Option.isNone(stale) || current.value.generation !== stale.value.generation)
      if (fresh) return Effect.succeed([current.value, current] as const)
      if (!canLogin && Option.isSome(current)) {
        return Effect.fail<Errors.HttpError>(
          new Errors.Unauthenticated({
            method: "POST",
            path: "/api/v1/auth/login",
            message: "the configured token was rejected and no password is configured to log in again"
          })
        )
      }
      const generation = Option.isSome(current) ? current.value.generation + 1 : 1
      return Effect.map(login, (token) => {
        const credential: Credential = { token, generation }
        return [credential, Option.some(credential)] as const
      })
    })

  const credential = Effect.flatMap(
    SynchronizedRef.get(state),
    (current) => Option.isSome(current) ? Effect.succeed(current.value) : refresh(Option.none())
  )

  const logout = Effect.gen(function*() {
    const current = yield* SynchronizedRef.get(state)
    if (Option.isNone(current)) return
    const spec: Http.RequestSpec = { method: "POST", path: "/api/v1/auth/logout", body: {} }
    yield* retrying(
      { method: spec.method, path: spec.path, idempotent: true },
      Http.attempt(client, target, spec, Option.some(current.value.token))
    ).pipe(Effect.catchTag("Unauthenticated", () => Effect.void))
    yield* SynchronizedRef.set(state, Option.none())
  }).pipe(Effect.withSpan("Session.logout"))

  return {
    credential,
    refresh: (stale) => refresh(Option.some(stale)),
    logout,
    username: config.username
  }
})

/**
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<Session, never, DeterminedConfig | HttpClient.HttpClient> = Layer.effect(Session, make)
