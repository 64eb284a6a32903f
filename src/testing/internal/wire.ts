/**
 * Wire helpers shared by every LocalMaster route: gRPC-style errors in both body shapes, JSON responses,
 * timestamps, query-string and body decoding, and the two pagination styles of the real master
 * (see shared/docs/determined-api.md §2, §3, §6).
 *
 * Handlers are plain synchronous functions: they throw a {@link WireError} (or let a domain error through, which
 * {@link toWireError} maps) to answer with an error, and return a {@link Reply}. This keeps the hot paths (listing 20,000 experiments, streaming 1,000,000 metric reports) free
 * of per-item Effect overhead; the Effect boundary is `LocalMaster.handle`.
 *
 * @internal
 */
import type * as Stream from "effect/Stream"
import { enums } from "./contract.js"
import type { DomainError } from "./domain/errors.js"
import type { User } from "./domain/store.js"

// ---------------------------------------------------------------------------------------------------------------
// gRPC codes and errors
// ---------------------------------------------------------------------------------------------------------------

/** @internal */
export const Code = {
  OK: 0,
  Canceled: 1,
  Unknown: 2,
  InvalidArgument: 3,
  DeadlineExceeded: 4,
  NotFound: 5,
  AlreadyExists: 6,
  PermissionDenied: 7,
  ResourceExhausted: 8,
  FailedPrecondition: 9,
  Aborted: 10,
  OutOfRange: 11,
  Unimplemented: 12,
  Internal: 13,
  Unavailable: 14,
  DataLoss: 15,
  Unauthenticated: 16
} as const

const reasons = [
  "OK",
  "Canceled",
  "Unknown",
  "InvalidArgument",
  "DeadlineExceeded",
  "NotFound",
  "AlreadyExists",
  "PermissionDenied",
  "ResourceExhausted",
  "FailedPrecondition",
  "Aborted",
  "OutOfRange",
  "Unimplemented",
  "Internal",
  "Unavailable",
  "DataLoss",
  "Unauthenticated"
]

const httpStatuses = [200, 408, 500, 400, 504, 404, 409, 403, 429, 400, 409, 400, 501, 500, 503, 500, 401]

const statusTexts: Record<number, string> = {
  200: "OK",
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  408: "Request Timeout",
  409: "Conflict",
  429: "Too Many Requests",
  500: "Internal Server Error",
  501: "Not Implemented",
  503: "Service Unavailable",
  504: "Gateway Timeout"
}

/** The gRPC code name (`codes.Code.String()`). @internal */
export const reasonOf = (code: number): string => reasons[code] ?? `Code(${code})`
/** grpc-gateway v1.16 `HTTPStatusFromCode`. @internal */
export const httpStatusOf = (code: number): number => httpStatuses[code] ?? 500
/** @internal */
export const statusTextOf = (status: number): string => statusTexts[status] ?? ""

/**
 * An error answered by a handler. `code` is the gRPC code; the HTTP status and body shape are derived by the
 * router (unary shape on unary routes, stream shape on streaming routes).
 *
 * @internal
 */
export class WireError extends Error {
  constructor(readonly code: number, message: string, readonly gateway = false) {
    super(message)
  }
}

/**
 * The real master's answer to a domain error: `NotFound` → NotFound (404), `InvalidArgument` (400),
 * `FailedPrecondition` (400), and `Rejected`, a plain Go error there, → Unknown, which Determined's error handler
 * rewrites to Internal (500) on unary routes.
 *
 * @internal
 */
export const toWireError = (e: DomainError): WireError => {
  switch (e._tag) {
    case "NotFound":
      return new WireError(Code.NotFound, e.message)
    case "InvalidArgument":
      return new WireError(Code.InvalidArgument, e.message)
    case "FailedPrecondition":
      return new WireError(Code.FailedPrecondition, e.message)
    case "Rejected":
      return new WireError(Code.Unknown, e.message)
  }
}

/** @internal */
export const invalidArgument = (message: string) => new WireError(Code.InvalidArgument, message)
/** @internal */
export const failedPrecondition = (message: string) => new WireError(Code.FailedPrecondition, message)
/** @internal */
export const internal = (message: string) => new WireError(Code.Internal, message)
/** @internal */
export const alreadyExists = (message: string) => new WireError(Code.AlreadyExists, message)
/** @internal */
export const permissionDenied = (message: string) => new WireError(Code.PermissionDenied, message)
/** @internal */
export const unauthenticated = (message: string) => new WireError(Code.Unauthenticated, message)
/** The authenticated caller of a route, or 401 `token missing`. @internal */
export const requireUser = (user: User | undefined): User => {
  if (user === undefined) throw unauthenticated("token missing")
  return user
}
/** `<kind> '<id>' not found`, the master's `api.NotFoundErrs` wording. @internal */
export const notFound = (kind: string, id: string | number) => new WireError(Code.NotFound, `${kind} '${id}' not found`)
/** grpc-gateway's ErrUnknownURI. @internal */
export const unimplemented = () => new WireError(Code.Unimplemented, "Not Implemented", true)

/** @internal */
export const unaryErrorBody = (err: WireError): string => {
  // A gRPC Unknown is rewritten to Internal by Determined's error handler on unary routes.
  const code = err.code === Code.Unknown ? Code.Internal : err.code
  return JSON.stringify({ error: { code, reason: reasonOf(code), error: err.message } })
}

/** @internal */
export const streamErrorBody = (err: WireError): string => {
  const httpCode = httpStatusOf(err.code)
  return JSON.stringify({
    error: {
      grpcCode: err.code,
      httpCode,
      message: err.message,
      httpStatus: statusTextOf(httpCode),
      details: []
    }
  })
}

// ---------------------------------------------------------------------------------------------------------------
// Replies
// ---------------------------------------------------------------------------------------------------------------

/** What a handler returns. @internal */
export type Reply =
  | { readonly _tag: "Json"; readonly body: unknown; readonly headers?: Readonly<Record<string, string>> }
  | { readonly _tag: "Raw"; readonly status: number; readonly body: string | Uint8Array; readonly contentType: string }
  | { readonly _tag: "Stream"; readonly stream: Stream.Stream<Uint8Array> }

/** @internal */
export const json = (body: unknown, headers?: Readonly<Record<string, string>>): Reply =>
  headers === undefined ? { _tag: "Json", body } : { _tag: "Json", body, headers }

/** @internal */
export const stream = (s: Stream.Stream<Uint8Array>): Reply => ({ _tag: "Stream", stream: s })

/** @internal */
export const empty: Reply = json({})

const encoder = new TextEncoder()
/** @internal */
export const encode = (s: string): Uint8Array => encoder.encode(s)

/**
 * JSON text. Values are built in wire shape already (int64 as strings, enums as names); non-finite doubles are
 * stored as the strings "NaN" / "Infinity" / "-Infinity" when recorded, so plain `JSON.stringify` suffices.
 *
 * @internal
 */
export const stringify = (value: unknown, pretty: boolean): string =>
  pretty ? JSON.stringify(value, null, 4) : JSON.stringify(value)

// ---------------------------------------------------------------------------------------------------------------
// Time
// ---------------------------------------------------------------------------------------------------------------

/**
 * RFC 3339 UTC with `Z`. LocalMaster keeps microsecond resolution internally (clock millis × 1000 plus a
 * sub-millisecond sequence) and prints 6 fractional digits, as Postgres-backed values do.
 *
 * @internal
 */
export const timestamp = (ms: number): string => {
  const whole = Math.floor(ms)
  const iso = new Date(whole).toISOString() // 2025-01-01T00:00:00.123Z
  const micros = Math.min(999, Math.max(0, Math.round((ms - whole) * 1000)))
  return `${iso.slice(0, 23)}${String(micros).padStart(3, "0")}Z`
}

/** Cut to milliseconds (metric report `endTime`). @internal */
export const timestampMillis = (ms: number): string => new Date(Math.floor(ms)).toISOString()

/** @internal */
export const parseTimestamp = (s: string, name: string): number => {
  const t = Date.parse(s)
  if (Number.isNaN(t)) throw invalidArgument(`parsing field "${name}": invalid timestamp ${JSON.stringify(s)}`)
  return t
}

// ---------------------------------------------------------------------------------------------------------------
// Requests: query strings and bodies (decoded leniently: camelCase or snake_case, unknown fields ignored)
// ---------------------------------------------------------------------------------------------------------------

const snake = (camel: string): string => camel.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)

/** Query-string reader: keys by JSON name or proto (snake_case) name. @internal */
export class Query {
  constructor(readonly params: URLSearchParams) {}

  all(name: string): Array<string> {
    const a = this.params.getAll(name)
    const s = snake(name)
    return s === name ? a : a.concat(this.params.getAll(s))
  }

  get(name: string): string | undefined {
    return this.params.get(name) ?? this.params.get(snake(name)) ?? undefined
  }

  has(name: string): boolean {
    return this.get(name) !== undefined
  }

  string(name: string, dflt = ""): string {
    return this.get(name) ?? dflt
  }

  int(name: string, dflt = 0): number {
    const v = this.get(name)
    if (v === undefined || v === "") return dflt
    return parseIntStrict(v, name)
  }

  ints(name: string): Array<number> {
    return this.all(name).flatMap((v) => v.split(",")).filter((v) => v !== "").map((v) => parseIntStrict(v, name))
  }

  bool(name: string): boolean | undefined {
    const v = this.get(name)
    if (v === undefined || v === "") return undefined
    return parseBool(v, name)
  }

  enumValue(name: string, enumName: string): string {
    const v = this.get(name)
    if (v === undefined || v === "") return firstEnumValue(enumName)
    return parseEnum(v, enumName, name)
  }

  enumValues(name: string, enumName: string): Array<string> {
    return this.all(name).flatMap((v) => v.split(",")).filter((v) => v !== "").map((v) => parseEnum(v, enumName, name))
  }
}

const intPattern = /^[+-]?\d+$/

/** @internal */
export const parseIntStrict = (v: string, name: string): number => {
  if (!intPattern.test(v.trim())) {
    throw invalidArgument(`invalid value ${JSON.stringify(v)} for field ${JSON.stringify(name)}`)
  }
  const n = Number(v)
  if (!Number.isSafeInteger(n) || n > 2147483647 || n < -2147483648) {
    throw invalidArgument(`strconv.ParseInt: parsing ${JSON.stringify(v)}: value out of range`)
  }
  return n
}

const parseBool = (v: string, name: string): boolean => {
  const s = v.toLowerCase()
  if (s === "true" || s === "1" || s === "t") return true
  if (s === "false" || s === "0" || s === "f") return false
  throw invalidArgument(`strconv.ParseBool: parsing ${JSON.stringify(v)}: invalid syntax (field ${name})`)
}

const firstEnumValue = (enumName: string): string => {
  const values = enums[enumName]
  if (values === undefined) return ""
  for (const [k, n] of Object.entries(values)) if (n === 0) return k
  return Object.keys(values)[0] ?? ""
}

/** Enum by name or number; an unknown name is a 400. @internal */
export const parseEnum = (v: unknown, enumName: string, field: string): string => {
  const values = enums[enumName] ?? {}
  if (typeof v === "number" || (typeof v === "string" && intPattern.test(v))) {
    const n = Number(v)
    for (const [k, num] of Object.entries(values)) if (num === n) return k
    return String(n)
  }
  if (typeof v === "string" && Object.prototype.hasOwnProperty.call(values, v)) return v
  throw invalidArgument(`invalid value ${JSON.stringify(v)} for enum ${enumName} (field ${field})`)
}

/** A request body object with lenient field access. @internal */
export class Body {
  constructor(readonly raw: Record<string, unknown>) {}

  static parse(text: string): Body {
    if (text.trim() === "") return new Body({})
    let value: unknown
    try {
      value = JSON.parse(text)
    } catch (e) {
      throw invalidArgument(`invalid character in request body: ${(e as Error).message}`)
    }
    if (value === null) return new Body({})
    if (typeof value !== "object" || Array.isArray(value)) {
      throw invalidArgument(`json: cannot unmarshal ${Array.isArray(value) ? "array" : typeof value} into Go value`)
    }
    return new Body(value as Record<string, unknown>)
  }

  /** The value under the camelCase or snake_case name; JSON null reads as absent. */
  get(name: string): unknown {
    const v = this.raw[name]
    if (v !== undefined && v !== null) return v
    const s = this.raw[snake(name)]
    return s === null ? undefined : s
  }

  has(name: string): boolean {
    return this.get(name) !== undefined
  }

  string(name: string): string | undefined {
    const v = this.get(name)
    if (v === undefined) return undefined
    if (typeof v !== "string") throw invalidArgument(`json: invalid value for string field ${name}`)
    return v
  }

  int(name: string): number | undefined {
    const v = this.get(name)
    if (v === undefined) return undefined
    if (typeof v === "number" && Number.isInteger(v)) return v
    if (typeof v === "string" && intPattern.test(v)) return Number(v)
    throw invalidArgument(`json: invalid value for integer field ${name}`)
  }

  bool(name: string): boolean | undefined {
    const v = this.get(name)
    if (v === undefined) return undefined
    if (typeof v !== "boolean") throw invalidArgument(`json: invalid value for bool field ${name}`)
    return v
  }

  object(name: string): Record<string, unknown> | undefined {
    const v = this.get(name)
    if (v === undefined) return undefined
    if (typeof v !== "object" || Array.isArray(v)) throw invalidArgument(`json: invalid value for field ${name}`)
    return v as Record<string, unknown>
  }

  body(name: string): Body | undefined {
    const o = this.object(name)
    return o === undefined ? undefined : new Body(o)
  }

  array(name: string): Array<unknown> | undefined {
    const v = this.get(name)
    if (v === undefined) return undefined
    if (!Array.isArray(v)) throw invalidArgument(`json: invalid value for repeated field ${name}`)
    return v
  }

  strings(name: string): Array<string> {
    return (this.array(name) ?? []).map((x) => {
      if (typeof x !== "string") throw invalidArgument(`json: invalid value for repeated string field ${name}`)
      return x
    })
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Pagination
// ---------------------------------------------------------------------------------------------------------------

/** @internal */
export interface Page<A> {
  readonly items: ReadonlyArray<A>
  readonly pagination: {
    readonly offset: number
    readonly limit: number
    readonly startIndex: number
    readonly endIndex: number
    readonly total: number
  }
}

/**
 * The SQL `page_info()` style (GetExperiments, GetExperimentTrials): limit 0 → 100, -1 → all, -2 → none;
 * negative offset from the end; an offset beyond ±total clamps to total.
 *
 * @internal
 */
export const pageInfo = <A>(all: ReadonlyArray<A>, offset: number, limit: number): Page<A> => {
  const total = all.length
  const start = offset < -total || offset > total ? total : offset < 0 ? total + offset : offset
  const end = limit === -2
    ? start
    : limit === -1
    ? total
    : limit === 0
    ? Math.min(100 + start, total)
    : start + limit > total
    ? total
    : start + limit
  return {
    items: end > start ? all.slice(start, end) : [],
    pagination: { offset, limit, startIndex: start, endIndex: end, total }
  }
}

/**
 * The in-memory `api.Paginate` style: limit 0 → everything from the offset; negative offset from the end;
 * offset out of ±total → 400 `offset out of bounds`; a negative limit makes the real handler panic (500).
 *
 * @internal
 */
export const paginate = <A>(all: ReadonlyArray<A>, offset: number, limit: number): Page<A> => {
  const total = all.length
  const start = offset < 0 ? total + offset : offset
  let end = start + limit
  if (limit === 0 || end > total) end = total
  if (!(start >= 0 && start <= total)) throw invalidArgument("offset out of bounds")
  if (end < start) throw internal(`runtime error: slice bounds out of range [${start}:${end}]`)
  return {
    items: all.slice(start, end),
    pagination: { offset, limit, startIndex: start, endIndex: end, total }
  }
}

/** Compare helper for sorting with `ORDER_BY_DESC` support and id tie-break. @internal */
export const compareBy = <A>(
  key: (a: A) => number | string | boolean | null | undefined,
  desc: boolean,
  id: (a: A) => number
) =>
(a: A, b: A): number => {
  const ka = key(a)
  const kb = key(b)
  let c = 0
  // nulls last in either direction (DESC NULLS LAST; ASC puts NULL last in Postgres too)
  if (ka === null || ka === undefined) c = kb === null || kb === undefined ? 0 : 1
  else if (kb === null || kb === undefined) c = -1
  else {
    c = ka < kb ? -1 : ka > kb ? 1 : 0
    if (desc) c = -c
  }
  if (c !== 0) return c
  const d = id(a) - id(b)
  return desc ? -d : d
}
