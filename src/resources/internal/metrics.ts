/**
 * Metric reports of trials, checkpoints and model versions as streams of {@link TrialMetrics}.
 *
 * `GET /api/v1/trials/metrics/trial_metrics` answers with newline-delimited lines of up to 1000 reports each,
 * trial by trial (ids ascending), each trial's reports ordered by run and batches. The stream here flattens the
 * lines into reports one line at a time, so memory stays constant however many reports there are. A connection
 * that drops mid-stream is re-opened by the `RetryPolicy` from the trial it was reading, skipping the reports
 * of that trial already delivered.
 *
 * @since 0.1.0
 */
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import * as Errors from "../../DeterminedError.js"
import { boundChunks } from "../../internal/chunks.js"
import * as F from "../../internal/fastDecode.js"
import { DeterminedHttp, path } from "../../services/DeterminedHttp.js"
import * as Fast from "./models/fast.js"
import { resuming } from "./resume.js"
import * as Wire from "./wire.js"

/**
 * One metrics report of a trial, as upstream's `TrialMetrics`.
 *
 * @since 0.1.0
 * @category models
 */
export class TrialMetrics extends Schema.Class<TrialMetrics>("effect-determined/TrialMetrics")({
  /** The report's id (a global sequence of the master). */
  id: Schema.Number,
  trialId: Schema.Number,
  trialRunId: Schema.Number,
  /** Batches completed when the report was made (the report's `totalBatches`). */
  stepsCompleted: Schema.Number,
  /** When the master stored the report (milliseconds). */
  endTime: Schema.NullOr(Schema.DateFromSelf),
  /**
   * The reported values: `validation_metrics` of a `validation` report, `avg_metrics` of any other group (or
   * the whole body when it has neither, as profiling reports).
   */
  metrics: Wire.JsonObjectSchema,
  /** Per-batch values when the report carried them (`batch_metrics`). */
  batchMetrics: Schema.optional(Schema.Array(Wire.JsonObjectSchema)),
  /** `training`, `validation` or a custom group. */
  group: Schema.String
}) {}

/**
 * A metric group: `training`, `validation` or any custom name.
 *
 * @since 0.1.0
 * @category models
 */
export type Group = Wire.Open<"training" | "validation">

const MetricsReport = Schema.Struct({
  id: Wire.Int64,
  trialId: Schema.Number,
  trialRunId: Schema.Number,
  totalBatches: Schema.Number,
  endTime: Schema.optionalWith(Schema.NullOr(Wire.Timestamp), { default: () => null }),
  metrics: Schema.optionalWith(Schema.NullOr(Wire.JsonObjectSchema), { default: () => null }),
  group: Schema.String
})
type MetricsReport = Schema.Schema.Type<typeof MetricsReport>

/** A `{ metrics: MetricsReport[] }` message: a line of the metrics stream, or a checkpoint/model-version answer. */
export const ReportsResponse = Schema.Struct({
  metrics: Schema.optionalWith(Schema.Array(MetricsReport), { default: () => [], nullable: true })
})

const isObject = (u: unknown): u is Wire.JsonObject => typeof u === "object" && u !== null && !Array.isArray(u)

// One report, written out: what `F.struct({ id: Fast.int64, trialId: F.number, trialRunId: F.number, totalBatches:
// F.number, endTime: F.nullable(Fast.timestamp), metrics: F.nullable(F.jsonObject), group: F.string })` decodes, with
// constant-key property accesses instead of the generic loop's megamorphic ones, for the reason given at
// models/fast.ts `trialLog` (a million reports in the bench; docs/BENCHMARKS.md "Third pass").
const report: F.Fast<MetricsReport> = (u) => {
  if (!F.isPlainObject(u)) return F.reject
  const { group, metrics, totalBatches, trialId, trialRunId } = u
  const id = Fast.int64(u.id)
  const wireEnd = u.endTime
  const endTime = wireEnd === undefined || wireEnd === null ? null : Fast.timestamp(wireEnd)
  if (id === F.reject || endTime === F.reject || typeof trialId !== "number" || typeof trialRunId !== "number") {
    return F.reject
  }
  if (typeof totalBatches !== "number" || typeof group !== "string") return F.reject
  const values = metrics === undefined || metrics === null ? null : F.jsonObject(metrics)
  if (values === F.reject) return F.reject
  return { id, trialId, trialRunId, totalBatches, endTime, metrics: values, group }
}

/**
 * `ReportsResponse` with a fast path (src/internal/fastDecode.ts) that applies the same rules (int64 ids,
 * RFC 3339 timestamps, nullable fields defaulted, extra keys dropped) several times faster than the generic
 * decoding over a million reports (bench/micro.ts); a line it does not accept is decoded by `ReportsResponse`
 * itself, so a failure names the same field.
 */
/** @internal */
export const ReportsLine = F.withFastPath(
  ReportsResponse,
  F.struct({ metrics: F.withDefault(F.array(report), () => []) })
)

/** A wire report → `TrialMetrics` (no validation: the report was decoded). @internal */
export const fromReport = (report: MetricsReport): TrialMetrics => {
  const body = report.metrics ?? {}
  const key = report.group === "validation" ? "validation_metrics" : "avg_metrics"
  const values = body[key]
  const batch = body.batch_metrics
  // built as `new TrialMetrics(props, true)` builds it (a fresh instance with these properties in this order), without
  // its two copies of the properties: one per report (fastDecode.ts `klass`; the metrics property test compares
  // both)
  const out = Object.create(TrialMetrics.prototype) as Record<string, unknown>
  out.id = report.id
  out.trialId = report.trialId
  out.trialRunId = report.trialRunId
  out.stepsCompleted = report.totalBatches
  out.endTime = report.endTime
  out.metrics = isObject(values) ? values : "avg_metrics" in body || "validation_metrics" in body ? {} : body
  if (Array.isArray(batch)) out.batchMetrics = batch.filter(isObject)
  out.group = report.group
  return out as unknown as TrialMetrics
}

// The master checks the trials of a metrics request one by one, ids ascending, and answers 404 "trial '<id>' not
// found" for the first it does not know (or may not see) (master/internal/api_trials.go streamMetrics →
// trials.CanGetTrialsExperimentAndCheckCanDoAction): the NotFound names that trial when the message names one of the
// requested ids, else all of them, comma-separated (as upstream's bulk check names its ids).
const missingTrial = (error: Errors.NotFound, ids: ReadonlyArray<number>): Errors.NotFound => {
  const named = /\btrial '?(\d+)'? not found/.exec(error.message)?.[1]
  const id = named !== undefined && ids.includes(Number(named)) ? named : ids.join(",")
  return id === error.id ?
    error :
    new Errors.NotFound({
      method: error.method,
      path: error.path,
      resource: error.resource,
      id,
      message: error.message
    })
}

/** Trial ids per request: keeps the query string far below the limits of proxies. @internal */
export const idsPerRequest = 200

const trialMetricsPath = "/api/v1/trials/metrics/trial_metrics"

// One request's worth of trial ids (sorted, distinct), resumed from the trial it was reading on a drop.
const batchStream = (ids: ReadonlyArray<number>, group: string) =>
  Stream.unwrap(Effect.map(DeterminedHttp, (http) => {
    let current: number | undefined
    let deliveredOfCurrent = 0
    return resuming(
      () => {
        const from = current === undefined ? ids : ids.filter((id) => id >= current!)
        let skip = deliveredOfCurrent
        const skipTrial = current
        return http.stream(
          {
            method: "GET",
            path: trialMetricsPath,
            query: { trialIds: from, group },
            invalid: true,
            notFound: { resource: "trial", id: from.join(",") }
          },
          ReportsLine
        )
          .pipe(
            Stream.catchTag("NotFound", (e) => Stream.fail(missingTrial(e, from))),
            // the lines of a network chunk at once, into one chunk of reports
            Stream.mapChunks((lines) => {
              const out: Array<TrialMetrics> = []
              for (const line of lines) {
                for (const report of line.metrics) {
                  if (skip > 0 && report.trialId === skipTrial) {
                    skip--
                    continue
                  }
                  if (report.trialId !== current) {
                    current = report.trialId
                    deliveredOfCurrent = 0
                  }
                  deliveredOfCurrent++
                  out.push(fromReport(report))
                }
              }
              return Chunk.unsafeFromArray(out)
            }),
            // a line holds up to 1,000 reports and a network chunk several lines (internal/chunks.ts)
            boundChunks
          )
      },
      { method: "GET", path: trialMetricsPath }
    )
  }))

/**
 * The metric reports of several trials for one group, trial by trial (ids ascending), each trial's reports
 * in the order they were made. Constant memory: reports are decoded one line (at most 1000) at a time.
 * Duplicate ids are read once; no ids makes no request. An unknown trial (or one the user may not see) fails the
 * stream with `NotFound` before any report, its `id` the trial the master named (the first unknown, ids ascending).
 *
 * @since 0.1.0
 * @category streams
 * @example
 * import { Effect, Stream } from "effect"
 * import { Metrics } from "effect-determined"
 *
 * const losses = Metrics.stream([1, 2, 3], { group: "validation" }).pipe(
 *   Stream.map((report) => ({ trial: report.trialId, step: report.stepsCompleted, loss: report.metrics.loss })),
 *   Stream.runCollect
 * )
 */
export const stream = (
  trialIds: Iterable<number>,
  options: { readonly group: Group }
): Stream.Stream<TrialMetrics, Errors.RequestError | Errors.NotFound | Errors.InvalidRequest, DeterminedHttp> => {
  const ids = Array.from(new Set(trialIds)).sort((a, b) => a - b)
  const batches: Array<ReadonlyArray<number>> = []
  for (let i = 0; i < ids.length; i += idsPerRequest) batches.push(ids.slice(i, i + idsPerRequest))
  return Stream.fromIterable(batches).pipe(
    Stream.flatMap((batch) => batchStream(batch, options.group)),
    Stream.withSpan("Metrics.stream", { attributes: { "determined.trial.count": ids.length } })
  )
}

/**
 * The metric reports of one trial for one group (upstream's `Trial.iter_metrics`); `NotFound` for an unknown
 * trial.
 *
 * @since 0.1.0
 * @category streams
 * @example
 * import { Stream } from "effect"
 * import { Trial } from "effect-determined"
 *
 * const validations = Trial.metrics(7, { group: "validation" }).pipe(Stream.runCollect)
 */
export const metrics = (
  trialId: number,
  options: { readonly group: Group }
): Stream.Stream<TrialMetrics, Errors.RequestError | Errors.NotFound | Errors.InvalidRequest, DeterminedHttp> =>
  stream([trialId], options).pipe(Stream.withSpan("Trial.metrics", { attributes: { "determined.trial.id": trialId } }))

/**
 * Options of the checkpoint and model-version metrics.
 *
 * @since 0.1.0
 * @category models
 */
export interface SourceMetricsOptions {
  /** Only this group; all groups when absent. */
  readonly group?: Group | undefined
  /** Which link between the trials and the checkpoint: `INFERENCE` (the default, as upstream) or `FINE_TUNING`. */
  readonly sourceType?: "INFERENCE" | "FINE_TUNING" | undefined
}

const sourceQuery = (options: SourceMetricsOptions) => ({
  trialSourceInfoType: `TRIAL_SOURCE_INFO_TYPE_${options.sourceType ?? "INFERENCE"}`,
  metricGroup: options.group
})

/**
 * The metrics reported by trials that used this checkpoint, e.g. batch inference (upstream's
 * `Checkpoint.get_metrics`). One request.
 *
 * @since 0.1.0
 * @category operations
 * @example
 * import { Checkpoint } from "effect-determined"
 *
 * const inference = Checkpoint.metrics("2b1a…", { group: "inference" })
 */
export const checkpointMetrics = Effect.fn("Checkpoint.metrics")(
  function*(uuid: string, options: SourceMetricsOptions = {}) {
    yield* Effect.annotateCurrentSpan("determined.checkpoint.uuid", uuid)
    const http = yield* DeterminedHttp
    const response = yield* http.json({
      method: "GET",
      path: path`/api/v1/checkpoints/${uuid}/metrics`,
      query: sourceQuery(options),
      notFound: { resource: "checkpoint", id: uuid }
    }, ReportsResponse)
    return response.metrics.map(fromReport)
  }
)
