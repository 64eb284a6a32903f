/**
 * Schemas for the master's JSON conventions, shared by every resource module.
 *
 * - int64 fields arrive as decimal strings (`"2075753"`); they decode to `number` (exact up to 2^53, which
 *   covers byte sizes and ids the master produces).
 * - Timestamps are RFC 3339 strings; they decode to `Date`. Anything else (e.g. `"None"`) is a `DecodeError`
 *   naming the field, never an `Invalid Date`.
 * - Enums arrive as full names (`STATE_COMPLETED`); they decode to the short name (`COMPLETED`) and encode back.
 *   Values this SDK does not know are kept (as the short name, or the number the master sent, as a string), so
 *   a newer master never breaks decoding.
 * - Struct fields (`config`, `hparams`, `metadata`, `summaryMetrics`) are free-form JSON and keep their keys.
 *
 * @internal
 */
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"

/**
 * Any JSON value.
 *
 * @since 0.1.0
 * @category models
 */
export type Json = null | boolean | number | string | ReadonlyArray<Json> | { readonly [key: string]: Json }

/**
 * A JSON object (a protobuf `Struct`).
 *
 * @since 0.1.0
 * @category models
 */
export type JsonObject = { readonly [key: string]: Json }

/** @internal */
export const JsonValue: Schema.Schema<Json> = Schema.Unknown as any

/** @internal */
export const JsonObjectSchema: Schema.Schema<JsonObject> = Schema.Record({
  key: Schema.String,
  value: Schema.Unknown
}) as any

/** The int64 of a wire value (a decimal string or a number), or undefined when it is not one. @internal */
export const int64FromWire = (input: string | number): number | undefined => {
  const n = typeof input === "number" ? input : input.trim() === "" ? Number.NaN : Number(input)
  return Number.isFinite(n) && Number.isInteger(n) ? n : undefined
}

/** int64 on the wire: a decimal string (or a number from lenient producers) → number. @internal */
export const Int64 = Schema.transformOrFail(
  Schema.Union(Schema.String, Schema.Number),
  Schema.Number,
  {
    strict: true,
    decode: (input, _, ast) => {
      const n = int64FromWire(input)
      return n !== undefined
        ? ParseResult.succeed(n)
        : ParseResult.fail(
          new ParseResult.Type(ast, input, `expected an int64 (decimal string), got ${JSON.stringify(input)}`)
        )
    },
    encode: (n) => ParseResult.succeed(String(n))
  }
).annotations({
  // the integers a master sends (for property tests)
  arbitrary: () => (fc) => fc.maxSafeInteger()
})

const rfc3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/i

/**
 * What {@link timestampMillis} means: the RFC 3339 form (case-insensitive), read by `Date.parse`. @internal
 */
export const timestampMillisByDateParse = (input: string): number =>
  rfc3339.test(input) ? Date.parse(input) : Number.NaN

// the two decimal digits at `i`, or -1
const twoDigits = (s: string, i: number): number => {
  const a = s.charCodeAt(i) - 48
  const b = s.charCodeAt(i + 1) - 48
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : -1
}

/**
 * The instant of the common form of RFC 3339 timestamp, read by hand: `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`,
 * upper-case `T` and `Z`, a year from 0100, every field within the ranges `Date.parse` accepts (a day up to 31 in
 * any month, which `Date.UTC` rolls over as `Date.parse` does), the fraction truncated to milliseconds as
 * `Date.parse` does. `undefined` for anything else (lower case, hour 24, years before 0100, out of range), which
 * {@link timestampMillisByDateParse} decides.
 */
const commonTimestampMillis = (s: string): number | undefined => {
  const length = s.length
  if (length < 20 || length > 35) return undefined
  const century = twoDigits(s, 0)
  const yearOf = twoDigits(s, 2)
  if (century < 1 || yearOf < 0) return undefined
  if (
    s.charCodeAt(4) !== 45 || s.charCodeAt(7) !== 45 || s.charCodeAt(10) !== 84 || s.charCodeAt(13) !== 58 ||
    s.charCodeAt(16) !== 58
  ) return undefined
  const month = twoDigits(s, 5)
  const day = twoDigits(s, 8)
  const hour = twoDigits(s, 11)
  const minute = twoDigits(s, 14)
  const second = twoDigits(s, 17)
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour < 0 || hour > 23 || minute < 0 || minute > 59) {
    return undefined
  }
  if (second < 0 || second > 59) return undefined
  let i = 19
  let millis = 0
  if (s.charCodeAt(i) === 46) {
    const start = ++i
    while (i < length) {
      const d = s.charCodeAt(i) - 48
      if (!(d >= 0 && d <= 9)) break
      if (i - start < 3) millis = millis * 10 + d
      i++
    }
    const digits = i - start
    if (digits === 0 || digits > 9) return undefined
    if (digits === 1) millis *= 100
    else if (digits === 2) millis *= 10
  }
  let offset = 0
  const zone = s.charCodeAt(i)
  if (zone === 90) {
    if (i + 1 !== length) return undefined
  } else if (zone === 43 || zone === 45) {
    if (i + 6 !== length || s.charCodeAt(i + 3) !== 58) return undefined
    const offsetHours = twoDigits(s, i + 1)
    const offsetMinutes = twoDigits(s, i + 4)
    if (offsetHours < 0 || offsetHours > 23 || offsetMinutes < 0 || offsetMinutes > 59) return undefined
    offset = (offsetHours * 60 + offsetMinutes) * 60_000
    if (zone === 45) offset = -offset
  } else {
    return undefined
  }
  return Date.UTC(century * 100 + yearOf, month - 1, day, hour, minute, second, millis) - offset
}

/**
 * The instant of an RFC 3339 timestamp in milliseconds, or NaN when it is not one: exactly
 * {@link timestampMillisByDateParse} (a property test compares them, test/resources/fastDecode.test.ts). The common
 * form is read by hand, about a tenth of the regular expression and `Date.parse` together (≈ 0.45 µs a
 * timestamp here, one per log line and metric report; docs/BENCHMARKS.md "Third pass").
 * @internal
 */
export const timestampMillis = (input: string): number =>
  commonTimestampMillis(input) ?? timestampMillisByDateParse(input)

/** RFC 3339 timestamp → Date. @internal */
export const Timestamp = Schema.transformOrFail(Schema.String, Schema.DateFromSelf, {
  strict: true,
  decode: (input, _, ast) => {
    const ms = timestampMillis(input)
    return Number.isNaN(ms)
      ? ParseResult.fail(
        new ParseResult.Type(ast, input, `expected an RFC 3339 timestamp, got ${JSON.stringify(input)}`)
      )
      : ParseResult.succeed(new Date(ms))
  },
  encode: (date) => ParseResult.succeed(date.toISOString())
}).annotations({
  // instants that have an RFC 3339 form (for property tests)
  arbitrary: () => (fc) =>
    fc.date({
      min: new Date("1970-01-01T00:00:00.000Z"),
      max: new Date("9999-12-31T23:59:59.999Z"),
      noInvalidDate: true
    })
})

/** A nullable timestamp: `null` (or absent) → undefined. @internal */
export const OptionalTimestamp = Schema.optionalWith(Schema.NullOr(Timestamp), { as: "Option" })

/** The double of a wire value, or undefined when it is not one. @internal */
export const doubleFromWire = (input: number | string): number | undefined =>
  typeof input === "number"
    ? input
    : input === "NaN" || input === "Infinity" || input === "-Infinity"
    ? Number(input)
    : undefined

/** double on the wire: a number, or `"NaN"`, `"Infinity"`, `"-Infinity"`. @internal */
export const Double = Schema.transformOrFail(Schema.Union(Schema.Number, Schema.String), Schema.Number, {
  strict: true,
  decode: (input, _, ast) => {
    const n = doubleFromWire(input)
    if (n !== undefined) return ParseResult.succeed(n)
    return ParseResult.fail(new ParseResult.Type(ast, input, `expected a number, got ${JSON.stringify(input)}`))
  },
  encode: (n) => ParseResult.succeed(Number.isFinite(n) ? n : String(n))
}).annotations({
  // the values a master sends: finite numbers and the three special ones (for property tests)
  arbitrary: () => (fc) => fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.constant(Number.NaN))
})

/**
 * A string-literal union that tolerates values it does not know: the type lists the known short names and
 * still admits any string.
 *
 * @since 0.1.0
 * @category models
 */
export type Open<A extends string> = A | (string & {})

/** The short name of a wire enum value (`STATE_COMPLETED` → `COMPLETED`; a number → its digits). @internal */
export const enumFromWire = (prefix: string, wire: string | number): string => {
  const s = String(wire)
  return s.startsWith(prefix) ? s.slice(prefix.length) : s
}

/**
 * An enum of the master: `STATE_COMPLETED` on the wire ↔ `COMPLETED` in the SDK. Unknown names are kept
 * without their prefix; a bare number (sent by a master for values its proto doesn't know) is kept as a string.
 * @internal
 */
export const Enum = <const Known extends ReadonlyArray<string>>(prefix: string, _known: Known) =>
  Schema.transform(Schema.Union(Schema.String, Schema.Number), Schema.String, {
    strict: true,
    decode: (wire) => enumFromWire(prefix, wire),
    encode: (short) => (/^\d+$/.test(short) ? short : prefix + short)
  }) as unknown as Schema.Schema<Open<Known[number]>, string>

/** Wire name of a short enum value. @internal */
export const enumToWire = (prefix: string, short: string): string => (short.startsWith(prefix) ? short : prefix + short)

/**
 * Sort direction.
 *
 * @since 0.1.0
 * @category models
 */
export type OrderBy = "asc" | "desc"

/** @internal */
export const orderByToWire = (order: OrderBy | undefined): string | undefined =>
  order === undefined ? undefined : order === "asc" ? "ORDER_BY_ASC" : "ORDER_BY_DESC"

/** Optional on old masters, always sent by 0.38.1: absent or null → undefined. @internal */
export const optionalNullable = <A, I, R>(schema: Schema.Schema<A, I, R>) =>
  Schema.optionalWith(Schema.NullOr(schema), { nullable: true })
