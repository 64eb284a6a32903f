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

/** The instant of an RFC 3339 timestamp in milliseconds, or NaN when it is not one. @internal */
export const timestampMillis = (input: string): number => (rfc3339.test(input) ? Date.parse(input) : Number.NaN)

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
