import { assert, describe, it } from "@effect/vitest"
import { Arbitrary, Either, FastCheck as fc, Schema } from "effect"
import { isDeepStrictEqual } from "node:util"
import * as F from "../../src/internal/fastDecode.js"
import * as Http from "../../src/internal/http.js"
import { fromReport, ReportsLine, TrialMetrics } from "../../src/resources/internal/metrics.js"
import * as Fast from "../../src/resources/internal/models/fast.js"
import { TrialLogLine } from "../../src/resources/internal/trialLogs.js"
import * as Wire from "../../src/resources/internal/wire.js"

// Every fast path must agree with its Schema: the same value for what it accepts, and for anything else the
// Schema's own answer (the same DecodeError, naming the same field). Inputs are random wire values (the
// Schema's type-side arbitrary, encoded and sent through JSON as the master would) and the same values broken
// in one place (a field removed, or replaced by a random JSON value or a near-miss string).

const spec = { method: "GET" as const, path: "/api/v1/test" }

// JSON from the wire. A "__proto__" key is left out: `Schema.Record` copies keys into a fresh object, where that
// one key sets the prototype instead, which no master sends and which the fast path (keeping the parsed
// object) does not imitate.
const wire = (value: unknown): unknown | undefined => {
  const text = JSON.stringify(value)
  return text === undefined || text.includes("\"__proto__\"") ? undefined : JSON.parse(text)
}

const validInputs = <A, I>(schema: Schema.Schema<A, I, never>): fc.Arbitrary<unknown> => {
  const encode = Schema.encodeEither(schema)
  return Arbitrary.make(schema).map((a) => {
    try {
      const encoded = encode(a)
      return Either.isRight(encoded) ? wire(encoded.right) : undefined
    } catch {
      // an invalid Date of the type side, which has no wire form
      return undefined
    }
  }).filter((u) => u !== undefined)
}

const nearMisses = fc.constantFrom(
  "None",
  "",
  "12a",
  "1.5",
  "2021-13-01T00:00:00Z",
  "2021-01-01 00:00:00",
  "NaN",
  "STATE_UNKNOWN",
  "-Infinity"
)
const breaking: fc.Arbitrary<unknown> = fc.oneof(fc.jsonValue(), nearMisses, fc.constant(undefined))

// Every path of nested objects and arrays in a value.
const pathsOf = (u: unknown, prefix: ReadonlyArray<string | number> = []): Array<ReadonlyArray<string | number>> => {
  if (typeof u !== "object" || u === null) return []
  const keys: Array<string | number> = Array.isArray(u) ? u.map((_, i) => i) : Object.keys(u)
  return keys.flatMap((k) => [[...prefix, k], ...pathsOf((u as any)[k], [...prefix, k])])
}

// The value with the thing at `path` replaced (undefined: the key removed).
const broken = (u: unknown, path: ReadonlyArray<string | number>, replacement: unknown): unknown => {
  const copy = structuredClone(u) as any
  let target = copy
  for (const k of path.slice(0, -1)) target = target[k]
  const last = path[path.length - 1]!
  if (replacement === undefined && !Array.isArray(target)) delete target[last]
  else target[last] = replacement
  return copy
}

const invalidInputs = <A, I>(schema: Schema.Schema<A, I, never>): fc.Arbitrary<unknown> =>
  fc.tuple(validInputs(schema), fc.nat(), breaking).map(([u, i, replacement]) => {
    const paths = pathsOf(u)
    return paths.length === 0 ? replacement : broken(u, paths[i % paths.length]!, replacement)
  })

const agree = <A, I>(schema: Schema.Schema<A, I, never>, u: unknown) => {
  const fast = Http.decodeValue(spec, 200, schema, u, "result")
  const bySchema = Http.decodeValueBySchema(spec, 200, schema, u, "result")
  if (Either.isRight(bySchema)) {
    assert.isTrue(Either.isRight(fast), "the fast path failed where the schema decodes")
    assert.isTrue(isDeepStrictEqual(Either.getOrThrow(fast), bySchema.right), "the fast path decoded another value")
  } else {
    assert.isTrue(Either.isLeft(fast), `the fast path accepted what the schema rejects: ${bySchema.left.message}`)
    if (Either.isLeft(fast)) {
      assert.deepStrictEqual([fast.left.field, fast.left.message], [bySchema.left.field, bySchema.left.message])
    }
  }
}

const decoders: ReadonlyArray<readonly [string, Schema.Schema<any, any, never>]> = [
  ["ExperimentResponse (GET /experiments/{id})", Fast.ExperimentResponse],
  ["ExperimentRows (list rows)", Fast.ExperimentRows],
  ["ExperimentsPageRaw (a list page)", Fast.ExperimentsPageRaw],
  ["TrialResponse (GET /trials/{id})", Fast.TrialResponse],
  ["TrialsResponse (a page of trials)", Fast.TrialsResponse],
  ["Trial (one row of a page, watchTrials)", Fast.Trial],
  ["TrialsPageRaw (a page of trials, rows raw)", Fast.TrialsPageRaw],
  ["CheckpointResponse (GET /checkpoints/{uuid})", Fast.CheckpointResponse],
  ["CheckpointsResponse (a page of checkpoints)", Fast.CheckpointsResponse],
  ["TrialLog (a log line)", TrialLogLine],
  ["ReportsResponse (a line of metric reports)", ReportsLine]
]

describe("fast decoders agree with their Schema", () => {
  for (const [name, schema] of decoders) {
    describe(name, () => {
      it("has a fast path, which accepts the valid wire values it is there for", () => {
        const fast = F.fastPathOf(schema)
        assert.isDefined(fast)
        fc.assert(
          fc.property(validInputs(schema), (u) => {
            // a valid value only fails the schema through an int64 or timestamp out of range of the type side
            const bySchema = Http.decodeValueBySchema(spec, 200, schema, u)
            fc.pre(Either.isRight(bySchema))
            assert.notStrictEqual(fast!(u), F.reject)
          }),
          { numRuns: 25 }
        )
      })
      it("agrees on random valid inputs", () => {
        fc.assert(fc.property(validInputs(schema), (u) => agree(schema, u)), { numRuns: 25 })
      })
      it("agrees on random invalid inputs, failures included", () => {
        fc.assert(fc.property(invalidInputs(schema), (u) => agree(schema, u)), { numRuns: 50 })
      })
    })
  }

  it("a DecodeError of the fast path's fallback names the field", () => {
    const row = {
      experiment: { id: 1, name: "a", startTime: "None" },
      config: null
    }
    const decoded = Http.decodeValue(spec, 200, Fast.ExperimentResponse, row)
    assert.isTrue(Either.isLeft(decoded))
    if (Either.isLeft(decoded)) assert.strictEqual(decoded.left.field, "experiment.startTime")
  })
})

describe("sameJson (a poll's row equal to the last poll's)", () => {
  it("agrees with deep equality on JSON values, key order aside", () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.jsonValue(), (a, b) => {
        const x = wire(a)
        const y = wire(b)
        assert.strictEqual(F.sameJson(x, y), isDeepStrictEqual(x, y))
        assert.isTrue(F.sameJson(x, wire(x)))
      }),
      { numRuns: 200 }
    )
  })
  it("tells apart values that differ in one place, and equal objects with keys in another order are the same", () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.nat(), breaking, (a, i, replacement) => {
        const x = wire(a)
        const paths = pathsOf(x)
        fc.pre(paths.length > 0)
        const y = broken(x, paths[i % paths.length]!, replacement)
        assert.strictEqual(F.sameJson(x, y), isDeepStrictEqual(x, y))
      }),
      { numRuns: 200 }
    )
    assert.isTrue(F.sameJson({ a: 1, b: [1, { c: null }] }, { b: [1, { c: null }], a: 1 }))
    assert.isFalse(F.sameJson({ a: 1 }, { a: 1, b: undefined }))
    assert.isFalse(F.sameJson([1, 2], { 0: 1, 1: 2 }))
  })
})

describe("fromReport (a metric report as TrialMetrics)", () => {
  it("builds the same value as the class's constructor", () => {
    fc.assert(
      fc.property(validInputs(ReportsLine), (u) => {
        const decoded = Http.decodeValueBySchema(spec, 200, ReportsLine, u)
        fc.pre(Either.isRight(decoded))
        for (const report of Either.getOrThrow(decoded).metrics) {
          const body: Record<string, unknown> = report.metrics ?? {}
          const key = report.group === "validation" ? "validation_metrics" : "avg_metrics"
          const values = body[key]
          const batch = body.batch_metrics
          const isObject = (x: unknown) => typeof x === "object" && x !== null && !Array.isArray(x)
          const expected = new TrialMetrics({
            id: report.id,
            trialId: report.trialId,
            trialRunId: report.trialRunId,
            stepsCompleted: report.totalBatches,
            endTime: report.endTime,
            metrics: (isObject(values)
              ? values
              : "avg_metrics" in body || "validation_metrics" in body
              ? {}
              : body) as TrialMetrics["metrics"],
            ...(Array.isArray(batch) ? { batchMetrics: batch.filter(isObject) } : {}),
            group: report.group
          }, true)
          const actual = fromReport(report)
          assert.isTrue(actual instanceof TrialMetrics)
          assert.isTrue(isDeepStrictEqual(actual, expected))
          assert.deepStrictEqual(Object.keys(actual), Object.keys(expected))
        }
      }),
      { numRuns: 50 }
    )
  })
})

describe("timestampMillis (RFC 3339 read by hand in its common form)", () => {
  const same = (s: string) => {
    const actual = Wire.timestampMillis(s)
    const expected = Wire.timestampMillisByDateParse(s)
    assert.isTrue(Object.is(actual, expected), `${JSON.stringify(s)}: ${actual}, Date.parse says ${expected}`)
  }
  // two digits, mostly in range, sometimes at or past the edges a field allows, sometimes not digits
  const field = (max: number) =>
    fc.oneof(
      fc.integer({ min: 0, max }).map((n) => String(n).padStart(2, "0")),
      fc.constantFrom("00", "01", "12", "13", "23", "24", "29", "30", "31", "32", "59", "60", "99"),
      fc.string({ minLength: 0, maxLength: 3 })
    )
  const near = fc.record({
    year: fc.oneof(
      fc.integer({ min: 0, max: 9999 }).map((n) => String(n).padStart(4, "0")),
      fc.constantFrom("0000", "0099", "0100", "1969", "1970", "9999", "+1970", "197", "19a0")
    ),
    month: field(12),
    day: field(31),
    hour: field(24),
    minute: field(60),
    second: field(60),
    fraction: fc.oneof(
      fc.constant(""),
      fc.integer({ min: 0, max: 12 }).chain((n) =>
        fc.string({ unit: fc.constantFrom("0", "1", "5", "9"), minLength: n, maxLength: n }).map((d) => `.${d}`)
      ),
      fc.constantFrom(".", ",5", ".5a")
    ),
    zone: fc.oneof(
      fc.constantFrom("Z", "z", "", "+00:00", "-00:00", "+23:59", "-23:59", "+24:00", "+05:60", "+0530", "+05:3", "ZZ"),
      fc.tuple(fc.constantFrom("+", "-"), field(24), field(60)).map(([sign, h, m]) => `${sign}${h}:${m}`)
    ),
    t: fc.constantFrom("T", "T", "T", "t", " "),
    dash: fc.constantFrom("-", "-", "-", "/")
  }).map((p) => `${p.year}${p.dash}${p.month}-${p.day}${p.t}${p.hour}:${p.minute}:${p.second}${p.fraction}${p.zone}`)

  it("agrees with the regular expression and Date.parse on near-RFC 3339 strings, valid or not", () => {
    fc.assert(fc.property(near, same), { numRuns: 5000 })
  })
  it("agrees on every instant's ISO form, with offsets and fractions of any length", () => {
    fc.assert(
      fc.property(
        fc.date({
          min: new Date("0000-01-01T00:00:00Z"),
          max: new Date("9999-12-31T23:59:59.999Z"),
          noInvalidDate: true
        }),
        fc.integer({ min: 0, max: 6 }),
        (date, digits) => {
          const iso = date.toISOString()
          same(iso)
          same(iso.replace(/\.\d+Z$/, digits === 0 ? "Z" : `.${"123456789".slice(0, digits)}Z`))
          same(iso.replace("Z", "+01:30"))
        }
      ),
      { numRuns: 1000 }
    )
  })
  it("agrees on the edges Date.parse has: day 31 of a short month, 24:00, years before 0100, lower case", () => {
    for (
      const s of [
        "2019-02-31T00:00:00Z",
        "2020-02-30T00:00:00Z",
        "2020-04-31T23:59:59.999Z",
        "2020-01-01T24:00:00Z",
        "2020-01-01T24:00:00.001Z",
        "0050-01-01T00:00:00Z",
        "0100-01-01T00:00:00Z",
        "2020-01-01t00:00:00z",
        "2020-01-01T00:00:00.1235Z",
        "2020-01-01T00:00:00.123456789Z",
        "2020-01-01T00:00:00.1234567890Z",
        "2026-12-03T16:42:24.925000Z"
      ]
    ) same(s)
    assert.strictEqual(Wire.timestampMillis("2026-12-03T16:42:24.925000Z"), Date.UTC(2026, 11, 3, 16, 42, 24, 925))
    assert.isNaN(Wire.timestampMillis("2020-13-01T00:00:00Z"))
  })
})
