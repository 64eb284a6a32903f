/**
 * Fast paths of Schema decoding for the hot wire shapes (experiment, trial and checkpoint rows, log lines,
 * metric reports). A fast path is a hand-assembled decoder that applies exactly the rules of its Schema to the
 * inputs it accepts and answers {@link reject} for anything else; it rides on the Schema as an annotation
 * ({@link withFastPath}), and `decodeValue` (src/internal/http.ts) tries it first and falls back to the Schema on
 * `reject`, so a `DecodeError` still comes from the Schema and names the field. The Schema itself is unchanged:
 * decoding it with `Schema.decode*` ignores the annotation.
 *
 * Why: generic Schema decoding costs about 20–40 µs per experiment or trial row and 5–8 µs per log line or metric
 * report (a parse-result object, an Effect-style step and garbage per field); these decoders cost a tenth of that
 * (bench/micro.ts, docs/BENCHMARKS.md). Each one has a property test that it agrees with its Schema on random
 * valid and invalid inputs (test/resources/fastDecode.test.ts).
 *
 * @internal
 */
import type * as Schema from "effect/Schema"

/** What a fast path answers for an input it does not accept: the Schema decides. @internal */
export const reject: unique symbol = Symbol.for("effect-determined/fastDecode/reject")

/** @internal */
export type Reject = typeof reject

/** A fast path: the decoded value, or {@link reject}. @internal */
export type Fast<A> = (u: unknown) => A | Reject

const FastPathId: unique symbol = Symbol.for("effect-determined/fastDecode/FastPath")

/** The schema with a fast path for its decoding (as an annotation; the schema decodes as before). @internal */
export const withFastPath = <S extends Schema.Schema.AnyNoContext>(schema: S, fast: Fast<Schema.Schema.Type<S>>): S =>
  schema.annotations({ [FastPathId]: fast }) as S

/** The fast path of a schema, when it has one. @internal */
export const fastPathOf = (schema: Schema.Schema.AnyNoContext): Fast<unknown> | undefined =>
  schema.ast.annotations[FastPathId] as Fast<unknown> | undefined

/** A plain object (what `JSON.parse` makes), not an array, a class instance or null. @internal */
export const isPlainObject = (u: unknown): u is Record<string, unknown> => {
  if (typeof u !== "object" || u === null) return false
  const proto = Object.getPrototypeOf(u)
  return proto === Object.prototype || proto === null
}

/** `Schema.String`. @internal */
export const string: Fast<string> = (u) => (typeof u === "string" ? u : reject)

/** `Schema.Number`. @internal */
export const number: Fast<number> = (u) => (typeof u === "number" ? u : reject)

/** `Schema.Boolean`. @internal */
export const boolean: Fast<boolean> = (u) => (typeof u === "boolean" ? u : reject)

/**
 * `Schema.Record({ key: Schema.String, value: Schema.Unknown })` for plain objects, kept as they are (the
 * Schema copies the own keys, which is the same value).
 * @internal
 */
export const jsonObject: Fast<{ readonly [key: string]: any }> = (u) => (isPlainObject(u) ? u : reject)

/** `Schema.Array(item)`. @internal */
export const array = <A>(item: Fast<A>): Fast<Array<A>> => (u) => {
  if (!Array.isArray(u)) return reject
  const out: Array<A> = new Array(u.length)
  for (let i = 0; i < u.length; i++) {
    const a = item(u[i])
    if (a === reject) return reject
    out[i] = a
  }
  return out
}

/** `Schema.optionalWith(schema, { default, nullable: true })`: absent, undefined or null → the default. @internal */
export const withDefault = <A>(f: Fast<A>, value: () => A): Fast<A> => (u) =>
  u === undefined || u === null ? value() : f(u)

/** `Schema.optionalWith(Schema.NullOr(schema), { default: () => null })`: absent, undefined or null → null. @internal */
export const nullable = <A>(f: Fast<A>): Fast<A | null> => (u) => (u === undefined || u === null ? null : f(u))

/** `Schema.NullOr(schema)` as a required field: null → null, absent → reject. @internal */
export const nullOr = <A>(f: Fast<A>): Fast<A | null> => (u) => (u === null ? null : f(u))

/** The field of a struct given to {@link struct}: a decoder, or `optional(decoder)` (`Schema.optional`). */
type Field = Fast<unknown> | { readonly optional: Fast<unknown> }

/** `Schema.optional(schema)`: absent → no key. (A key present with `undefined` is left to the Schema.) @internal */
export const optional = <A>(f: Fast<A>): { readonly optional: Fast<A> } => ({ optional: f })

// the fields decoded into the object `make` gives (a plain object, or an instance of a class)
const structInto = <A>(fields: Record<string, Field>, make: () => Record<string, unknown>): Fast<A> => {
  const entries = Object.entries(fields).map(([key, field]) =>
    typeof field === "function"
      ? { key, decode: field, optional: false }
      : { key, decode: field.optional, optional: true }
  )
  return (u) => {
    if (!isPlainObject(u)) return reject
    const out = make()
    for (let i = 0; i < entries.length; i++) {
      const { decode, key, optional } = entries[i]!
      const v = u[key]
      if (optional && v === undefined) {
        if (key in u) return reject
        continue
      }
      const a = decode(v)
      if (a === reject) return reject
      out[key] = a
    }
    return out as A
  }
}

/**
 * `Schema.Struct(fields)` decoded with `onExcessProperty: "ignore"`: a plain object with each field decoded
 * (keys not listed are dropped). A required field's decoder receives `undefined` when the key is absent.
 * @internal
 */
export const struct = <A>(fields: Record<string, Field>): Fast<A> => structInto(fields, () => ({}))

/**
 * A `Schema.Class` from its fields, decoded straight into an instance. `new Class(props, true)` copies `props`,
 * merges the constructor defaults of absent fields and assigns them to a fresh instance of the class (Data's
 * `Structural`); the fast path decodes every field the Schema would (defaults included, `withDefault`), so an
 * object with the class's prototype and those properties, in the same order, is the same value, without the two
 * copies (`lazilyMergeDefaults` was a few percent of a watch's profile). The property tests compare both
 * with `isDeepStrictEqual`, prototype included.
 * @internal
 */
export const klass = <C extends new(props: any, disableValidation: true) => any>(
  Class: C,
  fields: Record<string, Field>
): Fast<InstanceType<C>> => {
  const proto = Class.prototype as object
  return structInto(fields, () => Object.create(proto))
}

/**
 * Two JSON values (as `JSON.parse` gives them) are the same: same scalars, arrays of the same values in the same
 * order, objects with the same keys (in any order) and the same values. A value nested too deeply to compare is
 * not the same as anything. Lets a poll skip decoding a row the previous poll decoded from equal JSON.
 * @internal
 */
export const sameJson = (a: unknown, b: unknown): boolean => {
  try {
    return same(a, b)
  } catch {
    return false
  }
}

const same = (a: unknown, b: unknown): boolean => {
  if (a === b) return true
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false
    for (let i = 0; i < a.length; i++) if (!same(a[i], b[i])) return false
    return true
  }
  if (Array.isArray(b)) return false
  const x = a as Record<string, unknown>
  const y = b as Record<string, unknown>
  // own keys by Object.keys, not for…in with hasOwn: 1.8 → 1.1–1.5 µs per trial row of the bench server
  // (docs/BENCHMARKS.md, third pass)
  const keys = Object.keys(x)
  if (keys.length !== Object.keys(y).length) return false
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!
    if (!Object.hasOwn(y, key) || !same(x[key], y[key])) return false
  }
  return true
}
