/**
 * Search results: `SearchExperimentExperiment` (an experiment with its best trial) and `FlatRun` (a run with
 * its experiment's summary), as SearchExperiments and SearchRuns return them.
 *
 * @internal
 */
import * as Schema from "effect/Schema"
import * as Pagination from "../../../services/Pagination.js"
import * as Wire from "../wire.js"
import { nullable, withDefault } from "./checkpoint.js"
import { Experiment } from "./experiment.js"
import { Trial, TrialStateSchema } from "./trial.js"

/**
 * An experiment found by a search, with its best trial (`null` before it has one). The best trial comes from a
 * special query of the master: its `state` is the stored one (`ACTIVE`, never `RUNNING`), `searcherMetricValue`
 * is real (0 when it has none), `bestCheckpoint` is `null` and `wallClockTime` is 0.
 *
 * @since 0.1.0
 * @category models
 */
export class SearchedExperiment extends Schema.Class<SearchedExperiment>("effect-determined/SearchedExperiment")({
  experiment: Experiment,
  bestTrial: nullable(Trial)
}) {}

/**
 * The experiment side of a {@link FlatRun}.
 *
 * @since 0.1.0
 * @category models
 */
export class FlatRunExperiment extends Schema.Class<FlatRunExperiment>("effect-determined/FlatRunExperiment")({
  id: Schema.Number,
  searcherType: withDefault(Schema.String, () => ""),
  searcherMetric: withDefault(Schema.String, () => ""),
  forkedFrom: nullable(Schema.Number),
  externalExperimentId: nullable(Schema.String),
  resourcePool: withDefault(Schema.String, () => ""),
  /** Fraction of the search done, 0 to 1. */
  progress: withDefault(Wire.Double, () => 0),
  description: withDefault(Schema.String, () => ""),
  name: withDefault(Schema.String, () => ""),
  unmanaged: withDefault(Schema.Boolean, () => false),
  isMultitrial: withDefault(Schema.Boolean, () => false),
  pachydermIntegration: nullable(Wire.JsonObjectSchema)
}) {}

/**
 * A run (a trial) as SearchRuns returns it: flat, with its project, workspace and experiment summary. `state`
 * is the stored state (`ACTIVE` for a managed run in progress, `RUNNING` for an unmanaged one).
 *
 * @since 0.1.0
 * @category models
 */
export class FlatRun extends Schema.Class<FlatRun>("effect-determined/FlatRun")({
  id: Schema.Number,
  startTime: nullable(Wire.Timestamp),
  endTime: nullable(Wire.Timestamp),
  state: withDefault(TrialStateSchema, () => "UNSPECIFIED"),
  /** The experiment's labels. */
  labels: withDefault(Schema.Array(Schema.String), () => []),
  checkpointSize: withDefault(Wire.Int64, () => 0),
  checkpointCount: withDefault(Schema.Number, () => 0),
  /** The searcher metric of the run's best validation; `null` before there is one. */
  searcherMetricValue: nullable(Wire.Double),
  externalRunId: nullable(Schema.String),
  /** The sampled hyperparameters. */
  hyperparameters: nullable(Wire.JsonObjectSchema),
  /** Per metric group, per metric name: `{count, last, max, min, mean, sum, type}`. */
  summaryMetrics: nullable(Wire.JsonObjectSchema),
  /** The experiment owner. */
  userId: nullable(Schema.Number),
  /** Whole seconds from start to end (or now). */
  duration: nullable(Schema.Number),
  projectId: withDefault(Schema.Number, () => 0),
  projectName: withDefault(Schema.String, () => ""),
  workspaceId: withDefault(Schema.Number, () => 0),
  workspaceName: withDefault(Schema.String, () => ""),
  parentArchived: withDefault(Schema.Boolean, () => false),
  experiment: nullable(FlatRunExperiment),
  /** The run metadata posted with PostRunMetadata. */
  metadata: nullable(Wire.JsonObjectSchema),
  /** The run's or its experiment's archive flag. */
  archived: withDefault(Schema.Boolean, () => false),
  /** `<project key>-<n>`, e.g. `PRJ-12`. */
  localId: withDefault(Schema.String, () => ""),
  logPolicyMatched: nullable(Schema.String)
}) {}

/** @internal */
export const SearchPageRaw = Schema.Struct({
  experiments: Schema.optional(Schema.Array(Schema.Unknown)),
  runs: Schema.optional(Schema.Array(Schema.Unknown)),
  pagination: Schema.optional(Schema.NullOr(Pagination.Pagination))
})

/** @internal */
export const SearchedExperimentRows = Schema.Array(SearchedExperiment)

/** @internal */
export const FlatRunRows = Schema.Array(FlatRun)

/**
 * A column of GetProjectColumns.
 *
 * @since 0.1.0
 * @category models
 */
export class ProjectColumn extends Schema.Class<ProjectColumn>("effect-determined/ProjectColumn")({
  column: Schema.String,
  location: withDefault(Schema.String, () => "LOCATION_TYPE_UNSPECIFIED"),
  type: withDefault(Schema.String, () => "COLUMN_TYPE_UNSPECIFIED"),
  displayName: withDefault(Schema.String, () => "")
}) {}

/** @internal */
export const ProjectColumnsResponse = Schema.Struct({
  columns: withDefault(Schema.Array(ProjectColumn), () => [])
})

/**
 * The range of one numeric metric across a project's best trials (GetProjectNumericMetricsRange).
 *
 * @since 0.1.0
 * @category models
 */
export class MetricRange extends Schema.Class<MetricRange>("effect-determined/MetricRange")({
  metricsName: Schema.String,
  min: withDefault(Wire.Double, () => 0),
  max: withDefault(Wire.Double, () => 0)
}) {}

/** @internal */
export const MetricRangesResponse = Schema.Struct({
  ranges: withDefault(Schema.Array(MetricRange), () => [])
})
