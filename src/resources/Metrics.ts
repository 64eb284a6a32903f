/**
 * Metric reports of many trials at once, as one constant-memory stream (`GET /api/v1/trials/metrics/trial_metrics`).
 * One trial's reports are also `Trial.metrics`; checkpoint and model-version metrics are `Checkpoint.metrics`
 * and `ModelVersion.metrics`.
 *
 * @since 0.1.0
 */
export {
  /**
   * A metric group: `training`, `validation` or any custom name.
   *
   * @since 0.1.0
   * @category models
   * @example
   * import { Metrics } from "effect-determined"
   *
   * const group: Metrics.Group = "inference"
   * const reports = Metrics.stream([12, 13], { group })
   */
  type Group,
  /**
   * The metric reports of many trials and one group as one constant-memory stream, in batches of trials per request.
   *
   * @since 0.1.0
   * @category streams
   * @example
   * import { Stream } from "effect"
   * import { Metrics } from "effect-determined"
   *
   * // the lowest training loss each trial reported
   * const lowest = Metrics.stream([12, 13, 14], { group: "training" }).pipe(
   *   Stream.runFold(new Map<number, number>(), (best, report) => {
   *     const loss = report.metrics["loss"]
   *     if (typeof loss === "number" && loss < (best.get(report.trialId) ?? Infinity)) best.set(report.trialId, loss)
   *     return best
   *   })
   * )
   */
  stream,
  /**
   * One metric report of a trial: its step, when it was stored, the values and the group.
   *
   * @since 0.1.0
   * @category models
   * @example
   * import { Stream } from "effect"
   * import { Metrics } from "effect-determined"
   *
   * const steps = Metrics.stream([12], { group: "validation" }).pipe(
   *   Stream.map((report: Metrics.TrialMetrics) => report.stepsCompleted),
   *   Stream.runCollect
   * )
   */
  TrialMetrics
} from "./internal/metrics.js"

export {
  /**
   * Split a metrics map (a report's `metrics`, a validation's `avgMetrics`) into its numbers, typed as `number`
   * (NaN and ±Infinity, which the master sends as strings, included), and every other value as reported.
   *
   * @since 0.1.0
   * @category combinators
   * @example
   * import { Effect, Stream } from "effect"
   * import { Metrics, Trial } from "effect-determined"
   *
   * const losses = Trial.metrics(12, { group: "validation" }).pipe(
   *   Stream.map((report) => Metrics.numeric(report.metrics).numbers["validation_loss"]),
   *   Stream.runCollect
   * )
   */
  numeric,
  /**
   * A metrics map split by type: `numbers` and `others`; every key is in exactly one of them.
   *
   * @since 0.1.0
   * @category models
   * @example
   * import type { Metrics } from "effect-determined"
   *
   * const split: Metrics.NumericMetrics = { numbers: { loss: 0.25 }, others: { phase: "warmup" } }
   */
  type NumericMetrics
} from "./internal/models/metricValues.js"
