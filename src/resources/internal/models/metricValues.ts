/**
 * Typed reads of metric values: the numbers of a metrics map (the master sends NaN and ±Infinity as the strings
 * `"NaN"`, `"Infinity"`, `"-Infinity"`), and one statistic of a trial's `summaryMetrics`.
 *
 * @internal
 */
import * as Option from "effect/Option"
import * as Wire from "../wire.js"

/**
 * A metrics map split by type: the numbers, and everything else as reported. Nothing is dropped: every key of
 * the map is in exactly one of the two.
 *
 * @since 0.1.0
 * @category models
 */
export interface NumericMetrics {
  /**
   * Every metric whose value is a number, `NaN`, `Infinity` and `-Infinity` included (the strings the master
   * sends for them, as its summaries count them as numbers).
   */
  readonly numbers: Readonly<Record<string, number>>
  /** Every other metric (strings, booleans, `null`, objects, arrays), as reported. */
  readonly others: Wire.JsonObject
}

/** A metric value as a number: a JSON number, or one of the master's strings for NaN and ±Infinity. @internal */
export const metricNumber = (value: Wire.Json | undefined): number | undefined =>
  typeof value === "number" || typeof value === "string" ? Wire.doubleFromWire(value) : undefined

/**
 * Split a metrics map (a report's `metrics`, a validation's `avgMetrics`, ...) into its numbers and the rest.
 * `null` or `undefined` (no report) is two empty maps.
 *
 * @since 0.1.0
 * @category combinators
 * @example
 * import { Metrics } from "effect-determined"
 *
 * const { numbers, others } = Metrics.numeric({ loss: 0.25, accuracy: "NaN", phase: "warmup" })
 * // numbers: { loss: 0.25, accuracy: NaN }, others: { phase: "warmup" }
 */
export const numeric = (values: Wire.JsonObject | null | undefined): NumericMetrics => {
  const numbers: Record<string, number> = {}
  const others: Record<string, Wire.Json> = {}
  if (values === null || values === undefined) return { numbers, others }
  for (const key of Object.keys(values)) {
    const value = values[key]!
    const n = metricNumber(value)
    if (n === undefined) others[key] = value
    else numbers[key] = n
  }
  return { numbers, others }
}

/**
 * A statistic of a trial's `summaryMetrics` entry: `{count, last, max, mean, min, sum}` of a numeric metric.
 *
 * @since 0.1.0
 * @category models
 */
export type SummaryStat = "last" | "min" | "max" | "mean" | "sum" | "count"

/**
 * @since 0.1.0
 * @category models
 */
export interface SummaryMetricOptions {
  /**
   * The metric group: `training`, `validation` or a custom group (`summaryMetrics` keys them `avg_metrics`,
   * `validation_metrics` and by their own name). Default `validation`.
   */
  readonly group?: Wire.Open<"training" | "validation"> | undefined
  /** Default `last`: the value of the latest report (`none` when that report did not carry the metric). */
  readonly stat?: SummaryStat | undefined
}

/** The key of a metric group in `summaryMetrics`. @internal */
export const summaryGroupKey = (group: string): string =>
  group === "training" ? "avg_metrics" : group === "validation" ? "validation_metrics" : group

const field = (value: Wire.Json | undefined, key: string): Wire.Json | undefined =>
  value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Wire.JsonObject)[key] : undefined

/**
 * One statistic of one metric of a trial's summary (`summaryMetrics`), as a number.
 *
 * None when the trial has not reported the metric in that group, when the metric is not numeric there (the master
 * types each metric: a metric that ever had a non-number value is a `string` metric with no statistics), or when
 * the statistic is `null` (`last` after a report without the metric). NaN and ±Infinity come back as numbers. A
 * master from before August 2023 sends no `mean`: it is `sum / count` then.
 *
 * @since 0.1.0
 * @category metrics
 * @example
 * import { Effect, Option } from "effect"
 * import { Trial } from "effect-determined"
 *
 * const bestLoss = Trial.get(12).pipe(
 *   Effect.map((trial) => Trial.summaryMetric(trial, "validation_loss", { group: "validation", stat: "min" })),
 *   Effect.map(Option.getOrElse(() => Number.POSITIVE_INFINITY))
 * )
 */
export const summaryMetric = (
  trial: { readonly summaryMetrics: Wire.JsonObject | null },
  name: string,
  options: SummaryMetricOptions = {}
): Option.Option<number> => {
  const entry = field(field(trial.summaryMetrics, summaryGroupKey(options.group ?? "validation")), name)
  if (field(entry, "type") !== "number") return Option.none()
  const stat = options.stat ?? "last"
  const value = metricNumber(field(entry, stat))
  if (value !== undefined) return Option.some(value)
  if (stat === "mean") {
    const sum = metricNumber(field(entry, "sum"))
    const count = metricNumber(field(entry, "count"))
    if (sum !== undefined && count !== undefined && count > 0) return Option.some(sum / count)
  }
  return Option.none()
}
