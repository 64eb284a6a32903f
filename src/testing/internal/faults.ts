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
 * A dropped or refused connection is a `Response` marked in a WeakMap ({@link connectionFault}): the in-process
 * `HttpClient` of `LocalMaster.layer` turns it into a transport error, the node bridge of `LocalMaster.serve`
 * destroys the socket.
 *
 * docs/RELIABILITY.md documents the plan's JSON format.
 *
 * @internal
 */
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import * as fs from "node:fs"
import { Rng } from "./domain/rng.js"
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

const failedConnection = (fault: ConnectionFault): Response => {
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

const jsonResponse = (status: number, body: string, headers: Record<string, string> = {}) =>
  new Response(body, { status, headers: { "content-type": "application/json", ...headers } })

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

const isStreaming = (response: Response) => response.headers.get("transfer-encoding") === "chunked"

const copyHeaders = (response: Response) => {
  const headers = new Headers(response.headers)
  headers.delete("content-length")
  return headers
}

/**
 * A body that passes `source` through, optionally breaking after `cutAfter` complete lines (plus `partial` bytes
 * of the next one), and reports when it ends however it ends (done, error, cut, cancel).
 */
const passThrough = (
  source: ReadableStream<Uint8Array>,
  cutAfter: number | undefined,
  partial: number,
  onCut: () => void,
  onClose: () => void
): ReadableStream<Uint8Array> => {
  const reader = source.getReader()
  let seen = 0
  let finished = false
  // set once the stream is cut: the head of the broken line is delivered first (an error discards what is queued)
  let broken = false
  const finish = () => {
    if (finished) return
    finished = true
    onClose()
  }
  const cut = (controller: ReadableStreamDefaultController<Uint8Array>, head: Uint8Array | undefined) => {
    finish()
    onCut()
    reader.cancel().catch(() => {})
    if (head !== undefined && head.length > 0) {
      broken = true
      controller.enqueue(head)
    } else controller.error(connectionError("dropped"))
  }
  return new ReadableStream<Uint8Array>({
    start(controller) {
      if (cutAfter === 0) cut(controller, undefined)
    },
    async pull(controller) {
      if (broken) {
        controller.error(connectionError("dropped"))
        return
      }
      try {
        const { done, value } = await reader.read()
        if (done) {
          finish()
          controller.close()
          return
        }
        if (cutAfter !== undefined) {
          for (let i = 0; i < value.length; i++) {
            if (value[i] === 10 && ++seen === cutAfter) {
              cut(controller, value.subarray(0, Math.min(value.length, i + 1 + partial)))
              return
            }
          }
        }
        controller.enqueue(value)
      } catch (e) {
        finish()
        controller.error(e)
      }
    },
    cancel(reason) {
      finish()
      return reader.cancel(reason)
    }
  })
}

// ---------------------------------------------------------------------------------------------------------------
// The wrapper

/** A request handler with its plan applied, and what it counted. @internal */
export interface Faulty {
  readonly handle: (request: Request) => Effect.Effect<Response>
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
 * Applies `plan` around `handle`. Draws are made from a PRNG seeded with `plan.seed ?? seed`.
 *
 * @internal
 */
export const applyPlan = (
  plan: FaultPlan,
  seed: number,
  handle: (request: Request) => Effect.Effect<Response>
): Faulty => {
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
  ): { readonly latency: number; readonly answer: Response | undefined } => {
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
        return { latency, answer: failedConnection("refused") }
      }
      if (chance(r.dropBefore)) {
        count("dropBefore")
        return { latency, answer: failedConnection("dropped") }
      }
      if (r.expireToken !== undefined && token !== null && tokenExpired(c, r.expireToken, token, now)) {
        count("expiredToken")
        return {
          latency,
          answer: jsonResponse(401, unaryErrorBody(unauthenticated("invalid credentials: the session expired")))
        }
      }
      const rl = r.rateLimit
      if (rl !== undefined && (c.burstLeft > 0 || chance(rl.probability))) {
        c.burstLeft = c.burstLeft > 0 ? c.burstLeft - 1 : (rl.burst ?? 1) - 1
        count("rateLimited")
        return {
          latency,
          answer: jsonResponse(
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
              answer: jsonResponse(
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
          answer: new Response(htmlPage(status), { status, headers: { "content-type": "text/html" } })
        }
      }
    }
    return { latency, answer: undefined }
  }

  /** Faults once the router answered: a dropped connection mid-body, a stream cut after N lines. */
  const after = (matching: ReadonlyArray<CompiledRule>, response: Response): Effect.Effect<Response> => {
    const streaming = isStreaming(response) && response.body !== null
    let dropAfter = false
    let cutAfter: number | undefined
    for (const c of matching) {
      if (!dropAfter && chance(c.rule.dropAfter)) dropAfter = true
      const range = c.rule.cutAfterLines
      if (streaming && range !== undefined && cutAfter === undefined && chance(c.rule.cutProbability ?? 1)) {
        cutAfter = draw(range)
      }
    }
    if (streaming) {
      if (dropAfter) cutAfter = 0
      openStreams++
      const kind: FaultKind = dropAfter ? "dropAfter" : "streamCut"
      const body = passThrough(response.body!, cutAfter, 12, () => count(kind), () => {
        openStreams--
      })
      return Effect.succeed(
        new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers })
      )
    }
    if (!dropAfter) return Effect.succeed(response)
    return Effect.promise(() => response.arrayBuffer()).pipe(
      Effect.map((buffer) => {
        const bytes = new Uint8Array(buffer)
        const half = bytes.subarray(0, Math.floor(bytes.length / 2))
        count("dropAfter")
        let sent = half.length === 0
        const body = new ReadableStream<Uint8Array>({
          pull(controller) {
            if (sent) controller.error(connectionError("dropped"))
            else controller.enqueue(half)
            sent = true
          }
        })
        return new Response(body, {
          status: response.status,
          statusText: response.statusText,
          headers: copyHeaders(response)
        })
      })
    )
  }

  const faultyHandle = (request: Request): Effect.Effect<Response> =>
    Effect.suspend(() => {
      const url = new URL(request.url)
      const method = request.method.toUpperCase()
      const matching = !active ?
        [] :
        rules.filter((c) => c.path.test(url.pathname) && (c.methods === undefined || c.methods.has(method)))
      if (matching.length === 0) return Effect.flatMap(handle(request), (response) => after([], response))
      return Effect.flatMap(Clock.currentTimeMillis, (now) => {
        const { answer, latency } = before(matching, request, now)
        const delay = latency > 0 ? Effect.sleep(latency) : Effect.void
        if (answer !== undefined) return Effect.as(delay, answer)
        return delay.pipe(
          Effect.zipRight(handle(request)),
          Effect.flatMap((response) => after(matching, response))
        )
      })
    })

  return {
    handle: faultyHandle,
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
