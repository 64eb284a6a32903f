/**
 * The slice of Postgres that the master's filter compiler leans on, as LocalMaster evaluates it: SQL values with
 * their types, three-valued logic, literal coercion (with the errors Postgres raises), LIKE / ILIKE patterns,
 * jsonb text and jsonb ordering (shared/docs/search-filter.md §2.2, §4).
 *
 * This is the server's evaluator and is deliberately written apart from the SDK's local evaluator
 * (src/resources/internal/search/evaluate.ts): the property test comparing them row for row only proves something
 * if they do not share code.
 *
 * @internal
 */
import type { Json } from "../json.js"
import { internal, WireError } from "../wire.js"

/** SQL types a filter expression can have. @internal */
export type SqlType =
  | "integer"
  | "bigint"
  | "numeric"
  | "double precision"
  | "text"
  | "timestamp with time zone"
  | "experiment_state"
  | "trial_state"
  | "boolean"

/** A SQL value: NULL, a number, text, a timestamp (epoch millis), an enum label, a boolean. @internal */
export type SqlValue = null | number | string | boolean

/** Three-valued truth. @internal */
export type Truth = boolean | null

/** Declaration order of the stored experiment states. @internal */
export const experimentStates = [
  "ACTIVE",
  "PAUSED",
  "STOPPING_CANCELED",
  "STOPPING_KILLED",
  "STOPPING_COMPLETED",
  "STOPPING_ERROR",
  "DELETING",
  "CANCELED",
  "COMPLETED",
  "ERROR",
  "DELETE_FAILED",
  "RUNNING"
] as const

/** Declaration order of the stored trial states. @internal */
export const trialStates = [
  "ACTIVE",
  "PAUSED",
  "STOPPING_CANCELED",
  "STOPPING_KILLED",
  "STOPPING_COMPLETED",
  "STOPPING_ERROR",
  "CANCELED",
  "COMPLETED",
  "ERROR",
  "RUNNING"
] as const

/** A Postgres-originated failure: 500 with an `ERROR: … (SQLSTATE …)` message. @internal */
export const pgError = (message: string, state: string): WireError => internal(`ERROR: ${message} (SQLSTATE ${state})`)

/** A Go panic inside the filter compiler (500). @internal */
export const goPanic = (message: string): WireError => internal(message)

/** @internal */
export type CompareOp = "=" | "!=" | "<" | "<=" | ">" | ">="

/** How Postgres names the type of a JSON literal the master pasted into SQL. @internal */
export const literalType = (v: number | string | boolean): string =>
  typeof v === "boolean" ? "boolean" : typeof v === "number" ? (Number.isInteger(v) ? "integer" : "numeric") : "unknown"

const isNumeric = (t: SqlType) => t === "integer" || t === "bigint" || t === "numeric" || t === "double precision"

const noOperator = (left: string, op: string, right: string) =>
  pgError(`operator does not exist: ${left} ${op === "!=" ? "<>" : op} ${right}`, "42883")

const badSyntax = (type: string, text: string) =>
  pgError(`invalid input syntax for type ${type}: ${JSON.stringify(text)}`, "22P02")

const integerText = /^\s*[+-]?\d+\s*$/
const floatText = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/
const specialFloats = new Map<string, number>([
  ["nan", NaN],
  ["infinity", Infinity],
  ["+infinity", Infinity],
  ["inf", Infinity],
  ["+inf", Infinity],
  ["-infinity", -Infinity],
  ["-inf", -Infinity]
])

/** `'text'::float8`, raising Postgres' error when the text is not a number. @internal */
export const castFloat = (text: string, type: SqlType = "double precision"): number => {
  const t = text.trim()
  const special = specialFloats.get(t.toLowerCase())
  if (special !== undefined) return special
  if (!floatText.test(t)) throw badSyntax(type, text)
  return Number(t)
}

/** A timestamp literal as Postgres reads it (session time zone UTC). @internal */
export const castTimestamp = (text: string): number => {
  const m = /^\s*(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?\s*$/i
    .exec(text)
  if (m === null) throw badSyntax("timestamp with time zone", text)
  const [, y, mo, d, h = "00", mi = "00", s = "00", frac = "", tz = "Z"] = m
  const base = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s))
  const check = new Date(base)
  if (check.getUTCDate() !== Number(d) || check.getUTCMonth() !== Number(mo) - 1 || Number(h) > 23) {
    throw pgError(`date/time field value out of range: ${JSON.stringify(text)}`, "22008")
  }
  let offset = 0
  if (tz.toUpperCase() !== "Z") {
    const sign = tz.startsWith("-") ? -1 : 1
    const digits = tz.slice(1).replace(":", "")
    offset = sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2) || "0")) * 60_000
  }
  return base - offset + (frac === "" ? 0 : Number(`0${frac}`) * 1000)
}

const castBool = (text: string): boolean => {
  const t = text.trim().toLowerCase()
  if (["t", "tr", "tru", "true", "y", "ye", "yes", "on", "1"].includes(t)) return true
  if (["f", "fa", "fal", "fals", "false", "n", "no", "of", "off", "0"].includes(t)) return false
  throw badSyntax("boolean", text)
}

/**
 * Coerces a JSON literal to the SQL type of the expression it is compared with, as Postgres does with the
 * literal the master pasted in (a quoted string is cast; a number against text is an operator error).
 *
 * @internal
 */
export const coerceLiteral = (type: SqlType, op: string, lit: number | string | boolean): SqlValue => {
  if (type === "text") {
    if (typeof lit !== "string") throw noOperator("text", op, literalType(lit))
    return lit
  }
  if (isNumeric(type)) {
    if (typeof lit === "number") return lit
    if (typeof lit === "boolean") throw noOperator(type, op, "boolean")
    if (type === "integer" || type === "bigint") {
      if (!integerText.test(lit)) throw badSyntax(type, lit)
      return Number(lit.trim())
    }
    return castFloat(lit, type)
  }
  if (type === "timestamp with time zone") {
    if (typeof lit !== "string") throw noOperator(type, op, literalType(lit))
    return castTimestamp(lit)
  }
  if (type === "experiment_state" || type === "trial_state") {
    if (typeof lit !== "string") throw noOperator(type, op, literalType(lit))
    const labels: ReadonlyArray<string> = type === "experiment_state" ? experimentStates : trialStates
    if (!labels.includes(lit)) throw pgError(`invalid input value for enum ${type}: ${JSON.stringify(lit)}`, "22P02")
    return lit
  }
  // boolean
  if (typeof lit === "boolean") return lit
  if (typeof lit === "number") throw noOperator("boolean", op, literalType(lit))
  return castBool(lit)
}

/** Postgres ordering of two non-NULL values of one SQL type. @internal */
export const compareSql = (type: SqlType, a: SqlValue, b: SqlValue): number => {
  if (type === "experiment_state" || type === "trial_state") {
    const labels: ReadonlyArray<string> = type === "experiment_state" ? experimentStates : trialStates
    return labels.indexOf(a as string) - labels.indexOf(b as string)
  }
  if (type === "text") {
    // LocalMaster's database collation is C: byte order of UTF-8, which is code point order.
    const x = a as string
    const y = b as string
    return x === y ? 0 : codePointLess(x, y) ? -1 : 1
  }
  if (type === "boolean") return (a === true ? 1 : 0) - (b === true ? 1 : 0)
  const x = a as number
  const y = b as number
  // float8 and numeric: NaN equals NaN and is greater than every number
  if (Number.isNaN(x)) return Number.isNaN(y) ? 0 : 1
  if (Number.isNaN(y)) return -1
  return x < y ? -1 : x > y ? 1 : 0
}

const codePointLess = (x: string, y: string): boolean => {
  const a = Array.from(x)
  const b = Array.from(y)
  const n = Math.min(a.length, b.length)
  for (let i = 0; i < n; i++) {
    const ca = a[i]!.codePointAt(0)!
    const cb = b[i]!.codePointAt(0)!
    if (ca !== cb) return ca < cb
  }
  return a.length < b.length
}

/** `left op right` in three-valued logic. @internal */
export const applyCompare = (type: SqlType, op: CompareOp, left: SqlValue, right: SqlValue): Truth => {
  if (left === null || right === null) return null
  const c = compareSql(type, left, right)
  switch (op) {
    case "=":
      return c === 0
    case "!=":
      return c !== 0
    case "<":
      return c < 0
    case "<=":
      return c <= 0
    case ">":
      return c > 0
    case ">=":
      return c >= 0
  }
}

/** SQL AND over three-valued results. @internal */
export const and3 = (xs: ReadonlyArray<Truth>): Truth => {
  let unknown = false
  for (const x of xs) {
    if (x === false) return false
    if (x === null) unknown = true
  }
  return unknown ? null : true
}

/** SQL OR over three-valued results. @internal */
export const or3 = (xs: ReadonlyArray<Truth>): Truth => {
  let unknown = false
  for (const x of xs) {
    if (x === true) return true
    if (x === null) unknown = true
  }
  return unknown ? null : false
}

/** SQL NOT. @internal */
export const not3 = (x: Truth): Truth => (x === null ? null : !x)

const likeCache = new Map<string, RegExp>()

/**
 * A LIKE pattern as a regular expression: `%` any run, `_` one character, `\` escapes the next character.
 *
 * @internal
 */
export const likeRegExp = (pattern: string, insensitive: boolean): RegExp => {
  const key = `${insensitive ? "i" : "s"}${pattern}`
  const hit = likeCache.get(key)
  if (hit !== undefined) return hit
  let src = "^"
  const chars = Array.from(pattern)
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i]!
    if (c === "\\" && i + 1 < chars.length) {
      src += escapeRegExp(chars[++i]!)
    } else if (c === "%") src += "[\\s\\S]*"
    else if (c === "_") src += "[\\s\\S]"
    else src += escapeRegExp(c)
  }
  const re = new RegExp(`${src}$`, insensitive ? "iu" : "u")
  if (likeCache.size > 2000) likeCache.clear()
  likeCache.set(key, re)
  return re
}

const escapeRegExp = (c: string) => c.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")

/** `value [NOT] [I]LIKE pattern` in three-valued logic. @internal */
export const like = (value: SqlValue, pattern: string, insensitive: boolean, negate: boolean): Truth => {
  if (value === null) return null
  const hit = likeRegExp(pattern, insensitive).test(String(value))
  return negate ? !hit : hit
}

/** How Go's `fmt.Sprintf("%s", v)` renders a non-string filter value inside a LIKE pattern. @internal */
export const goPercentS = (v: number | string | boolean): string =>
  typeof v === "string" ? v : typeof v === "boolean" ? `%!s(bool=${v})` : `%!s(float64=${goFloat(v)})`

/** Go's `%v` of a float64. @internal */
export const goFloat = (v: number): string => {
  if (Number.isNaN(v)) return "NaN"
  if (!Number.isFinite(v)) return v > 0 ? "+Inf" : "-Inf"
  const abs = Math.abs(v)
  if (abs !== 0 && (abs < 1e-4 || abs >= 1e21)) {
    const [mant, exp] = v.toExponential().split("e")
    const e = Number(exp)
    return `${mant}e${e < 0 ? "-" : "+"}${String(Math.abs(e)).padStart(2, "0")}`
  }
  return String(v)
}

/**
 * The text of a jsonb number as `->>` prints it: Postgres numeric output, never an exponent. The JSON the master
 * stores comes from Go, which writes the shortest round-trip digits, the same digits as JavaScript's.
 *
 * @internal
 */
export const numericText = (n: number): string => {
  const s = String(n)
  const m = /^(-?)(\d+)(?:\.(\d+))?e([+-]\d+)$/.exec(s)
  if (m === null) return s
  const [, sign, int, frac = "", expText] = m
  const exp = Number(expText)
  const digits = int! + frac
  const point = int!.length + exp
  if (point <= 0) return `${sign}0.${"0".repeat(-point)}${digits}`
  if (point >= digits.length) return `${sign}${digits}${"0".repeat(point - digits.length)}`
  return `${sign}${digits.slice(0, point)}.${digits.slice(point)}`
}

const jsonbKeyOrder = (
  a: string,
  b: string
) => (a.length !== b.length ? a.length - b.length : a < b ? -1 : a > b ? 1 : 0)

/** jsonb's text output (`->` then `::text`): `", "` and `": "` separators, keys in jsonb storage order. @internal */
export const jsonbText = (v: Json): string => {
  if (v === null) return "null"
  if (typeof v === "number") return numericText(v)
  if (typeof v === "string") return JSON.stringify(v)
  if (typeof v === "boolean") return v ? "true" : "false"
  if (Array.isArray(v)) return `[${v.map(jsonbText).join(", ")}]`
  const keys = Object.keys(v).sort(jsonbKeyOrder)
  return `{${keys.map((k) => `${JSON.stringify(k)}: ${jsonbText(v[k]!)}`).join(", ")}}`
}

/** `jsonb ->> key`: text of a scalar (strings unquoted), jsonb text of containers, NULL for JSON null. @internal */
export const jsonbArrowText = (v: Json | undefined): string | null => {
  if (v === undefined || v === null) return null
  if (typeof v === "string") return v
  return jsonbText(v)
}

const jsonbRank = (v: Json): number =>
  v === null
    ? 0
    : typeof v === "string"
    ? 1
    : typeof v === "number"
    ? 2
    : typeof v === "boolean"
    ? 3
    : Array.isArray(v)
    ? 4
    : 5

/** jsonb ordering (btree): null < string < number < boolean < array < object. @internal */
export const compareJsonb = (a: Json, b: Json): number => {
  const ra = jsonbRank(a)
  const rb = jsonbRank(b)
  if (ra !== rb) return ra - rb
  if (typeof a === "string") return compareSql("text", a, b as string)
  if (typeof a === "number") return compareSql("double precision", a, b as number)
  if (typeof a === "boolean") return compareSql("boolean", a, b as boolean)
  if (a === null) return 0
  if (Array.isArray(a)) {
    const y = b as Array<Json>
    if (a.length !== y.length) return a.length - y.length
    for (let i = 0; i < a.length; i++) {
      const c = compareJsonb(a[i]!, y[i]!)
      if (c !== 0) return c
    }
    return 0
  }
  const x = a as Record<string, Json>
  const y = b as Record<string, Json>
  const kx = Object.keys(x).sort(jsonbKeyOrder)
  const ky = Object.keys(y).sort(jsonbKeyOrder)
  if (kx.length !== ky.length) return kx.length - ky.length
  for (let i = 0; i < kx.length; i++) {
    const c = jsonbKeyOrder(kx[i]!, ky[i]!)
    if (c !== 0) return c
    const d = compareJsonb(x[kx[i]!]!, y[ky[i]!]!)
    if (d !== 0) return d
  }
  return 0
}

/** @internal */
export { WireError }
