/**
 * Metric reports of many trials at once, as one constant-memory stream (`GET /api/v1/trials/metrics/trial_metrics`).
 * One trial's reports are also `Trial.metrics`; checkpoint and model-version metrics are `Checkpoint.metrics`
 * and `ModelVersion.metrics`.
 *
 * @since 0.1.0
 */
export {
  /**
   * @since 0.1.0
   * @category models
   */
  type Group,
  /**
   * @since 0.1.0
   * @category streams
   */
  stream,
  /**
   * @since 0.1.0
   * @category models
   */
  TrialMetrics
} from "./internal/metrics.js"

export {
  /**
   * @since 0.1.0
   * @category combinators
   */
  numeric,
  /**
   * @since 0.1.0
   * @category models
   */
  type NumericMetrics
} from "./internal/models/metricValues.js"
