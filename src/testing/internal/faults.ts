/**
 * LocalMaster's fault plan: seeded, per-route injection of the failures a long-running automation meets in
 * production (5xx answers, 429 bursts with `Retry-After`, latency, dropped connections, streams cut in the middle
 * of a line, HTML pages from a proxy, expired tokens).
 *
 * The plan wraps the emulator's request handler. Faults that fail "before the server" answer without calling
 * the router, so they never touch the emulator's state nor its request log. Faults "after the server" (a
 * connection dropped once the body started, a stream cut after N lines) let the router run first. Each request
 * draws from one PRNG seeded by the plan, so the same requests in the same order meet the same faults.
 *
 * The plan works on the router's {@link Outcome}s, within the calling fiber (latency is an `Effect.sleep` on the
 * `Clock`, a cut stream is an Effect `Stream` that fails), so `LocalMaster.layer` with a plan is as deterministic
 * under `TestClock` as without one. A dropped or refused connection is the `NoResponse` outcome: the in-process
 * `HttpClient` turns it into a transport error; on the web side it is a `Response` marked in a WeakMap
 * ({@link connectionFault}), for which the node bridge of `LocalMaster.serve` destroys the socket.
 *
 * docs/RELIABILITY.md documents the plan's JSON format.
 *
 * @internal
 */
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import * as fs from "node:fs"
import { Rng } from "./domain/rng.js"
import type { Outcome } from "./router.js"
import { Code, unaryErrorBody, unauthenticated, WireError } from "./wire.js"

/**
 * One rule of a {@link FaultPlan}: which requests it applies to, and the faults it injects into them. Every
 * probability is per matching request, in [0, 1].
 *
 * @since 0.1.0
 * @category models
 */
export interface FaultRule {
  /**
   * Glob on the URL path: `*` one segment (or part of one), `**` any number of segments, `?` one character,
   * `{a,b}` alternatives. Default `**` (every path).
   */
  readonly path?: string | undefined
  /** A regular expression (source text) on the path, instead of `path`. */
  readonly pathRegex?: string | undefined
  /** HTTP method(s), case-insensitive. Default: every method. */
  readonly method?: string | ReadonlyArray<string> | undefined
  /** Probability of each 5xx answer, before the server (the master's unary error body). */
  readonly status?:
    | {
      readonly "500"?: number | undefined
      readonly "502"?: number | undefined
      readonly "503"?: number | undefined
      readonly "504"?: number | undefined
    }
    | undefined
  /** 429 `ResourceExhausted` with `Retry-After`, before the server; `burst` requests in a row (default 1). */
  readonly rateLimit?:
    | {
      readonly probability: number
      readonly retryAfterSeconds?: number | undefined
      readonly burst?: number | undefined
    }
    | undefined
  /** Added latency on the Effect `Clock`, before the request is handled. */
  readonly latency?:
    | {
      /** Default 1. */
      readonly probability?: number | undefined
      /** A fixed delay, or a `[min, max]` range drawn uniformly. */
      readonly millis: number | readonly [number, number]
    }
    | undefined
  /** The connection is refused: the client knows the request was never sent (`ECONNREFUSED`). */
  readonly refuse?: number | undefined
  /** The connection drops before any response byte, and before the server (a reset, `ECONNRESET`). */
  readonly dropBefore?: number | undefined
  /**
   * The connection drops after the response started: the router ran (its effects are real), the status and
   * half of a unary body (or a partial first line of a stream) are sent, then the connection breaks.
   */
  readonly dropAfter?: number | undefined
  /** A proxy's HTML error page instead of the master's JSON, before the server. */
  readonly html?: number | undefined
  /** Status of the HTML page. Default 502. */
  readonly htmlStatus?: number | undefined
  /**
   * Streaming responses are cut (the connection breaks in the middle of the next line) after this many complete
   * lines: a fixed number or a `[min, max]` range drawn per response.
   */
  readonly cutAfterLines?: number | readonly [number, number] | undefined
  /** Probability that a matching streaming response is cut. Default 1. */
  readonly cutProbability?: number | undefined
  /**
   * Tokens expire as a real master's sessions do, each by its own age or use: a matching request whose token has
   * been used `afterUses` times already (by matching requests), or was first seen more than `afterMillis` ago on
   * the `Clock`, answers 401 (the session expired), before the server; once expired, a token stays expired. A
   * token fresh from a login is never rejected on its first use (`afterUses` ≥ 1), so the SDK's one re-login
   * and replay gets through.
   */
  readonly expireToken?: {
    readonly afterUses?: number | undefined
    readonly afterMillis?: number | undefined
  } | undefined
}

/**
 * A seeded fault plan: rules tried in order for every request (latencies add up; the first fault that fails a
 * request before the server wins).
 *
 * @since 0.1.0
 * @category models
 */
export interface FaultPlan {
  /** Seed of the fault draws. Default: the LocalMaster's seed. */
  readonly seed?: number | undefined
  readonly rules: ReadonlyArray<FaultRule>
}

/**
 * Kinds of injected faults, as counted by `LocalMaster.faultStats`.
 *
 * @since 0.1.0
 * @category models
 */
export type FaultKind =
  | "latency"
  | "status500"
  | "status502"
  | "status503"
  | "status504"
  | "rateLimited"
  | "refused"
  | "dropBefore"
  | "dropAfter"
  | "streamCut"
  | "html"
  | "expiredToken"

/**
 * How many faults of each kind were injected so far.
 *
 * @since 0.1.0
 * @category models
 */
export type FaultStats = Readonly<Record<FaultKind, number>>

/** @internal */
export const faultKinds: ReadonlyArray<FaultKind> = [
  "latency",
  "status500",
  "status502",
  "status503",
  "status504",
  "rateLimited",
  "refused",
  "dropBefore",
  "dropAfter",
  "streamCut",
  "html",
  "expiredToken"
]

// ---------------------------------------------------------------------------------------------------------------
// Validation of a plan given as JSON (`npm run local-master -- --faults <spec>`)

const Probability = Schema.Number.pipe(Schema.between(0, 1))
const NonNegative = Schema.Number.pipe(Schema.nonNegative())
const Range = Schema.Union(NonNegative, Schema.Tuple(NonNegative, NonNegative))

const FaultRuleSchema = Schema.Struct({
  path: Schema.optional(Schema.String),
  pathRegex: Schema.optional(Schema.String),
  method: Schema.optional(Schema.Union(Schema.String, Schema.Array(Schema.String))),
  status: Schema.optional(Schema.Struct({
    "500": Schema.optional(Probability),
    "502": Schema.optional(Probability),
    "503": Schema.optional(Probability),
    "504": Schema.optional(Probability)
  })),
  rateLimit: Schema.optional(Schema.Struct({
    probability: Probability,
    retryAfterSeconds: Schema.optional(NonNegative),
    burst: Schema.optional(Schema.Int.pipe(Schema.positive()))
  })),
  latency: Schema.optional(Schema.Struct({ probability: Schema.optional(Probability), millis: Range })),
  refuse: Schema.optional(Probability),
  dropBefore: Schema.optional(Probability),
  dropAfter: Schema.optional(Probability),
  html: Schema.optional(Probability),
  htmlStatus: Schema.optional(Schema.Int.pipe(Schema.between(100, 599))),
  cutAfterLines: Schema.optional(Range),
  cutProbability: Schema.optional(Probability),
  expireToken: Schema.optional(Schema.Struct({
    afterUses: Schema.optional(Schema.Int.pipe(Schema.positive())),
    afterMillis: Schema.optional(Schema.Number.pipe(Schema.positive()))
  }))
})

const FaultPlanSchema = Schema.Struct({
  seed: Schema.optional(Schema.Number),
  rules: Schema.Array(FaultRuleSchema)
})

const decodePlan = Schema.decodeUnknownSync(FaultPlanSchema, { onExcessProperty: "error" })

/**
 * Checks a plan, throwing an `Error` that names the offending field.
 *
 * @internal
 */
export const validatePlan = (plan: unknown): FaultPlan => {
  try {
    const decoded = decodePlan(plan)
    for (const rule of decoded.rules) compilePath(rule)
    return decoded
  } catch (e) {
    throw new Error(`invalid fault plan: ${e instanceof Error ? e.message : String(e)}`)
  }
}

/**
 * Reads a plan from the command line: a JSON text, or the path of a JSON file.
 *
 * @internal
 */
export const parsePlan = (spec: string): FaultPlan => {
  const text = spec.trim().startsWith("{") ? spec : fs.readFileSync(spec, "utf8")
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (e) {
    throw new Error(`invalid fault plan: not JSON (${(e as Error).message})`)
  }
  return validatePlan(json)
}

// ---------------------------------------------------------------------------------------------------------------
// Matching

/** Turns a glob into an anchored regular expression. @internal */
export const globToRegExp = (glob: string): RegExp => {
  let out = ""
  let inBraces = false
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!
    if (c === "*") {
      if (glob[i + 1] === "*") {
        i++
        if (glob[i + 1] === "/") {
          i++
          out += "(?:.*/)?"
        } else out += ".*"
      } else out += "[^/]*"
    } else if (c === "?") out += "[^/]"
    else if (c === "{") {
      inBraces = true
      out += "(?:"
    } else if (c === "}" && inBraces) {
      inBraces = false
      out += ")"
    } else if (c === "," && inBraces) out += "|"
    else out += c.replace(/[.+^$()|[\]\\]/g, "\\$&")
  }
  return new RegExp(`^${out}$`)
}

const compilePath = (rule: FaultRule): RegExp =>
  rule.pathRegex !== undefined ? new RegExp(rule.pathRegex) : globToRegExp(rule.path ?? "**")

interface CompiledRule {
  readonly rule: FaultRule
  readonly path: RegExp
  readonly methods: ReadonlySet<string> | undefined
  /** requests of a 429 burst still to answer */
  burstLeft: number
  /** per token (the Authorization header) seen by this rule: matching uses so far and when it was first seen */
  readonly tokens: Map<string, { uses: number; readonly firstSeen: number; expired: boolean }>
}

const compile = (rule: FaultRule): CompiledRule => ({
  rule,
  path: compilePath(rule),
  methods: rule.method === undefined
    ? undefined
    : new Set((typeof rule.method === "string" ? [rule.method] : rule.method).map((m) => m.toUpperCase())),
  burstLeft: 0,
  tokens: new Map()
})

// ---------------------------------------------------------------------------------------------------------------
// Connection faults, seen by the transports

/** How a connection failed. @internal */
export type ConnectionFault = "refused" | "dropped"

const connectionFaults = new WeakMap<Response, ConnectionFault>()

/** A response that stands for a failed connection: the transport must fail instead of answering. @internal */
export const connectionFault = (response: Response): ConnectionFault | undefined => connectionFaults.get(response)

/** The web stand-in of a `NoResponse` outcome: the transports see {@link connectionFault}. @internal */
export const failedConnection = (fault: ConnectionFault): Response => {
  const response = new Response(null, { status: 599 })
  connectionFaults.set(response, fault)
  return response
}

/** The `cause` a transport reports for a failed connection (a node-style error with its `code`). @internal */
export const connectionError = (fault: ConnectionFault): Error =>
  Object.assign(
    new Error(
      fault === "refused"
        ? "connect ECONNREFUSED (LocalMaster fault: connection refused)"
        : "socket hang up (LocalMaster fault: connection dropped)"
    ),
    { code: fault === "refused" ? "ECONNREFUSED" : "ECONNRESET" }
  )

// ---------------------------------------------------------------------------------------------------------------
// Bodies

const jsonOutcome = (status: number, body: string, headers: Record<string, string> = {}): Outcome => ({
  _tag: "Body",
  status,
  body,
  contentType: "application/json",
  headers
})

const statusCodes: Record<number, number> = {
  500: Code.Internal,
  502: Code.Unavailable,
  503: Code.Unavailable,
  504: Code.DeadlineExceeded
}

const statusMessages: Record<number, string> = {
  500: "internal error (LocalMaster fault)",
  502: "bad gateway (LocalMaster fault)",
  503: "the master is overloaded, try again (LocalMaster fault)",
  504: "gateway timeout (LocalMaster fault)"
}

const htmlPage = (status: number) =>
  `<!DOCTYPE html>\n<html>\n<head><title>${status} Bad Gateway</title></head>\n<body>\n<center><h1>${status} ` +
  `Bad Gateway</h1></center>\n<hr><center>nginx</center>\n</body>\n</html>\n`

const encoder = new TextEncoder()

/**
 * `source` passed through, broken after `cutAfter` complete lines (plus `partial` bytes of the next one, delivered
 * before the failure) when `cutAfter` is set; `onClose` runs once when it ends however it ends (done, failed, cut,
 * interrupted).
 */
const passThrough = (
  source: Stream.Stream<Uint8Array, Error>,
  cutAfter: number | undefined,
  partial: number,
  onCut: () => void,
  onClose: () => void
): Stream.Stream<Uint8Array, Error> => {
  let closed = false
  const close = Effect.sync(() => {
    if (closed) return
    closed = true
    onClose()
  })
  // uncut (the common case): the source as it is, one finalizer around it
  if (cutAfter === undefined) return Stream.ensuring(source, close)
  const dropped = Stream.suspend(() => {
    onCut()
    return Stream.fail(connectionError("dropped"))
  })
  if (cutAfter === 0) return Stream.ensuring(dropped, close)
  return Stream.suspend(() => {
    let seen = 0
    let cut = false
    return source.pipe(
      Stream.map((value) => {
        for (let i = 0; i < value.length; i++) {
          if (value[i] === 10 && ++seen === cutAfter) {
            cut = true
            return value.subarray(0, Math.min(value.length, i + 1 + partial))
          }
        }
        return value
      }),
      Stream.takeUntil(() => cut),
      Stream.concat(Stream.suspend(() => (cut ? dropped : Stream.empty))),
      Stream.ensuring(close)
    )
  })
}

// ---------------------------------------------------------------------------------------------------------------
// The wrapper

/** How a request is answered: the request (headers, method, URL; its body already read) and the body text. */
type Answer = (request: Request, bodyText: string) => Effect.Effect<Outcome>

/** A request handler with its plan applied, and what it counted. @internal */
export interface Faulty {
  readonly answer: Answer
  readonly stats: Effect.Effect<FaultStats>
  readonly resetStats: Effect.Effect<void>
  /** Streaming responses whose body has not ended yet (done, failed, cut or cancelled). */
  readonly openStreams: Effect.Effect<number>
  /** Turns the plan off (`false`) and on again; streams are still counted while it is off. */
  readonly setActive: (active: boolean) => Effect.Effect<void>
}

const zeroStats = (): Record<FaultKind, number> => {
  const out = {} as Record<FaultKind, number>
  for (const k of faultKinds) out[k] = 0
  return out
}

/**
 * Applies `plan` around `answer`. Draws are made from a PRNG seeded with `plan.seed ?? seed`.
 *
 * @internal
 */
export const applyPlan = (plan: FaultPlan, seed: number, answer: Answer): Faulty => {
  const valid = validatePlan(plan)
  const rules = valid.rules.map(compile)
  const rng = new Rng(`faults:${valid.seed ?? seed}`)
  let stats = zeroStats()
  let openStreams = 0
  let active = true
  const count = (kind: FaultKind) => {
    stats[kind]++
  }
  const chance = (p: number | undefined) => p !== undefined && p > 0 && rng.next() < p
  const draw = (range: number | readonly [number, number]) =>
    typeof range === "number" ? range : Math.round(range[0] + (range[1] - range[0]) * rng.next())

  /** Is `token` expired by `policy` (counting this use)? */
  const tokenExpired = (
    c: CompiledRule,
    policy: NonNullable<FaultRule["expireToken"]>,
    token: string,
    now: number
  ): boolean => {
    let seen = c.tokens.get(token)
    if (seen === undefined) {
      seen = { uses: 0, firstSeen: now, expired: false }
      c.tokens.set(token, seen)
    }
    if (!seen.expired) {
      seen.expired = (policy.afterUses !== undefined && seen.uses >= policy.afterUses) ||
        (policy.afterMillis !== undefined && now - seen.firstSeen > policy.afterMillis)
    }
    seen.uses++
    return seen.expired
  }

  /** A fault that answers before the server, or undefined. Also returns the latency to add first. */
  const before = (
    matching: ReadonlyArray<CompiledRule>,
    request: Request,
    now: number
  ): { readonly latency: number; readonly answer: Outcome | undefined } => {
    let latency = 0
    for (const c of matching) {
      const l = c.rule.latency
      if (l !== undefined && (l.probability === undefined || chance(l.probability))) {
        const ms = draw(l.millis)
        if (ms > 0) {
          latency += ms
          count("latency")
        }
      }
    }
    const token = request.headers.get("authorization")
    for (const c of matching) {
      const r = c.rule
      if (chance(r.refuse)) {
        count("refused")
        return { latency, answer: { _tag: "NoResponse", fault: "refused" } }
      }
      if (chance(r.dropBefore)) {
        count("dropBefore")
        return { latency, answer: { _tag: "NoResponse", fault: "dropped" } }
      }
      if (r.expireToken !== undefined && token !== null && tokenExpired(c, r.expireToken, token, now)) {
        count("expiredToken")
        return {
          latency,
          answer: jsonOutcome(401, unaryErrorBody(unauthenticated("invalid credentials: the session expired")))
        }
      }
      const rl = r.rateLimit
      if (rl !== undefined && (c.burstLeft > 0 || chance(rl.probability))) {
        c.burstLeft = c.burstLeft > 0 ? c.burstLeft - 1 : (rl.burst ?? 1) - 1
        count("rateLimited")
        return {
          latency,
          answer: jsonOutcome(
            429,
            unaryErrorBody(new WireError(Code.ResourceExhausted, "too many requests (LocalMaster fault)")),
            { "retry-after": String(rl.retryAfterSeconds ?? 1) }
          )
        }
      }
      if (r.status !== undefined) {
        for (const status of [500, 502, 503, 504] as const) {
          if (chance(r.status[String(status) as "500"])) {
            count(`status${status}`)
            return {
              latency,
              answer: jsonOutcome(
                status,
                unaryErrorBody(new WireError(statusCodes[status]!, statusMessages[status]!)),
                status === 503 ? { "retry-after": "1" } : {}
              )
            }
          }
        }
      }
      if (chance(r.html)) {
        count("html")
        const status = r.htmlStatus ?? 502
        return {
          latency,
          answer: { _tag: "Body", status, body: htmlPage(status), contentType: "text/html", headers: {} }
        }
      }
    }
    return { latency, answer: undefined }
  }

  /** Faults once the router answered: a dropped connection mid-body, a stream cut after N lines. */
  const after = (matching: ReadonlyArray<CompiledRule>, outcome: Outcome): Outcome => {
    const streaming = outcome._tag === "Stream"
    let dropAfter = false
    let cutAfter: number | undefined
    for (const c of matching) {
      if (!dropAfter && chance(c.rule.dropAfter)) dropAfter = true
      const range = c.rule.cutAfterLines
      if (streaming && range !== undefined && cutAfter === undefined && chance(c.rule.cutProbability ?? 1)) {
        cutAfter = draw(range)
      }
    }
    if (outcome._tag === "Stream") {
      if (dropAfter) cutAfter = 0
      openStreams++
      const kind: FaultKind = dropAfter ? "dropAfter" : "streamCut"
      return {
        _tag: "Stream",
        stream: passThrough(outcome.stream, cutAfter, 12, () => count(kind), () => {
          openStreams--
        })
      }
    }
    if (!dropAfter || outcome._tag !== "Body") return outcome
    const bytes = typeof outcome.body === "string" ? encoder.encode(outcome.body) : outcome.body
    count("dropAfter")
    return {
      _tag: "Broken",
      status: outcome.status,
      contentType: outcome.contentType,
      headers: outcome.headers,
      head: bytes.subarray(0, Math.floor(bytes.length / 2))
    }
  }

  const faultyAnswer: Answer = (request, bodyText) =>
    Effect.suspend(() => {
      const url = new URL(request.url)
      const method = request.method.toUpperCase()
      const matching = !active ?
        [] :
        rules.filter((c) => c.path.test(url.pathname) && (c.methods === undefined || c.methods.has(method)))
      if (matching.length === 0) return Effect.map(answer(request, bodyText), (outcome) => after([], outcome))
      return Effect.flatMap(Clock.currentTimeMillis, (now) => {
        const { answer: early, latency } = before(matching, request, now)
        const delay = latency > 0 ? Effect.sleep(latency) : Effect.void
        if (early !== undefined) return Effect.as(delay, early)
        return delay.pipe(
          Effect.zipRight(answer(request, bodyText)),
          Effect.map((outcome) => after(matching, outcome))
        )
      })
    })

  return {
    answer: faultyAnswer,
    stats: Effect.sync(() => ({ ...stats })),
    resetStats: Effect.sync(() => {
      stats = zeroStats()
    }),
    openStreams: Effect.sync(() => openStreams),
    setActive: (on) =>
      Effect.sync(() => {
        active = on
      })
  }
}
