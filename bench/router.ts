/**
 * LocalMaster's router against @effect/platform's `HttpRouter` (find-my-way-ts) for the master's route table: can
 * `HttpRouter` express the contract's rules, and what does each cost per request?
 *
 *   npx tsx bench/router.ts [--requests 20000] [--json]
 *
 * Checks (both routers hold all 125 endpoints of src/testing/internal/contract.ts):
 * - priority: for every pair of same-method patterns that can match one path, a path matching both, and which
 *   endpoint each router picks (the gateway: the first declared);
 * - 501: an unimplemented endpoint, an unknown path, a wrong method, each answered 501 `Unimplemented`;
 * - the same answer (status and body) from both for one sample path per endpoint and for the mix below, so both
 *   error shapes (unary, and the stream shape of a streaming endpoint) and the gateway's path-parameter errors;
 * - the gateway's path rules find-my-way changes by default (case, long parameters).
 *
 * Costs, client CPU µs (process.cpuUsage) per request, best of 5 runs after a warm-up:
 * - matching alone: `matchRoute` (a scan in declaration order) vs find-my-way's `find`, over one path per endpoint;
 * - dispatch in process (each variant one `Effect.runSync` per request), a request mix of gets, a list page, trial pages, a stream's error, 401/400/501s: ours
 *   (`route`, bodyless web Request + body text → Outcome) vs `HttpRouter` in the fiber (HttpServerRequest.fromWeb
 *   of the same bodyless Request, the router's app run with `Effect.runSync` → HttpServerResponse) vs `HttpRouter`
 *   through `HttpApp.toWebHandler` (web Request with its body → web Response, body read: what the issue proposed);
 *   every variant calls the same `dispatch` after matching, so the difference is the routing and the request and
 *   response objects around it;
 * - for scale: the same mix through `LocalMaster.httpClient` (the SDK's in-process HttpClient, whole path).
 *
 * Not part of `npm run bench`; docs/LOCAL-MASTER.md ("Routing") quotes it.
 */
import { HttpApp, HttpClientRequest, HttpRouter, HttpServerRequest, HttpServerResponse } from "@effect/platform"
import { Chunk, Context, Effect, Option, Stream } from "effect"
import { LocalMaster } from "effect-determined/testing"
import * as FindMyWay from "find-my-way-ts"
import { parseArgs } from "node:util"
import type { EndpointSpec } from "../src/testing/internal/contract.js"
import { endpoints } from "../src/testing/internal/contract.js"
import { seedExperiments } from "../src/testing/internal/domain/seed.js"
import { World } from "../src/testing/internal/domain/store.js"
import { openSession } from "../src/testing/internal/domain/users.js"
import type { Served as Outcome } from "../src/testing/internal/router.js"
import { dispatch, matchRoute, route, trimPath, unimplementedOutcome } from "../src/testing/internal/router.js"
import { routes } from "../src/testing/internal/routes/index.js"
import { measure } from "./cpu.js"

const args = parseArgs({ options: { requests: { type: "string" }, json: { type: "boolean" } }, strict: true }).values
const requests = Number(args.requests ?? "20000")

// ---------------------------------------------------------------------------------------------------------------
// The world both routers answer from

const makeWorld = () => {
  const w = new World(
    {
      seed: 1,
      speed: 100,
      users: [
        { username: "admin", password: "", admin: true, active: true },
        { username: "determined", password: "", admin: false, active: true }
      ]
    },
    1_800_000_000_000
  )
  const ids = seedExperiments(w, 2_000, { every: 60_000 })
  return { world: w, ids, token: openSession(w, w.userByName("determined")!) }
}
/**
 * The world every variant answers from (the handlers read it when called). The checks give each variant its own
 * world, built the same way and sent the same requests, so writes (a logout, a patch) never change another's answer.
 */
let { ids: experimentIds, token, world } = makeWorld()
const fresh = () => {
  ;({ ids: experimentIds, token, world } = makeWorld())
}
const firstTrial = [...world.trials.keys()][0]!

const noExtra = () => undefined

/**
 * `{name}` → `:name` (find-my-way's parameter syntax). find-my-way ends a parameter's name at a `.` (`/:a.:b`), so
 * the contract's five dotted names (`{experiment.id}`, `{template.name}`, ...) are renamed `a__b` and mapped back.
 */
const fmwPath = (path: string) =>
  path.replace(/\{([^}]+)\}/g, (_, name: string) => `:${name.replace(/\./g, "__")}`) as `/${string}`
const dottedNames = endpoints.filter((spec) => /\{[^}]*\.[^}]*\}/.test(spec.path)).map((spec) => spec.name)

/** A path matching `spec`, with `fill` for each parameter. */
const samplePath = (spec: EndpointSpec, fill: (param: string, type: "int" | "string") => string) =>
  spec.path.replace(/\{([^}]+)\}/g, (_, name: string) => fill(name, spec.params[name] ?? "string"))

// find-my-way's defaults differ from the gateway's: paths are case-insensitive and a parameter longer than 100
// characters matches nothing. The in-process variants below set the gateway's rules.
const gatewayConfig = { caseSensitive: true, ignoreTrailingSlash: true, maxParamLength: 10_000 }

// ---------------------------------------------------------------------------------------------------------------
// HttpRouter holding the same table, calling the same dispatch

/** The web request and body text of an in-process request (the bodyless-Request path needs no web body). */
class Incoming extends Context.Tag("bench/router/Incoming")<Incoming, { request: Request; bodyText: string }>() {}

const toServerResponse = (outcome: Outcome): HttpServerResponse.HttpServerResponse => {
  if (outcome._tag === "Stream") {
    return HttpServerResponse.stream(outcome.stream, { contentType: "application/json" })
  }
  const options = { status: outcome.status, contentType: outcome.contentType, headers: outcome.headers }
  // raw: a string body is handed over as it is (text() would encode it to bytes)
  return typeof outcome.body === "string"
    ? HttpServerResponse.raw(outcome.body, options)
    : HttpServerResponse.uint8Array(outcome.body, options)
}

const handlerOf = (spec: EndpointSpec) =>
  Effect.gen(function*() {
    const params: Record<string, string> = {}
    for (const [k, v] of Object.entries((yield* HttpRouter.RouteContext).params)) {
      params[k.replace(/__/g, ".")] = v ?? ""
    }
    const server = yield* HttpServerRequest.HttpServerRequest
    const incoming = yield* Effect.serviceOption(Incoming)
    // in the fiber: the bodyless web Request and the text beside it; through toWebHandler: the web body
    const { bodyText, request } = Option.isSome(incoming)
      ? incoming.value
      : { request: server.source as Request, bodyText: yield* Effect.orElseSucceed(server.text, () => "") }
    return toServerResponse(dispatch(world, routes, spec, params, request, new URL(request.url), bodyText))
  })

const platformRouter = endpoints.reduce(
  (router, spec) => HttpRouter.route(spec.method as "GET")(fmwPath(spec.path), handlerOf(spec))(router),
  HttpRouter.empty as HttpRouter.HttpRouter<never, Incoming>
)

// unknown paths and wrong methods fail the app with RouteNotFound (implemented-or-not is dispatch's 501)
const platformApp = Effect.runSync(
  HttpRouter.toHttpApp(platformRouter).pipe(HttpRouter.withRouterConfig(gatewayConfig))
).pipe(Effect.catchTag("RouteNotFound", () => Effect.succeed(toServerResponse(unimplementedOutcome()))))

const viaHttpRouter = (request: Request, bodyText: string): HttpServerResponse.HttpServerResponse =>
  Effect.runSync(
    platformApp.pipe(
      Effect.provideService(HttpServerRequest.HttpServerRequest, HttpServerRequest.fromWeb(request)),
      Effect.provideService(Incoming, { request, bodyText })
    )
  )

const webHandler = HttpApp.toWebHandler(platformApp as HttpApp.Default<never, never>)

const viaWebHandler = async (request: Request): Promise<{ status: number; body: string }> => {
  const response = await webHandler(request)
  return { status: response.status, body: await response.text() }
}

// ---------------------------------------------------------------------------------------------------------------
// Reading answers the same way

interface Answer {
  readonly status: number
  readonly body: string
}

const decoder = new TextDecoder()
const collect = (stream: Stream.Stream<Uint8Array, unknown>): string =>
  Effect.runSync(
    Stream.runCollect(stream).pipe(
      Effect.map((chunks) => Chunk.toReadonlyArray(chunks).map((c) => decoder.decode(c)).join("")),
      Effect.orElseSucceed(() => "<stream failed>")
    )
  )

const ofOutcome = (outcome: Outcome): Answer =>
  outcome._tag === "Body"
    ? { status: outcome.status, body: typeof outcome.body === "string" ? outcome.body : decoder.decode(outcome.body) }
    : { status: 200, body: collect(outcome.stream) }

const ofServerResponse = (response: HttpServerResponse.HttpServerResponse): Answer => {
  const body = response.body
  switch (body._tag) {
    case "Uint8Array":
      return { status: response.status, body: decoder.decode(body.body) }
    case "Stream":
      return { status: response.status, body: collect(body.stream) }
    case "Raw":
      return { status: response.status, body: String(body.body) }
    case "Empty":
      return { status: response.status, body: "" }
    default:
      return { status: response.status, body: `<${body._tag} body>` }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// The requests

interface Sample {
  readonly method: string
  readonly path: string
  readonly body?: string | undefined
  readonly auth?: boolean | undefined
}

const base = "http://127.0.0.1"
const bodyless = (s: Sample): Request =>
  new Request(base + s.path, {
    method: s.method,
    headers: s.auth === false ? {} : { authorization: `Bearer ${token}` }
  })
const withBody = (s: Sample): Request =>
  new Request(base + s.path, {
    method: s.method,
    headers: s.auth === false ? {} : { authorization: `Bearer ${token}` },
    ...(s.body !== undefined && s.method !== "GET" ? { body: s.body } : {})
  })

/** Ours, run as the in-process path runs it: one synchronous Effect per request. */
const ours = (s: Sample): Outcome =>
  Effect.runSync(Effect.sync(() => route(world, routes, bodyless(s), s.body ?? "", noExtra)))

/** One path per endpoint (integer parameters an existing id, strings a name). */
const perEndpoint: ReadonlyArray<Sample> = [...endpoints].sort((a, b) =>
  Number(a.name === "Logout") - Number(b.name === "Logout")
).map((spec) => ({
  method: spec.method,
  path: samplePath(spec, (_, type) => (type === "int" ? String(experimentIds[0]) : "determined")),
  body: spec.method === "GET" ? undefined : "{}"
}))

/** A list page, measured on its own: its rendering (about 2 ms) would hide the routers in a mix. */
const listPage: Sample = { method: "GET", path: "/api/v1/experiments?limit=100&offset=200" }

/** The mix of the cost measurement: the bench's reads, and the error paths. */
const mix: ReadonlyArray<Sample> = [
  ...experimentIds.slice(0, 8).map((id) => ({ method: "GET", path: `/api/v1/experiments/${id}` })),
  { method: "GET", path: `/api/v1/trials/${firstTrial}` },
  { method: "GET", path: `/api/v1/trials/${firstTrial}` },
  { method: "GET", path: `/api/v1/experiments/${experimentIds[3]}/trials` },
  { method: "GET", path: `/api/v1/experiments/${experimentIds[5]}/checkpoints` },
  { method: "GET", path: "/api/v1/master", auth: false },
  { method: "GET", path: "/api/v1/me" },
  { method: "GET", path: "/api/v1/trials/999999/logs" }, // a streaming endpoint's error: the stream shape
  { method: "GET", path: "/api/v1/experiments/abc" }, // the gateway's type mismatch
  { method: "GET", path: "/api/v1/experiments/1", auth: false }, // 401 token missing
  { method: "GET", path: "/api/v1/tasks" }, // in the contract, not implemented: 501
  { method: "GET", path: "/api/v1/nothing/here" }, // unknown: 501
  { method: "DELETE", path: "/api/v1/master" }, // wrong method: 501
  { method: "PUT", path: `/api/v1/experiments/${experimentIds[7]}/labels/bench`, body: "{}" }
]

// ---------------------------------------------------------------------------------------------------------------
// Checks

/** Pairs of same-method patterns that can match one path, with such a path. */
const overlaps = (): Array<{ a: EndpointSpec; b: EndpointSpec; path: string }> => {
  const out: Array<{ a: EndpointSpec; b: EndpointSpec; path: string }> = []
  const segs = (p: string) => p.split("/").filter((s) => s !== "")
  for (let i = 0; i < endpoints.length; i++) {
    for (let j = i + 1; j < endpoints.length; j++) {
      const a = endpoints[i]!
      const b = endpoints[j]!
      if (a.method !== b.method) continue
      const sa = segs(a.path)
      const sb = segs(b.path)
      if (sa.length !== sb.length) continue
      const path: Array<string> = []
      let ok = true
      for (let k = 0; k < sa.length && ok; k++) {
        const x = sa[k]!
        const y = sb[k]!
        const px = x.startsWith("{")
        const py = y.startsWith("{")
        if (!px && !py) ok = x === y
        path.push(!px ? x : !py ? y : "1")
      }
      if (ok) out.push({ a, b, path: "/" + path.join("/") })
    }
  }
  return out
}

const fmw = FindMyWay.make<EndpointSpec>(gatewayConfig)
for (const spec of endpoints) fmw.on(spec.method, fmwPath(spec.path), spec)
const fmwDefault = FindMyWay.make<EndpointSpec>()
for (const spec of endpoints) fmwDefault.on(spec.method, fmwPath(spec.path), spec)

const segmentsOf = (path: string) => trimPath(path).split("/").filter((s) => s !== "")

const checks = async () => {
  const priority = overlaps().map(({ a, b, path }) => {
    const gateway = [a, b].sort((x, y) => x.order - y.order)[0]!.name
    return {
      path,
      endpoints: [a.name, b.name],
      gateway,
      ours: matchRoute(a.method, segmentsOf(path))?.spec.name,
      httpRouter: fmw.find(a.method, path)?.handler.name
    }
  })
  const answersDiffer: Array<string> = []
  // the mix first, the endpoints after it (a logout last)
  const samples = [...mix, ...perEndpoint]
  const answersOf = async (f: (s: Sample) => Answer | Promise<Answer>) => {
    fresh()
    const out: Array<Answer> = []
    for (const s of samples) out.push(await f(s))
    return out
  }
  const mine = await answersOf((s) => ofOutcome(ours(s)))
  const inFiber = await answersOf((s) => ofServerResponse(viaHttpRouter(bodyless(s), s.body ?? "")))
  const web = await answersOf((s) => viaWebHandler(withBody(s)))
  samples.forEach((s, i) => {
    const line = `${s.method} ${s.path}`
    if (mine[i]!.status !== inFiber[i]!.status || mine[i]!.body !== inFiber[i]!.body) {
      answersDiffer.push(
        `in fiber: ${line} ${mine[i]!.status} ${mine[i]!.body.slice(0, 300)} VS ${inFiber[i]!.status} ${
          inFiber[i]!.body.slice(0, 300)
        }`
      )
    }
    if (mine[i]!.status !== web[i]!.status || mine[i]!.body !== web[i]!.body) {
      answersDiffer.push(`toWebHandler: ${line}`)
    }
  })
  fresh()
  const unimplemented = ["GET /api/v1/tasks", "GET /api/v1/nothing/here", "DELETE /api/v1/master"].map((line) => {
    const [method, path] = line.split(" ") as [string, string]
    const theirs = ofServerResponse(viaHttpRouter(bodyless({ method, path }), ""))
    return { request: line, status: theirs.status, body: theirs.body }
  })
  const longName = "x".repeat(150)
  const defaults = {
    /** the gateway is case-sensitive: /API/V1/MASTER is a 501 */
    caseInsensitiveMatch: fmwDefault.find("GET", "/API/V1/MASTER")?.handler.name ?? null,
    /** a user name longer than 100 characters */
    longParameterMatch: fmwDefault.find("GET", `/api/v1/users/${longName}/by-username`)?.handler.name ?? null
  }
  return { endpoints: endpoints.length, dottedNames, priority, answersDiffer, unimplemented, defaults }
}

// ---------------------------------------------------------------------------------------------------------------
// Costs

const costs = async () => {
  const matchPaths = perEndpoint.map((s) => ({ method: s.method, path: s.path }))
  const rounds = Math.max(1, Math.round(requests / matchPaths.length))
  const matchOurs = await measure(rounds * matchPaths.length, () => {
    for (let r = 0; r < rounds; r++) {
      for (const p of matchPaths) matchRoute(p.method, segmentsOf(p.path))
    }
  })
  const matchFmw = await measure(rounds * matchPaths.length, () => {
    for (let r = 0; r < rounds; r++) {
      for (const p of matchPaths) fmw.find(p.method, p.path)
    }
  })
  const n = Math.max(mix.length, Math.round(requests / mix.length) * mix.length)
  const row = async (samples: ReadonlyArray<Sample>, count: number) => {
    const k = Math.max(samples.length, Math.round(count / samples.length) * samples.length)
    const at = (i: number) => samples[i % samples.length]!
    return {
      ours: await measure(k, () => {
        for (let i = 0; i < k; i++) ofOutcome(ours(at(i)))
      }),
      httpRouterInFiber: await measure(k, () => {
        for (let i = 0; i < k; i++) ofServerResponse(viaHttpRouter(bodyless(at(i)), at(i).body ?? ""))
      }),
      httpRouterToWebHandler: await measure(k, async () => {
        for (let i = 0; i < k; i++) await viaWebHandler(withBody(at(i)))
      })
    }
  }
  const mixMicros = await row(mix, n)
  const listPageMicros = await row([listPage], Math.max(1, Math.round(n / 50)))
  const getMasterMicros = await row([{ method: "GET", path: "/api/v1/master", auth: false }], n)
  // the SDK's in-process client over a master seeded the same way, for scale
  const whole = await Effect.runPromise(Effect.scoped(Effect.gen(function*() {
    const master = yield* LocalMaster.make({ seed: 1 })
    const ids = yield* master.seedExperiments(2_000, { every: "1 minute" })
    const t = yield* master.token()
    const client = LocalMaster.httpClient(master)
    const [trialRow] = yield* Effect.flatMap(
      client.execute(
        HttpClientRequest.get(`${base}/api/v1/experiments/${ids[3]}/trials`).pipe(
          HttpClientRequest.bearerToken(t)
        )
      ),
      (r) => r.json
    ).pipe(Effect.map((j) => (j as { trials: Array<{ id: string }> }).trials))
    const rewrite = (p: string) =>
      p.replace(String(firstTrial), String(trialRow?.id ?? firstTrial)).replace(
        /experiments\/(\d+)/,
        (_, id: string) => `experiments/${ids[experimentIds.indexOf(Number(id))] ?? id}`
      )
    const send = (s: Sample) =>
      client.execute(
        HttpClientRequest.make(s.method as "GET")(base + rewrite(s.path)).pipe(
          s.auth === false ? (r) => r : HttpClientRequest.bearerToken(t),
          s.body === undefined ? (r) => r : HttpClientRequest.bodyText(s.body, "application/json")
        )
      ).pipe(Effect.flatMap((r) => r.text), Effect.orDie)
    return yield* Effect.promise(() =>
      measure(
        n,
        () => Effect.runPromise(Effect.forEach(Array.from({ length: n }, (_, i) => mix[i % mix.length]!), send))
      )
    )
  })))
  return {
    matchMicros: { ours: matchOurs, httpRouter: matchFmw },
    mixMicros,
    listPageMicros,
    getMasterMicros,
    wholeInProcessClientMixMicros: whole
  }
}

const main = async () => {
  const checked = await checks()
  const cost = await costs()
  if (args.json) {
    console.log(JSON.stringify({ checks: checked, costs: cost }, null, 2))
    return
  }
  const f = (x: number) => x.toFixed(2)
  console.log(`route table: ${checked.endpoints} endpoints on both routers`)
  console.log(`\npriority (same-method patterns matching one path: ${checked.priority.length} pairs)`)
  for (const p of checked.priority) {
    console.log(
      `  ${p.path}: ${p.endpoints.join(" / ")} → gateway ${p.gateway}, ours ${p.ours}, HttpRouter ${p.httpRouter}` +
        (p.ours === p.gateway && p.httpRouter === p.gateway ? "" : "  ✗")
    )
  }
  console.log(`\n501s through HttpRouter (dispatch's 501 and RouteNotFound caught):`)
  for (const u of checked.unimplemented) console.log(`  ${u.request}: ${u.status} ${u.body}`)
  console.log(
    `\nsame status and body from both routers (one path per endpoint + the mix, both error shapes): ${
      checked.answersDiffer.length === 0 ? "yes" : `no, ${checked.answersDiffer.join("; ")}`
    }`
  )
  console.log(`parameters renamed for find-my-way (a \`.\` in the name): ${checked.dottedNames.join(", ")}`)
  console.log(
    `find-my-way defaults (set to the gateway's rules above): GET /API/V1/MASTER → ${checked.defaults.caseInsensitiveMatch}, a 150-character user name → ${checked.defaults.longParameterMatch}`
  )
  console.log(`\nclient CPU µs per request (best of 5, ${requests} requests a run)`)
  console.log(
    `  matching alone:            ours ${f(cost.matchMicros.ours)}   HttpRouter (find-my-way) ${
      f(cost.matchMicros.httpRouter)
    }`
  )
  for (
    const [label, row] of [
      [`the mix (${mix.length} requests)`, cost.mixMicros],
      ["a list page (100 rows)", cost.listPageMicros],
      ["GetMaster alone", cost.getMasterMicros]
    ] as const
  ) {
    console.log(
      `  ${label.padEnd(26)} ours ${f(row.ours)}   HttpRouter in the fiber ${
        f(row.httpRouterInFiber)
      }   HttpRouter via toWebHandler ${f(row.httpRouterToWebHandler)}`
    )
  }
  console.log(
    `  the mix through LocalMaster.httpClient (whole in-process path, ours): ${f(cost.wholeInProcessClientMixMicros)}`
  )
}

main().catch((e) => {
  console.error(e)
  process.exit(1)
})
