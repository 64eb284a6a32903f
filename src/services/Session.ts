/**
 * Authentication: the bearer token every request carries.
 *
 * A configured token is used as is. Otherwise the session logs in with `POST /api/v1/auth/login`, sending the
 * salted SHA-512 of the password with `isHashed: true` as upstream's clients do (default user `determined` with
 * an empty password). When any request answers 401, `DeterminedHttp` asks for a fresh login once and replays
 * the request. A login is one shared effect, retried by the `RetryPolicy` (a master restarting answers
 * 502/503/504): concurrent requests that need it await the one in flight and share its outcome. The token never leaves
 * this module except in the `Authorization` header: it is `Redacted` everywhere, and it is never part of an
 * error, a log line or a span attribute.
 *
 * @since 0.1.0
 */
import * as HttpClient from "@effect/platform/HttpClient"
import * as Context from "effect/Context"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as FiberId from "effect/FiberId"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Ref from "effect/Ref"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import * as Errors from "../DeterminedError.js"
import { hashPassword } from "../internal/hash.js"
import * as Http from "../internal/http.js"
import * as Log from "../internal/log.js"
import { retrying } from "../internal/retry.js"
import { DeterminedConfig } from "./DeterminedConfig.js"

/**
 * The token a request carries. Each login makes a new `Credential`, so a request that was refused with one asks
 * for a login only if nobody has logged in since (`refresh` compares them by identity).
 *
 * @since 0.1.0
 * @category models
 * @example
 * import { Effect } from "effect"
 * import { Session } from "effect-determined/advanced"
 *
 * // log in again because this credential was refused (shared with every fiber that needs it)
 * const again = Effect.flatMap(Session.Session, (session) =>
 *   Effect.flatMap(session.credential, (stale: Session.Credential) => session.refresh(stale)))
 */
export interface Credential {
  readonly token: Redacted.Redacted<string>
}

/**
 * What a session does: give the current credential (logging in first), log in again once for a refused one, log out,
 * and name its user.
 *
 * @since 0.1.0
 * @category models
 * @example
 * import { Effect } from "effect"
 * import { Session } from "effect-determined/advanced"
 *
 * // end the session on the master when the program is done
 * const signedOff = Effect.gen(function*() {
 *   const session: Session.Service = yield* Session.Session
 *   yield* session.logout
 *   return session.username
 * })
 */
export interface Service {
  /** The current credential, logging in first if there is none yet. */
  readonly credential: Effect.Effect<Credential, Errors.RequestError>
  /**
   * Log in again because `stale` was rejected. Returns the newer credential if another fiber already logged in.
   * Fails with `Unauthenticated` when the session cannot log in (a configured token and no password).
   */
  readonly refresh: (stale: Credential) => Effect.Effect<Credential, Errors.RequestError>
  /** End the session on the master (`POST /api/v1/auth/logout`) and forget the token. */
  readonly logout: Effect.Effect<void, Errors.RequestError>
  /** The user this session acts as. */
  readonly username: string
}

/**
 * The session in use: the bearer token every request carries.
 *
 * @since 0.1.0
 * @category tags
 * @example
 * import { Effect, Redacted } from "effect"
 * import { Session } from "effect-determined/advanced"
 *
 * // the bearer token, e.g. for a tool that calls the master itself (keep it Redacted as long as possible)
 * const token = Effect.flatMap(Session.Session, (session) => Effect.map(session.credential, (c) => c.token))
 * const length = Effect.map(token, (t) => Redacted.value(t).length)
 */
export class Session extends Context.Tag("effect-determined/Session")<Session, Service>() {}

interface State {
  readonly current: Option.Option<Credential>
  /** The login in flight, which every fiber that needs a login awaits. */
  readonly inflight: Option.Option<Deferred.Deferred<Credential, Errors.RequestError>>
}

const LoginResponse = Schema.Struct({ token: Schema.String })

// Loopback, or a reserved name that can never be a remote host (RFC 6761: `.localhost`, `.invalid`, `.test`),
// such as the in-process LocalMaster's `localmaster.invalid`.
const isLocal = (master: string) => {
  const host = new URL(master).hostname
  return host === "localhost" || host === "::1" || host === "[::1]" || host.startsWith("127.") ||
    /\.(localhost|invalid|test)$/.test(host)
}

/**
 * Build a session from the configuration and the platform's `HttpClient`: a given token, or a lazy login with the
 * configured user and password.
 *
 * @since 0.1.0
 * @category constructors
 * @example
 * import { FetchHttpClient } from "@effect/platform"
 * import { Effect } from "effect"
 * import { DeterminedConfig } from "effect-determined"
 * import { Session } from "effect-determined/advanced"
 *
 * // a session of its own, logged in lazily, closed with the scope
 * const username = Effect.scoped(Effect.map(Session.make, (session) => session.username)).pipe(
 *   Effect.provide(DeterminedConfig.layer({ master: "localhost:8080", username: "alice", password: "s3cret" })),
 *   Effect.provide(FetchHttpClient.layer)
 * )
 */
export const make: Effect.Effect<Service, never, DeterminedConfig | HttpClient.HttpClient | Scope.Scope> = Effect.gen(
  function*() {
    const config = yield* DeterminedConfig
    const client = yield* HttpClient.HttpClient
    const target: Http.Target = config
    const canLogin = Option.isNone(config.token)
    const state = yield* Ref.make<State>({
      current: Option.map(config.token, (token): Credential => ({ token })),
      inflight: Option.none()
    })
    const scope = yield* Effect.scope
    let warnedPlainHttp = false

    const login = Effect.gen(function*() {
      const spec = {
        method: "POST",
        path: "/api/v1/auth/login",
        body: {
          username: config.username,
          password: hashPassword(Redacted.value(config.password)),
          isHashed: true
        },
        // a refused login is a 401; anything else the master answers is reported as ServerError
        invalid: false
      } as const satisfies Http.RequestSpec
      if (!warnedPlainHttp && config.master.startsWith("http://") && !isLocal(config.master)) {
        warnedPlainHttp = true
        yield* Log.warning(
          "Session.login",
          `sending credentials over plain http:// to ${new URL(config.master).host}; use https:// for a remote master`
        )
      }
      // A login is retried like an idempotent request (a master restarting answers 502/503/504): sending it twice
      // at worst opens a second session, which nobody uses.
      // the attempt's timeout covers reading the answer too
      const body = yield* retrying(
        { method: spec.method, path: spec.path, idempotent: true },
        Http.attempt(
          client,
          target,
          spec,
          Option.none(),
          (response) =>
            Http.readText(spec, response, config.maxResponseBytes).pipe(
              Effect.flatMap((text) => Http.parseJson(spec, response, text)),
              Effect.flatMap((json) => Http.decodeValue(spec, response.status, LoginResponse, json))
            )
        )
      )
      return Redacted.make(body.token)
    }).pipe(Effect.withSpan("Session.login", { attributes: { "determined.user": config.username } }))

    // One login at a time, shared: a fiber that needs a login joins the one in flight, or starts it in the
    // session's scope (so a waiter that is interrupted does not interrupt the others), and every waiter gets its
    // outcome, success or failure. A failure is not kept: the next request that needs a login tries again.
    const refresh = (stale: Option.Option<Credential>): Effect.Effect<Credential, Errors.RequestError> =>
      Effect.uninterruptibleMask((restore) =>
        Effect.flatten(Ref.modify(state, (s): readonly [Effect.Effect<Credential, Errors.RequestError>, State] => {
          const current = s.current
          const fresh = Option.isSome(current) &&
            (Option.isNone(stale) || current.value !== stale.value)
          if (fresh) return [Effect.succeed(current.value), s]
          if (Option.isSome(s.inflight)) return [restore(Deferred.await(s.inflight.value)), s]
          if (!canLogin && Option.isSome(current)) {
            return [
              Effect.fail(
                new Errors.Unauthenticated({
                  method: "POST",
                  path: "/api/v1/auth/login",
                  message: "the configured token was rejected and no password is configured to log in again"
                })
              ),
              s
            ]
          }
          const done = Deferred.unsafeMake<Credential, Errors.RequestError>(FiberId.none)
          const run = login.pipe(
            Effect.map((token): Credential => ({ token })),
            Effect.exit,
            Effect.flatMap((exit) =>
              Ref.update(state, (now) => ({
                current: Exit.isSuccess(exit) ? Option.some(exit.value) : now.current,
                inflight: Option.none()
              })).pipe(Effect.zipRight(Deferred.done(done, exit)))
            )
          )
          return [
            Effect.forkIn(Effect.interruptible(run), scope).pipe(Effect.zipRight(restore(Deferred.await(done)))),
            { current, inflight: Option.some(done) }
          ]
        }))
      )

    const credential = Effect.flatMap(
      Ref.get(state),
      (s) => Option.isSome(s.current) ? Effect.succeed(s.current.value) : refresh(Option.none())
    )

    const logout = Effect.gen(function*() {
      const current = (yield* Ref.get(state)).current
      if (Option.isNone(current)) return
      const spec = {
        method: "POST",
        path: "/api/v1/auth/logout",
        body: {},
        invalid: false
      } as const satisfies Http.RequestSpec
      yield* retrying(
        { method: spec.method, path: spec.path, idempotent: true },
        Http.attempt(client, target, spec, Option.some(current.value.token))
      ).pipe(Effect.catchTag("Unauthenticated", () => Effect.void))
      yield* Ref.update(state, (s) => ({ ...s, current: Option.none() }))
    }).pipe(Effect.withSpan("Session.logout"))

    return {
      credential,
      refresh: (stale) => refresh(Option.some(stale)),
      logout,
      username: config.username
    }
  }
)

/**
 * The session as a layer, from `DeterminedConfig` and an `HttpClient`.
 *
 * @since 0.1.0
 * @category layers
 * @example
 * import { FetchHttpClient } from "@effect/platform"
 * import { Layer } from "effect"
 * import { DeterminedConfig } from "effect-determined"
 * import { Session } from "effect-determined/advanced"
 *
 * const session = Session.layer.pipe(
 *   Layer.provide(DeterminedConfig.layerFromEnv),
 *   Layer.provide(FetchHttpClient.layer)
 * )
 */
export const layer: Layer.Layer<Session, never, DeterminedConfig | HttpClient.HttpClient> = Layer.scoped(Session, make)
