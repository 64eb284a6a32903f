/**
 * LocalMaster: a faithful embedded emulator of the Determined master (0.38.1 REST API), with simulated training
 * driven by Effect's `Clock`.
 *
 * - {@link make} / {@link layerEmulator}: the emulator alone, as a function from web `Request` to web `Response`.
 * - {@link layer}: the whole SDK stack talking to an in-process LocalMaster (no socket).
 * - {@link serve}: a real HTTP server on 127.0.0.1, closed with its scope.
 *
 * The simulation is lazy: each request first advances the world to `Clock.currentTimeMillis`, so under
 * `TestClock` an experiment trains only as far as the test moves the clock, and a whole search runs in virtual
 * time. docs/LOCAL-MASTER.md describes the time model, the metric curves and the bulk-seeding helpers.
 *
 * @since 0.1.0
 */
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientError from "@effect/platform/HttpClientError"
import * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Runtime from "effect/Runtime"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as Determined from "../Determined.js"
import type { InvalidConfiguration } from "../DeterminedError.js"
import type * as ResourceCache from "../services/ResourceCache.js"
import { failTrial } from "./internal/domain/lifecycle.js"
import { seedExperiments, seedMetrics, seedTrialLogs } from "./internal/domain/seed.js"
import { World } from "./internal/domain/store.js"
import { openSession } from "./internal/domain/users.js"
import { advance } from "./internal/drivers/advance.js"
import type * as Faults from "./internal/faults.js"
import { applyPlan, connectionError, connectionFault, failedConnection, faultKinds } from "./internal/faults.js"
import { readStreamBody, requestBodyText, routerRequest, toClientResponse } from "./internal/inProcess.js"
import { startServer } from "./internal/node.js"
import type { Outcome, Served } from "./internal/router.js"
import { route } from "./internal/router.js"
import { checkpointDownload } from "./internal/routes/checkpointDownload.js"
import { routes } from "./internal/routes/index.js"
import { addResourcePools } from "./internal/routes/resourcePools.js"
import { taskLogs } from "./internal/routes/unmanaged.js"
import { buildTgz } from "./internal/tgz.js"

/**
 * Options of a LocalMaster.
 *
 * @since 0.1.0
 * @category models
 * @example
 * import { LocalMaster } from "effect-determined/testing"
 *
 * const options: LocalMaster.Options = { seed: 7, speed: 1000, users: [{ username: "alice", password: "pw" }] }
 * const layer = LocalMaster.layer({ ...options, login: { username: "alice", password: "pw" } })
 */
export interface Options {
  /** Seed of every random choice (searchers, curves' noise, uuids, tokens). Default 42. */
  readonly seed?: number | undefined
  /** Batches trained per second of `Clock` time by a running trial. Default 100. */
  readonly speed?: number | undefined
  /** Initial users. Default: `admin` (admin) and `determined`, both with empty passwords, as a fresh master. */
  readonly users?:
    | ReadonlyArray<{ username: string; password?: string; admin?: boolean; active?: boolean }>
    | undefined
  /**
   * Resource pools besides `default` (the default compute and aux pool, which can never be bound to a
   * workspace). Default: none.
   */
  readonly resourcePools?: ReadonlyArray<string> | undefined
  /** A seeded fault plan (docs/RELIABILITY.md): errors, 429s, latency, drops, cut streams, expired tokens. */
  readonly faults?: FaultPlan | undefined
  /** `serve` only: the port on 127.0.0.1 (0, the default, picks a free one). */
  readonly port?: number | undefined
  /** `layer` only: the user the SDK logs in as. Default `determined` with an empty password. */
  readonly login?: { readonly username: string; readonly password?: string | undefined } | undefined
  /**
   * `layer` only: the SDK's cache, as `Determined.layer`'s `cache`: `false` for none (every `get` fetches), or
   * `{ capacity, timeToLive }` of the in-memory cache. Default: in memory, no expiry. Bad values fail the layer
   * with `InvalidConfiguration`.
   */
  readonly cache?: ResourceCache.Options | undefined
}

/**
 * What {@link layer} can fail with: `InvalidConfiguration` when `options.cache` holds memory options (a capacity or a
 * time to live that is not positive), nothing otherwise.
 *
 * @since 0.1.0
 * @category models
 * @example
 * import type { LocalMaster } from "effect-determined/testing"
 *
 * // never: no cache options to get wrong
 * type E = LocalMaster.LayerError<{ seed: 1; cache: false }>
 */
export type LayerError<O extends Options> = O extends { readonly cache?: infer C }
  ? [Extract<C, object>] extends [never] ? never : InvalidConfiguration
  : never

/**
 * A seeded fault plan (`options.faults`): rules tried in order for every request (latencies add up; the first
 * fault that fails a request before the server wins). Its format: docs/RELIABILITY.md.
 *
 * @since 0.1.0
 * @category models
 * @example
 * import { LocalMaster } from "effect-determined/testing"
 *
 * const flaky: LocalMaster.FaultPlan = { seed: 7, rules: [{ method: "GET", status: { "503": 0.1 } }] }
 * const layer = LocalMaster.layer({ faults: flaky })
 */
export type FaultPlan = Faults.FaultPlan

/**
 * One rule of a {@link FaultPlan}: which requests it applies to, and the faults it injects into them. Every
 * probability is per matching request, in [0, 1].
 *
 * @since 0.1.0
 * @category models
 * @example
 * import type { LocalMaster } from "effect-determined/testing"
 *
 * const slowLogs: LocalMaster.FaultRule = { pathRegex: "^/api/v1/trials/[0-9]+/logs$", latency: { millis: [10, 50] } }
 */
export type FaultRule = Faults.FaultRule

/**
 * Kinds of injected faults, as counted by `LocalMaster.faultStats`.
 *
 * @since 0.1.0
 * @category models
 * @example
 * import type { LocalMaster } from "effect-determined/testing"
 *
 * const kind: LocalMaster.FaultKind = "streamCut"
 */
export type FaultKind = Faults.FaultKind

/**
 * How many faults of each kind were injected so far (`LocalMaster.faultStats`).
 *
 * @since 0.1.0
 * @category models
 * @example
 * import { Effect } from "effect"
 * import { LocalMaster } from "effect-determined/testing"
 *
 * const cuts = Effect.map(Effect.flatMap(LocalMaster.LocalMaster, (m) => m.faultStats), (stats) => stats.streamCut)
 */
export type FaultStats = Faults.FaultStats

/**
 * How bulk-seeded rows are spread in time (`seedLogs`, `seedMetrics`).
 *
 * @since 0.1.0
 * @category models
 * @example
 * import { Effect } from "effect"
 * import { LocalMaster } from "effect-determined/testing"
 *
 * // 500 log lines of trial 1, one every 50 ms of the trial's time
 * const seeded = Effect.flatMap(LocalMaster.LocalMaster, (master) => master.seedLogs(1, 500, { every: "50 millis" }))
 */
export interface SeedOptions {
  /** Time between two consecutive rows' timestamps. */
  readonly every?: Duration.DurationInput | undefined
}

/**
 * One request received by the emulator.
 *
 * @since 0.1.0
 * @category models
 * @example
 * import { Effect } from "effect"
 * import { LocalMaster } from "effect-determined/testing"
 *
 * const gets = Effect.map(
 *   Effect.flatMap(LocalMaster.LocalMaster, (master) => master.requests),
 *   (requests: ReadonlyArray<LocalMaster.RequestRecord>) => requests.filter((r) => r.method === "GET").length
 * )
 */
export interface RequestRecord {
  readonly method: string
  readonly path: string
  /** the raw query string, without the leading `?` */
  readonly query: string
}

/**
 * The types of the LocalMaster service.
 *
 * @since 0.1.0
 * @category models
 * @example
 * import { Effect } from "effect"
 * import { LocalMaster } from "effect-determined/testing"
 *
 * const token = Effect.flatMap(LocalMaster.LocalMaster, (master: LocalMaster.LocalMaster.Service) => master.token("admin"))
 */
export declare namespace LocalMaster {
  /**
   * What a LocalMaster does: answer requests, record them, advance its simulation, inject trial failures, seed
   * experiments, metrics and logs, and report its fault plan's statistics.
   *
   * @since 0.1.0
   * @category models
   * @example
   * import { Effect } from "effect"
   * import { Experiment } from "effect-determined"
   * import { LocalMaster } from "effect-determined/testing"
   *
   * // three finished experiments, then the SDK sees them
   * const seeded = Effect.gen(function*() {
   *   const master: LocalMaster.LocalMaster.Service = yield* LocalMaster.LocalMaster
   *   const ids = yield* master.seedExperiments(3)
   *   const experiments = yield* Experiment.list()
   *   return { ids, states: experiments.map((e) => e.state) }
   * }).pipe(Effect.provide(LocalMaster.layer()))
   */
  export interface Service {
    /** The whole server as a function. Never fails: errors are HTTP responses in the master's shapes. */
    readonly handle: (request: Request) => Effect.Effect<Response>
    /** Every request received so far, in order. */
    readonly requests: Effect.Effect<ReadonlyArray<RequestRecord>>
    readonly resetRequests: Effect.Effect<void>
    /** Advances the simulation to the current `Clock` time (requests do this themselves). */
    readonly advance: Effect.Effect<void>
    /**
     * Injects a failure into a trial's current allocation: `restarts` goes up and the trial resumes from its
     * latest checkpoint, or ends ERROR once `max_restarts` is exceeded. `false` when the trial holds no
     * allocation (paused, finished, unknown).
     */
    readonly failTrial: (trialId: number, reason?: string) => Effect.Effect<boolean>
    /** A session token for a user, without a login request (`determined` by default). */
    readonly token: (username?: string) => Effect.Effect<string>
    /**
     * Creates `n` COMPLETED experiments at once (each with one COMPLETED trial holding a training report, a
     * validation and a checkpoint, unless `withTrials: false`), named `seeded-<id>`, learning rate 0.003,
     * validation losses 0.5 to 0.599 by position. They started `options.every` apart (default 1 minute), the last one
     * now, and each ran for a second (or until now); when the current `Clock` time is too early for that spread
     * (under `TestClock`, which starts at 0) it shrinks to fit between time 0 and now. Returns their ids.
     */
    readonly seedExperiments: (
      n: number,
      options?: {
        readonly projectId?: number | undefined
        readonly withTrials?: boolean | undefined
        readonly labels?: ReadonlyArray<string> | undefined
        readonly every?: Duration.DurationInput | undefined
      }
    ) => Effect.Effect<ReadonlyArray<number>>
    /**
     * Gives a trial `n` extra metric reports of a group (default `training`), generated lazily when streamed: one
     * per batch after the trial's last, a loss falling as `2 / sqrt(1 + batches / 50)`, their end times
     * `options.every` apart (default 1 second, a report per `scheduling_unit` at 100 batches a second) from the
     * current `Clock` time on. A second call replaces the series.
     */
    readonly seedMetrics: (
      trialId: number,
      n: number,
      group?: string,
      options?: SeedOptions
    ) => Effect.Effect<void>
    /**
     * Appends `n` task log lines to a trial at once: `seeded log line <i>`, levels INFO, INFO, INFO, DEBUG, WARNING
     * in turn, every 10th on stderr, ranks 0 and 1 alternating. They are stamped `options.every` apart (default
     * 10 ms, a chatty trainer: 1,000 lines span 10 s) from the current `Clock` time on, or from just after the
     * trial's last line when that is later, so a followed stream that is cut can resume between any two of them.
     * Lines the trial logs afterwards are never stamped earlier than the last seeded one.
     */
    readonly seedLogs: (trialId: number, n: number, options?: SeedOptions) => Effect.Effect<void>
    /** Faults injected so far by `options.faults`, by kind (all 0 without a plan). */
    readonly faultStats: Effect.Effect<FaultStats>
    readonly resetFaultStats: Effect.Effect<void>
    /** Streaming responses still open (counted only when `options.faults` is set; `{ rules: [] }` counts alone). */
    readonly openStreams: Effect.Effect<number>
    /** Suspends (`false`) and resumes the fault plan, e.g. to set up or check a world without faults. */
    readonly setFaultsActive: (active: boolean) => Effect.Effect<void>
  }
}

/**
 * The LocalMaster service.
 *
 * @since 0.1.0
 * @category tags
 * @example
 * import { Effect } from "effect"
 * import { Experiment } from "effect-determined"
 * import { LocalMaster } from "effect-determined/testing"
 *
 * const listed = Effect.gen(function*() {
 *   const master = yield* LocalMaster.LocalMaster
 *   yield* Experiment.list()
 *   return (yield* master.requests).length
 * }).pipe(Effect.provide(LocalMaster.layer()))
 */
export class LocalMaster extends Context.Tag("effect-determined/testing/LocalMaster")<
  LocalMaster,
  LocalMaster.Service
>() {}

const defaultUsers = [
  { username: "admin", password: "", admin: true, active: true },
  { username: "determined", password: "", admin: false, active: true }
]

/**
 * The in-process answer of a master made by {@link make} (with its fault plan, if any): no web body is read or
 * written, so a request through {@link httpClient} never leaves the fiber (determinism under `TestClock`).
 */
const inProcess = new WeakMap<LocalMaster.Service, (request: Request, bodyText: string) => Effect.Effect<Outcome>>()

const webHeaders = (contentType: string, extra: Readonly<Record<string, string>>) => {
  const headers = new Headers({ "content-type": contentType })
  for (const [k, v] of Object.entries(extra)) headers.append(k, v)
  return headers
}

/** An outcome as the web `Response` of `handle` (and of the node bridge of `serve`). */
const toResponse = (outcome: Outcome): Effect.Effect<Response> => {
  switch (outcome._tag) {
    case "Body": {
      const body = outcome.body.length === 0 ? null : outcome.body
      return Effect.succeed(
        new Response(body as BodyInit | null, {
          status: outcome.status,
          headers: webHeaders(outcome.contentType, outcome.headers)
        })
      )
    }
    case "NoResponse":
      return Effect.succeed(failedConnection(outcome.fault))
    case "Broken": {
      let sent = outcome.head.length === 0
      const head = outcome.head
      const body = new ReadableStream<Uint8Array>({
        pull(controller) {
          if (sent) controller.error(connectionError("dropped"))
          else controller.enqueue(head)
          sent = true
        }
      })
      return Effect.succeed(
        new Response(body, { status: outcome.status, headers: webHeaders(outcome.contentType, outcome.headers) })
      )
    }
    case "Stream":
      // a web stream's error discards the chunks not read yet: one empty chunk before a failure waits for the
      // reader to take what came before it (a cut stream's last, partial line)
      return Stream.toReadableStreamEffect(
        Stream.catchAll(outcome.stream, (e) => Stream.concat(Stream.succeed(new Uint8Array(0)), Stream.fail(e)))
      ).pipe(
        Effect.map((readable) =>
          new Response(readable, {
            status: 200,
            headers: { "content-type": "application/json", "transfer-encoding": "chunked" }
          })
        )
      )
  }
}

/**
 * Creates a LocalMaster. The world starts at the current `Clock` time with a fresh master's contents: users
 * `admin` (id 1) and `determined` (id 2), workspace 1 and project 1 `Uncategorized`, resource pool `default`.
 *
 * @since 0.1.0
 * @category constructors
 * @example
 * import { Effect } from "effect"
 * import { LocalMaster } from "effect-determined/testing"
 *
 * const program = Effect.gen(function*() {
 *   const master = yield* LocalMaster.make({ seed: 7 })
 *   const response = yield* master.handle(new Request("http://local/api/v1/master"))
 *   return yield* Effect.promise(() => response.json())
 * }).pipe(Effect.scoped)
 */
export const make = (options: Options = {}): Effect.Effect<LocalMaster.Service, never, Scope.Scope> =>
  Effect.gen(function*() {
    const now = yield* Clock.currentTimeMillis
    const world = new World(
      { seed: options.seed ?? 42, speed: options.speed ?? 100, users: options.users ?? defaultUsers },
      now
    )
    addResourcePools(world, options.resourcePools ?? [])
    let log: Array<RequestRecord> = []
    const advanceNow = Effect.flatMap(Clock.currentTimeMillis, (t) => Effect.sync(() => advance(world, t)))
    const extra = (path: string, request: Request, bodyText: string): Served | undefined => {
      if (path === "/info" && request.method === "GET") {
        return {
          _tag: "Body",
          status: 200,
          contentType: "application/json",
          headers: {},
          body: JSON.stringify({
            version: "0.38.1",
            master_id: world.masterId,
            cluster_id: world.clusterId,
            cluster_name: "",
            telemetry: { enabled: false, otel_enabled: false, otel_endpoint: "" },
            sso_providers: null
          })
        }
      }
      const m = /^\/experiments\/(\d+)\/model_def$/.exec(path)
      if (m !== null && request.method === "GET") {
        const e = world.experiments.get(Number(m[1]))
        if (e === undefined) return undefined
        return {
          _tag: "Body",
          status: 200,
          contentType: "application/x-gtar",
          headers: { "content-disposition": `attachment; filename="exp${e.id}_model_def.tar.gz"` },
          body: buildTgz(e.modelDefinition)
        }
      }
      return taskLogs(world, path, request, bodyText) ?? checkpointDownload(world, path, request)
    }
    // one request, its body already read: advance the world to the clock, route, answer (all in the fiber)
    const answer = (request: Request, bodyText: string): Effect.Effect<Outcome> =>
      Effect.flatMap(Clock.currentTimeMillis, (t) =>
        Effect.sync(() => {
          const url = new URL(request.url)
          log.push({ method: request.method.toUpperCase(), path: url.pathname, query: url.search.replace(/^\?/, "") })
          advance(world, t)
          return route(world, routes, request, bodyText, extra)
        }))
    // a fault plan works on outcomes, in the fiber: the same answer serves the in-process client and the web
    const faulty = options.faults === undefined ? undefined : applyPlan(options.faults, options.seed ?? 42, answer)
    const respond = faulty?.answer ?? answer
    const handle = (request: Request): Effect.Effect<Response> =>
      Effect.gen(function*() {
        const bodyText = request.body === null
          ? ""
          : yield* Effect.promise(() => request.text()).pipe(Effect.orElseSucceed(() => ""))
        return yield* toResponse(yield* respond(request, bodyText))
      }).pipe(Effect.withSpan("LocalMaster.handle"))

    const service: LocalMaster.Service = {
      handle,
      requests: Effect.sync(() => [...log]),
      resetRequests: Effect.sync(() => {
        log = []
      }),
      advance: advanceNow,
      failTrial: (trialId, reason = "LocalMaster.failTrial: injected failure") =>
        Effect.zipRight(advanceNow, Effect.sync(() => failTrial(world, trialId, world.now, reason))),
      token: (username = "determined") =>
        Effect.sync(() => {
          const user = world.userByName(username)
          if (user === undefined) throw new Error(`LocalMaster.token: unknown user ${username}`)
          return openSession(world, user)
        }),
      seedExperiments: (n, seedOptions = {}) =>
        Effect.zipRight(
          advanceNow,
          Effect.sync(() =>
            seedExperiments(world, n, { ...seedOptions, every: Duration.toMillis(seedOptions.every ?? "1 minute") })
          )
        ),
      seedMetrics: (trialId, n, group = "training", seedOptions = {}) =>
        Effect.zipRight(
          advanceNow,
          Effect.sync(() => seedMetrics(world, trialId, n, group, Duration.toMillis(seedOptions.every ?? "1 second")))
        ),
      seedLogs: (trialId, n, seedOptions = {}) =>
        Effect.zipRight(
          advanceNow,
          Effect.sync(() => seedTrialLogs(world, trialId, n, Duration.toMillis(seedOptions.every ?? "10 millis")))
        ),
      faultStats: faulty?.stats ?? Effect.sync(() => Object.fromEntries(faultKinds.map((k) => [k, 0])) as FaultStats),
      resetFaultStats: faulty?.resetStats ?? Effect.void,
      openStreams: faulty?.openStreams ?? Effect.succeed(0),
      setFaultsActive: faulty?.setActive ?? (() => Effect.void)
    }
    // the in-process client skips the web Request/Response pair: see httpClient
    inProcess.set(
      service,
      (request, bodyText) => respond(request, bodyText).pipe(Effect.withSpan("LocalMaster.handle"))
    )
    return service
  })

/**
 * The emulator alone, as the `LocalMaster` service: no SDK, no HTTP client, no socket (for a real server see
 * {@link serve}).
 *
 * @since 0.1.0
 * @category layers
 * @example
 * import { Effect } from "effect"
 * import { LocalMaster } from "effect-determined/testing"
 *
 * const program = Effect.gen(function*() {
 *   const master = yield* LocalMaster.LocalMaster
 *   return yield* master.handle(new Request("http://local/api/v1/master"))
 * }).pipe(Effect.provide(LocalMaster.layerEmulator({ seed: 1 })))
 */
export const layerEmulator = (options: Options = {}): Layer.Layer<LocalMaster> =>
  Layer.scoped(LocalMaster, make(options))

/**
 * An `HttpClient` whose requests are answered by a LocalMaster in process.
 *
 * @since 0.1.0
 * @category constructors
 * @example
 * import { HttpClient } from "@effect/platform"
 * import { Effect } from "effect"
 * import { LocalMaster } from "effect-determined/testing"
 *
 * const program = Effect.gen(function*() {
 *   const client = LocalMaster.httpClient(yield* LocalMaster.LocalMaster)
 *   const response = yield* client.get("http://local/api/v1/master")
 *   return yield* response.json
 * }).pipe(Effect.provide(LocalMaster.layerEmulator()))
 */
export const httpClient = (master: LocalMaster.Service): HttpClient.HttpClient =>
  HttpClient.make((request, url, signal) =>
    Effect.gen(function*() {
      const direct = inProcess.get(master)
      if (direct !== undefined) {
        const bodyText = yield* requestBodyText(request.body)
        if (bodyText !== undefined) {
          const outcome = yield* direct(routerRequest(request, url), bodyText)
          if (outcome._tag === "NoResponse") {
            return yield* new HttpClientError.RequestError({
              request,
              reason: "Transport",
              cause: connectionError(outcome.fault)
            })
          }
          return toClientResponse(request, outcome)
        }
      }
      const headers = new Headers()
      for (const [k, v] of Object.entries(request.headers)) headers.set(k, v)
      const body = request.body
      let payload: BodyInit | undefined
      switch (body._tag) {
        case "Uint8Array":
          payload = body.body as BodyInit
          if (!headers.has("content-type")) headers.set("content-type", body.contentType)
          break
        case "Raw":
          if (typeof body.body === "string" || body.body instanceof Uint8Array) payload = body.body as BodyInit
          else payload = JSON.stringify(body.body)
          if (body.contentType !== undefined && !headers.has("content-type")) {
            headers.set("content-type", body.contentType)
          }
          break
        case "FormData":
          payload = body.formData
          break
        case "Stream":
          payload = (yield* readStreamBody(body.stream)) as BodyInit
          break
        case "Empty":
          break
      }
      const method = request.method
      const webRequest = new Request(url.toString(), {
        method,
        headers,
        signal,
        ...(payload !== undefined && method !== "GET" && method !== "HEAD" ? { body: payload } : {})
      })
      const response = yield* master.handle(webRequest)
      const fault = connectionFault(response)
      if (fault !== undefined) {
        return yield* new HttpClientError.RequestError({ request, reason: "Transport", cause: connectionError(fault) })
      }
      return HttpClientResponse.fromWeb(request, response)
    })
  )

/**
 * The whole SDK stack (`Determined.layerWithoutHttpClient`) against an in-process LocalMaster, logged in as
 * `options.login` (default `determined`). The `LocalMaster` service is provided too, for tests that seed data,
 * inject failures or count requests.
 *
 * @since 0.1.0
 * @category layers
 * @example
 * import { Effect } from "effect"
 * import { Experiment } from "effect-determined"
 * import { LocalMaster } from "effect-determined/testing"
 *
 * const program = Experiment.list().pipe(Effect.provide(LocalMaster.layer({ seed: 1 })))
 */
export const layer = <const O extends Options = {}>(
  options?: O
): Layer.Layer<Determined.Services | LocalMaster, LayerError<O>> => {
  const o: Options = options ?? {}
  const client = Layer.effect(HttpClient.HttpClient, Effect.map(LocalMaster, httpClient))
  // the master URL and login are fixed here: only the cache options can be wrong
  const sdk = Determined.layerWithoutHttpClient({
    master: "http://localmaster.invalid:8080",
    username: o.login?.username ?? "determined",
    password: o.login?.password ?? "",
    cache: o.cache
  }).pipe(Layer.catchAll((e) => (o.cache !== undefined && o.cache !== false ? Layer.fail(e) : Layer.die(e))))
  return sdk.pipe(Layer.provide(client), Layer.provideMerge(layerEmulator(o))) as Layer.Layer<
    Determined.Services | LocalMaster,
    LayerError<O>
  >
}

/**
 * `serve` could not listen: the port is taken (`PortInUse`), not allowed (`PermissionDenied`, e.g. a port below
 * 1024 without the right), not a port at all (`InvalidPort`: not an integer from 0 to 65535), or the listen failed
 * otherwise (`ListenFailed`, with the system's message).
 *
 * @since 0.1.0
 * @category errors
 * @example
 * import { Effect } from "effect"
 * import { LocalMaster } from "effect-determined/testing"
 *
 * // port 8080, or any free port when 8080 is taken
 * const url = LocalMaster.serve({ port: 8080 }).pipe(
 *   Effect.catchTag("ServeError", (e) => (e.reason === "PortInUse" ? LocalMaster.serve({ port: 0 }) : Effect.fail(e))),
 *   Effect.map((served) => served.url)
 * )
 */
export class ServeError extends Schema.TaggedError<ServeError>("effect-determined/LocalMaster/ServeError")(
  "ServeError",
  {
    port: Schema.Number,
    reason: Schema.Literal("PortInUse", "PermissionDenied", "InvalidPort", "ListenFailed"),
    message: Schema.String
  }
) {}

const serveError = (port: number, cause: unknown): ServeError => {
  const code = typeof cause === "object" && cause !== null && "code" in cause ? String(cause.code) : undefined
  const detail = cause instanceof Error ? cause.message : String(cause)
  switch (code) {
    case "EADDRINUSE":
      return new ServeError({ port, reason: "PortInUse", message: `port ${port} on 127.0.0.1 is already in use` })
    case "EACCES":
      return new ServeError({ port, reason: "PermissionDenied", message: `not allowed to listen on port ${port}` })
    case "ERR_SOCKET_BAD_PORT":
      return new ServeError({ port, reason: "InvalidPort", message: `${port} is not a port (0 to 65535): ${detail}` })
    default:
      return new ServeError({ port, reason: "ListenFailed", message: `listening on port ${port} failed: ${detail}` })
  }
}

/**
 * Serves a LocalMaster over real HTTP on 127.0.0.1 (`options.port`, 0 = any free port) until the scope closes;
 * closing it also closes every open connection. Fails with {@link ServeError} when it cannot listen.
 *
 * @since 0.1.0
 * @category constructors
 * @example
 * import { Effect } from "effect"
 * import { LocalMaster } from "effect-determined/testing"
 *
 * const program = Effect.gen(function*() {
 *   const { url } = yield* LocalMaster.serve({ port: 0 })
 *   const response = yield* Effect.promise(() => fetch(`${url}/api/v1/master`))
 *   return response.status
 * }).pipe(Effect.scoped)
 */
export const serve = (
  options: Options = {}
): Effect.Effect<
  { readonly url: string; readonly port: number; readonly master: LocalMaster.Service },
  ServeError,
  Scope.Scope
> =>
  Effect.gen(function*() {
    const port = options.port ?? 0
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      return yield* new ServeError({ port, reason: "InvalidPort", message: `${port} is not a port (0 to 65535)` })
    }
    const master = yield* make(options)
    const runtime = yield* Effect.runtime<never>()
    const run = Runtime.runPromise(runtime)
    const server = yield* Effect.acquireRelease(
      Effect.tryPromise({ try: () => startServer(port, master.handle, run), catch: (e) => serveError(port, e) }),
      (s) => Effect.promise(() => s.close())
    )
    return { url: `http://127.0.0.1:${server.port}`, port: server.port, master }
  })
