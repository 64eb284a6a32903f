/**
 * Experiment snapshots and their wire schemas (`experiment.v1.Experiment`).
 *
 * Decoding follows protobuf's JSON rules (see `checkpoint.ts`): absent plain scalars take their proto default,
 * absent or `null` timestamps, wrappers, structs and proto3 `optional` fields become `null`.
 *
 * @internal
 */
import * as Schema from "effect/Schema"
import * as Pagination from "../../../services/Pagination.js"
import * as Wire from "../wire.js"
import { nullable, withDefault } from "./checkpoint.js"

/**
 * States of an experiment (`STATE_*` on the wire). An active experiment is reported as `QUEUED`, `PULLING`,
 * `STARTING` or `RUNNING` by `GET /experiments/{id}`; the list filter only matches the stored `ACTIVE`.
 *
 * @since 0.1.0
 * @category models
 */
export type ExperimentState = Wire.Open<
  | "UNSPECIFIED"
  | "ACTIVE"
  | "PAUSED"
  | "STOPPING_COMPLETED"
  | "STOPPING_CANCELED"
  | "STOPPING_ERROR"
  | "COMPLETED"
  | "CANCELED"
  | "ERROR"
  | "DELETED"
  | "DELETING"
  | "DELETE_FAILED"
  | "STOPPING_KILLED"
  | "QUEUED"
  | "PULLING"
  | "STARTING"
  | "RUNNING"
>

/** @internal */
export const ExperimentStateSchema = Wire.Enum("STATE_", [
  "UNSPECIFIED",
  "ACTIVE",
  "PAUSED",
  "STOPPING_COMPLETED",
  "STOPPING_CANCELED",
  "STOPPING_ERROR",
  "COMPLETED",
  "CANCELED",
  "ERROR",
  "DELETED",
  "DELETING",
  "DELETE_FAILED",
  "STOPPING_KILLED",
  "QUEUED",
  "PULLING",
  "STARTING",
  "RUNNING"
])

/**
 * The terminal states of upstream's `Experiment.wait` (`COMPLETED`, `CANCELED`, `DELETED`, `ERROR`).
 *
 * @since 0.1.0
 * @category models
 */
export const experimentTerminalStates: ReadonlySet<ExperimentState> = new Set([
  "COMPLETED",
  "CANCELED",
  "DELETED",
  "ERROR"
])

/**
 * What the master sorts experiments by (`SORT_BY_*` on the wire).
 *
 * @since 0.1.0
 * @category models
 */
export type ExperimentSortBy =
  | "ID"
  | "DESCRIPTION"
  | "START_TIME"
  | "END_TIME"
  | "STATE"
  | "NUM_TRIALS"
  | "PROGRESS"
  | "USER"
  | "NAME"
  | "FORKED_FROM"
  | "RESOURCE_POOL"
  | "PROJECT_ID"
  | "CHECKPOINT_SIZE"
  | "CHECKPOINT_COUNT"
  | "SEARCHER_METRIC_VAL"

/**
 * An immutable snapshot of an experiment.
 *
 * `GET /experiments/{id}` and list rows differ: a single experiment carries `trialIds`, `originalConfig` and
 * the full `notes`; list rows carry `displayName`, `searcherMetric`, `hyperparameters` and `duration` instead,
 * with `trialIds: []`, `originalConfig: ""` and `notes: "omitted"` when not empty.
 *
 * @since 0.1.0
 * @category models
 */
export class Experiment extends Schema.Class<Experiment>("effect-determined/Experiment")({
  id: Schema.Number,
  name: withDefault(Schema.String, () => ""),
  description: withDefault(Schema.String, () => ""),
  labels: withDefault(Schema.Array(Schema.String), () => []),
  startTime: nullable(Wire.Timestamp),
  endTime: nullable(Wire.Timestamp),
  state: withDefault(ExperimentStateSchema, () => "UNSPECIFIED"),
  archived: withDefault(Schema.Boolean, () => false),
  numTrials: withDefault(Schema.Number, () => 0),
  trialIds: withDefault(Schema.Array(Schema.Number), () => []),
  displayName: withDefault(Schema.String, () => ""),
  userId: withDefault(Schema.Number, () => 0),
  username: withDefault(Schema.String, () => ""),
  resourcePool: withDefault(Schema.String, () => ""),
  searcherType: withDefault(Schema.String, () => ""),
  searcherMetric: withDefault(Schema.String, () => ""),
  hyperparameters: nullable(Wire.JsonObjectSchema),
  notes: withDefault(Schema.String, () => ""),
  jobId: withDefault(Schema.String, () => ""),
  forkedFrom: nullable(Schema.Number),
  /** Fraction of the search done, 0 to 1; `null` when the master does not know. */
  progress: nullable(Wire.Double),
  projectId: withDefault(Schema.Number, () => 0),
  projectName: withDefault(Schema.String, () => ""),
  workspaceId: withDefault(Schema.Number, () => 0),
  workspaceName: withDefault(Schema.String, () => ""),
  parentArchived: withDefault(Schema.Boolean, () => false),
  /** The experiment config merged with the master's defaults. */
  config: nullable(Wire.JsonObjectSchema),
  /** The config text as submitted (empty in list rows). */
  originalConfig: withDefault(Schema.String, () => ""),
  projectOwnerId: withDefault(Schema.Number, () => 0),
  /** Total size of the experiment's checkpoints in bytes (int64 on the wire). */
  checkpointSize: withDefault(Wire.Int64, () => 0),
  checkpointCount: withDefault(Schema.Number, () => 0),
  /** Filled in list rows requested with `showTrialData`. */
  bestTrialSearcherMetric: nullable(Wire.Double),
  bestTrialId: nullable(Schema.Number),
  unmanaged: withDefault(Schema.Boolean, () => false),
  /** Seconds from start to end (or now); list rows only. */
  duration: nullable(Schema.Number),
  externalExperimentId: nullable(Schema.String),
  externalTrialId: nullable(Schema.String),
  modelDefinitionSize: nullable(Schema.Number),
  pachydermIntegration: nullable(Wire.JsonObjectSchema)
}) {}

/**
 * An active experiment's place in the job queue (`job.v1.JobSummary`).
 *
 * @since 0.1.0
 * @category models
 */
export class JobSummary extends Schema.Class<JobSummary>("effect-determined/JobSummary")({
  state: Wire.Enum("STATE_", ["UNSPECIFIED", "QUEUED", "SCHEDULED", "SCHEDULED_BACKFILLED"]),
  jobsAhead: withDefault(Schema.Number, () => 0)
}) {}

/** @internal */
export const ExperimentResponse = Schema.Struct({
  experiment: Experiment,
  jobSummary: nullable(JobSummary),
  config: nullable(Wire.JsonObjectSchema)
})

/**
 * A page of experiments with its rows still raw, decoded later (`internal/pagination.ts`), so that decoding
 * overlaps the request for the next page.
 * @internal
 */
export const ExperimentsPageRaw = Schema.Struct({
  experiments: withDefault(Schema.Array(Schema.Unknown), () => []),
  pagination: Schema.optional(Schema.NullOr(Pagination.Pagination))
})

/** @internal */
export const ExperimentRows = Schema.Array(Experiment)

/** @internal */
export const PatchExperimentResponse = Schema.Struct({ experiment: nullable(Experiment) })

/** @internal */
export const LabelsResponse = Schema.Struct({ labels: withDefault(Schema.Array(Schema.String), () => []) })

/**
 * One entry of an experiment's validation history: a validation that improved on the best searcher metric.
 *
 * @since 0.1.0
 * @category models
 */
export class ValidationHistoryEntry
  extends Schema.Class<ValidationHistoryEntry>("effect-determined/ValidationHistoryEntry")({
    trialId: Schema.Number,
    endTime: nullable(Wire.Timestamp),
    searcherMetric: Wire.Double
  })
{}

/** @internal */
export const ValidationHistoryResponse = Schema.Struct({
  validationHistory: withDefault(Schema.Array(ValidationHistoryEntry), () => [])
})

/** @internal */
export const BestSearcherValidationMetricResponse = Schema.Struct({ metric: nullable(Wire.Double) })
