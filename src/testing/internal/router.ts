/**
 * LocalMaster's router: matches a request against the master's route table (contract.ts, in proto declaration
 * order, first match wins), checks path-parameter types and authentication like the gateway does, and calls the
 * handler registered for the endpoint's name. Unimplemented endpoints, unknown paths and wrong methods answer
 * 501 `Unimplemented` in the real error shape.
 *
 * ## How to add a route
 *
 * 1. Find the endpoint's `name` in contract.ts (the contract's `endpoints[].name`, e.g. `"PostUser"`). The path,
 *    method, order, streaming flag, auth requirement and path-parameter types are already there.
 * 2. Write a handler `(ctx: RouteContext) => Reply` in the matching file under routes/ (or a new file there):
 *    read path parameters with `ctx.int("user_id")` / `ctx.str("model_name")` (proto names), the query with
 *    `ctx.query`, the JSON body with `ctx.body` (camelCase or snake_case, lenient), the caller with `ctx.user`,
 *    the current simulated time with `ctx.world.now`. Throw `WireError`s from wire.ts (`notFound`,
 *    `invalidArgument`, `failedPrecondition`, `internal`, ...) for errors; return `json(body)` or, for streaming
 *    endpoints, `stream(Stream<Uint8Array>)` of newline-terminated `{"result": …}` lines (see routes/streams.ts).
 * 3. Add it to that file's exported `routes` record under the endpoint's name; routes/index.ts merges the records.
 * 4. Render records with views.ts so wire rules (int64 strings, enum names, defaults) stay in one place, and add
 *    the endpoint to the contract walk in test/testing/contract.test.ts.
 *
 * Domain errors (domain/errors.ts) thrown by the store or the domain modules are mapped here by wire.ts's
 * `toWireError`. New state goes in domain/store.ts (`World`); new behaviour in the domain module it belongs to
 * (docs/LOCAL-MASTER.md draws the layers); a new way of training goes in drivers/ as a `TrialDriver`.
 *
 * ## Why not `HttpRouter`
 *
 * Hand-written on a measured reason (`npx tsx bench/router.ts`, numbers in docs/LOCAL-MASTER.md, "Routing"): with
 * all 125 endpoints and the same `dispatch` behind both, `@effect/platform`'s `HttpRouter` matches faster (0.5 µs vs
 * 1.1 µs CPU) but costs about twice as much per request in the fiber (73 vs 37 µs for a mix of gets and errors, 65
 * vs 23 µs for `GetMaster`) and six times as much through `HttpApp.toWebHandler` (232 µs), which would also read
 * web bodies and leave the fiber. It can express the contract's priority (the three overlapping pairs agree), the
 * 501s (`RouteNotFound` caught on the app) and both error shapes, but needs five dotted parameter names renamed and
 * the gateway's case-sensitivity and parameter length configured.
 *
 * @internal
 */
import type * as Stream from "effect/Stream"
import type { EndpointSpec } from "./contract.js"
import { endpoints } from "./contract.js"
import { isDomainError } from "./domain/errors.js"
import type { User, World } from "./domain/store.js"
import type { Reply } from "./wire.js"
import {
  Body,
  Code,
  httpStatusOf,
  permissionDenied,
  Query,
  streamErrorBody,
  stringify,
  toWireError,
  unaryErrorBody,
  unauthenticated,
  unimplemented,
  WireError
} from "./wire.js"

/** What a handler sees. @internal */
export interface RouteContext {
  readonly world: World
  readonly spec: EndpointSpec
  readonly request: Request
  readonly url: URL
  readonly query: Query
  readonly body: Body
  /** the authenticated caller (undefined only on unauthenticated endpoints) */
  readonly user: User | undefined
  /** the caller's token, when one was presented */
  readonly token: string | undefined
  /** a path parameter already checked to be an integer (proto name, e.g. "experiment_id") */
  readonly int: (name: string) => number
  /** a path parameter as a string (proto name, e.g. "model_name") */
  readonly str: (name: string) => string
}

/** @internal */
export type Handler = (ctx: RouteContext) => Reply

/** Handlers keyed by the contract's endpoint names. @internal */
export type Routes = Readonly<Record<string, Handler>>

interface CompiledRoute {
  readonly spec: EndpointSpec
  readonly segments: ReadonlyArray<{ readonly literal: string } | { readonly param: string }>
}

const compile = (spec: EndpointSpec): CompiledRoute => ({
  spec,
  segments: spec.path.split("/").filter((s) => s !== "").map((s) =>
    s.startsWith("{") && s.endsWith("}") ? { param: s.slice(1, -1) } : { literal: s }
  )
})

const compiled: ReadonlyArray<CompiledRoute> = [...endpoints].sort((a, b) => a.order - b.order).map(compile)

const matchPath = (
  route: CompiledRoute,
  segments: ReadonlyArray<string>
): Record<string, string> | undefined => {
  if (route.segments.length !== segments.length) return undefined
  const params: Record<string, string> = {}
  for (let i = 0; i < segments.length; i++) {
    const seg = route.segments[i]!
    const actual = segments[i]!
    if ("literal" in seg) {
      if (seg.literal !== actual) return undefined
    } else {
      if (actual === "") return undefined
      params[seg.param] = actual
    }
  }
  return params
}

/**
 * A response before it becomes a web `Response` (LocalMaster.handle, serve) or the in-process client's
 * `HttpClientResponse`. The last two cases, and a stream that fails, come only from a fault plan (faults.ts).
 *
 * @internal
 */
export type Outcome =
  | {
    readonly _tag: "Body"
    readonly status: number
    readonly body: string | Uint8Array
    readonly contentType: string
    readonly headers: Readonly<Record<string, string>>
  }
  /** a newline-delimited stream, status 200; it fails only when a fault plan breaks the connection in it */
  | { readonly _tag: "Stream"; readonly stream: Stream.Stream<Uint8Array, Error> }
  /** no response at all: the connection was refused, or reset before any byte */
  | { readonly _tag: "NoResponse"; readonly fault: "refused" | "dropped" }
  /** the status, the headers and `head` (the start of the body) were sent, then the connection broke */
  | {
    readonly _tag: "Broken"
    readonly status: number
    readonly contentType: string
    readonly headers: Readonly<Record<string, string>>
    readonly head: Uint8Array
  }

/** What the router itself answers: a body or a stream (the other outcomes are a fault plan's). @internal */
export type Served = Extract<Outcome, { readonly _tag: "Body" | "Stream" }>

const jsonOutcome = (status: number, body: string, headers: Record<string, string> = {}): Served => ({
  _tag: "Body",
  status,
  body,
  contentType: "application/json",
  headers
})

const errorOutcome = (err: WireError, streaming: boolean): Served => {
  const useStream = streaming && !err.gateway
  const code = !useStream && err.code === Code.Unknown ? Code.Internal : err.code
  return jsonOutcome(httpStatusOf(code), useStream ? streamErrorBody(err) : unaryErrorBody(err))
}

const tokenOf = (request: Request): { token: string | undefined; header: string | undefined } => {
  const header = request.headers.get("authorization") ?? undefined
  if (header !== undefined) return { token: undefined, header }
  const cookie = request.headers.get("cookie")
  if (cookie !== null) {
    for (const part of cookie.split(";")) {
      const [k, ...v] = part.trim().split("=")
      if (k === "auth") return { token: undefined, header: `Bearer ${v.join("=")}` }
    }
  }
  return { token: undefined, header: undefined }
}

const authenticate = (world: World, request: Request): { user: User; token: string } => {
  const { header } = tokenOf(request)
  if (header === undefined || header === "") throw unauthenticated("token missing")
  if (!header.startsWith("Bearer ")) throw unauthenticated("invalid credentials")
  const token = header.slice("Bearer ".length).trim()
  const userId = world.sessions.get(token)
  const user = userId === undefined ? undefined : world.users.get(userId)
  if (user === undefined) throw unauthenticated("invalid credentials")
  if (!user.active) throw permissionDenied("user does not have permission")
  return { user, token }
}

/** The optional caller on unauthenticated endpoints. @internal */
export const optionalCaller = (world: World, request: Request): { user: User; token: string } | undefined => {
  try {
    return authenticate(world, request)
  } catch {
    return undefined
  }
}

/** A request's endpoint in the route table and its raw (still URI-encoded) path parameters. @internal */
export interface Match {
  readonly spec: EndpointSpec
  readonly params: Readonly<Record<string, string>>
}

/**
 * The first endpoint of the table (declaration order) whose method and path pattern fit, or undefined (501).
 * `segments` are the path's non-empty segments.
 *
 * @internal
 */
export const matchRoute = (method: string, segments: ReadonlyArray<string>): Match | undefined => {
  for (const r of compiled) {
    if (r.spec.method !== method) continue
    const params = matchPath(r, segments)
    if (params !== undefined) return { spec: r.spec, params }
  }
  return undefined
}

/** The 501 of an unknown path or method, in the unary shape. @internal */
export const unimplementedOutcome = (): Served => errorOutcome(unimplemented(), false)

/** The path without its trailing slashes. @internal */
export const trimPath = (pathname: string): string => {
  let path = pathname
  while (path.length > 1 && path.endsWith("/")) path = path.slice(0, -1)
  return path
}

/**
 * Answers a request already matched to `spec`: path parameters checked (the gateway's error, unary shape even on
 * streaming routes), body parsed, caller authenticated, handler called, errors mapped to the endpoint's shape.
 * Never throws.
 *
 * @internal
 */
export const dispatch = (
  world: World,
  routes: Routes,
  spec: EndpointSpec,
  params: Readonly<Record<string, string>>,
  request: Request,
  url: URL,
  bodyText: string
): Served => {
  const method = spec.method
  const handler = routes[spec.name]
  try {
    // path parameters are parsed by the gateway: errors use the unary shape even on streaming routes
    const decoded: Record<string, string> = {}
    for (const [name, raw] of Object.entries(params)) {
      let value: string
      try {
        value = decodeURIComponent(raw)
      } catch {
        value = raw
      }
      if (spec.params[name] === "int" && !/^[+-]?\d+$/.test(value)) {
        throw new WireError(
          Code.InvalidArgument,
          `type mismatch, parameter: ${name}, error: strconv.ParseInt: parsing ${
            JSON.stringify(value)
          }: invalid syntax`,
          true
        )
      }
      decoded[name] = value
    }
    const query = new Query(url.searchParams)
    let body: Body
    try {
      body = method === "GET" || (method === "DELETE" && bodyText === "") ? new Body({}) : Body.parse(bodyText)
    } catch (e) {
      if (e instanceof WireError) throw new WireError(e.code, e.message, true)
      throw e
    }
    if (handler === undefined) throw unimplemented()
    let caller: { user: User; token: string } | undefined
    if (spec.authRequired) caller = authenticate(world, request)
    else caller = optionalCaller(world, request)
    const ctx: RouteContext = {
      world,
      spec,
      request,
      url,
      query,
      body,
      user: caller?.user,
      token: caller?.token,
      int: (name) => Number(decoded[name]),
      str: (name) => decoded[name] ?? ""
    }
    const reply = handler(ctx)
    switch (reply._tag) {
      case "Json":
        return jsonOutcome(200, stringify(reply.body, url.searchParams.has("pretty")), { ...reply.headers })
      case "Raw":
        return { _tag: "Body", status: reply.status, body: reply.body, contentType: reply.contentType, headers: {} }
      case "Stream":
        return { _tag: "Stream", stream: reply.stream }
    }
  } catch (e) {
    if (e instanceof WireError) return errorOutcome(e, spec.streaming)
    if (isDomainError(e)) return errorOutcome(toWireError(e), spec.streaming)
    const message = e instanceof Error ? e.message : String(e)
    return errorOutcome(new WireError(Code.Internal, message), spec.streaming)
  }
}

/**
 * Routes one request. `bodyText` is the request body already read. Never throws.
 *
 * @internal
 */
export const route = (
  world: World,
  routes: Routes,
  request: Request,
  bodyText: string,
  extra: (path: string, request: Request, bodyText: string) => Served | undefined
): Served => {
  const url = new URL(request.url)
  const path = trimPath(url.pathname)
  if (!path.startsWith("/api/v1/") && path !== "/api/v1") {
    const other = extra(path, request, bodyText)
    if (other !== undefined) return other
    return jsonOutcome(404, JSON.stringify({ message: "Not Found" }))
  }
  const match = matchRoute(request.method.toUpperCase(), path.split("/").filter((s) => s !== ""))
  if (match === undefined) return unimplementedOutcome()
  return dispatch(world, routes, match.spec, match.params, request, url, bodyText)
}
