/**
 * Trial snapshots and their wire schemas (`trial.v1.Trial`).
 *
 * Decoding follows protobuf's JSON rules (see `checkpoint.ts`): absent plain scalars take their proto default,
 * absent or `null` timestamps, messages and structs become `null`.
 *
 * @internal
 */
import * as Schema from "effect/Schema"
import * as Pagination from "../../../services/Pagination.js"
import * as Wire from "../wire.js"
import { CheckpointStateSchema, MetricsRecord, nullable, withDefault } from "./checkpoint.js"

/**
 * States of a trial (`STATE_*` on the wire). An active trial is reported as `QUEUED`, `PULLING`, `STARTING` or
 * `RUNNING`.
 *
 * @since 0.1.0
 * @category models
 */
export type TrialState = Wire.Open<
  | "UNSPECIFIED"
  | "ACTIVE"
  | "PAUSED"
  | "STOPPING_CANCELED"
  | "STOPPING_KILLED"
  | "STOPPING_COMPLETED"
  | "STOPPING_ERROR"
  | "CANCELED"
  | "COMPLETED"
  | "ERROR"
  | "QUEUED"
  | "PULLING"
  | "STARTING"
  | "RUNNING"
>

/** @internal */
export const TrialStateSchema = Wire.Enum("STATE_", [
  "UNSPECIFIED",
  "ACTIVE",
  "PAUSED",
  "STOPPING_CANCELED",
  "STOPPING_KILLED",
  "STOPPING_COMPLETED",
  "STOPPING_ERROR",
  "CANCELED",
  "COMPLETED",
  "ERROR",
  "QUEUED",
  "PULLING",
  "STARTING",
  "RUNNING"
])

/**
 * Trial states after which nothing changes any more.
 *
 * @since 0.1.0
 * @category models
 */
export const trialTerminalStates: ReadonlySet<TrialState> = new Set(["CANCELED", "COMPLETED", "ERROR"])

/**
 * What the master sorts an experiment's trials by (`SORT_BY_*` on the wire).
 *
 * @since 0.1.0
 * @category models
 */
export type TrialSortBy =
  | "ID"
  | "START_TIME"
  | "END_TIME"
  | "STATE"
  | "BEST_VALIDATION_METRIC"
  | "LATEST_VALIDATION_METRIC"
  | "BATCHES_PROCESSED"
  | "DURATION"
  | "RESTARTS"
  | "CHECKPOINT_SIZE"
  | "LOG_RETENTION_DAYS"

/**
 * One validation of a trial (`trial.v1.MetricsWorkload`), as in `bestValidation` and `latestValidation`.
 * `metrics.avgMetrics` is the whole validation dict of that report.
 *
 * @since 0.1.0
 * @category models
 */
export class ValidationRecord extends Schema.Class<ValidationRecord>("effect-determined/ValidationRecord")({
  endTime: nullable(Wire.Timestamp),
  metrics: nullable(MetricsRecord),
  numInputs: withDefault(Schema.Number, () => 0),
  totalBatches: withDefault(Schema.Number, () => 0)
}) {}

/**
 * The best checkpoint of a trial (`trial.v1.CheckpointWorkload`).
 *
 * @since 0.1.0
 * @category models
 */
export class CheckpointRecord extends Schema.Class<CheckpointRecord>("effect-determined/CheckpointRecord")({
  uuid: withDefault(Schema.String, () => ""),
  endTime: nullable(Wire.Timestamp),
  state: CheckpointStateSchema,
  resources: withDefault(Schema.Record({ key: Schema.String, value: Wire.Int64 }), () => ({})),
  totalBatches: withDefault(Schema.Number, () => 0),
  metadata: nullable(Wire.JsonObjectSchema)
}) {}

/**
 * An immutable snapshot of a trial.
 *
 * @since 0.1.0
 * @category models
 */
export class Trial extends Schema.Class<Trial>("effect-determined/Trial")({
  id: Schema.Number,
  experimentId: withDefault(Schema.Number, () => 0),
  /** When the trial row was created. */
  startTime: nullable(Wire.Timestamp),
  /** `null` until the trial is COMPLETED, CANCELED or ERROR. */
  endTime: nullable(Wire.Timestamp),
  state: withDefault(TrialStateSchema, () => "UNSPECIFIED"),
  restarts: withDefault(Schema.Number, () => 0),
  /** The sampled hyperparameter values. */
  hparams: withDefault(Wire.JsonObjectSchema, () => ({})),
  totalBatchesProcessed: withDefault(Schema.Number, () => 0),
  /** The best validation carrying the searcher metric; `null` before there is one. */
  bestValidation: nullable(ValidationRecord),
  /** The latest validation carrying the searcher metric; `null` before there is one. */
  latestValidation: nullable(ValidationRecord),
  bestCheckpoint: nullable(CheckpointRecord),
  /** Free text the harness last posted, e.g. `training`, `validating`. */
  runnerState: withDefault(Schema.String, () => ""),
  /** Seconds the trial's allocations have run. */
  wallClockTime: withDefault(Wire.Double, () => 0),
  warmStartCheckpointUuid: withDefault(Schema.String, () => ""),
  /** The first task id (deprecated upstream in favour of `taskIds`). */
  taskId: withDefault(Schema.String, () => ""),
  /** Total size of the trial's checkpoints that are not deleted, in bytes (uint64 on the wire). */
  totalCheckpointSize: withDefault(Wire.Int64, () => 0),
  checkpointCount: withDefault(Schema.Number, () => 0),
  /**
   * Per metric group (`avg_metrics` for training, `validation_metrics`, custom groups), per metric name:
   * `{count, last, max, min, sum, type}`. `null` before the first report.
   */
  summaryMetrics: nullable(Wire.JsonObjectSchema),
  taskIds: withDefault(Schema.Array(Schema.String), () => []),
  /** Always 0 on a 0.38 master (the query never selects it). */
  searcherMetricValue: withDefault(Wire.Double, () => 0),
  logRetentionDays: nullable(Schema.Number),
  metadata: nullable(Wire.JsonObjectSchema),
  logPolicyMatched: nullable(Schema.String)
}) {}

/** @internal */
export const TrialResponse = Schema.Struct({ trial: Trial })

/** @internal */
export const TrialsResponse = Schema.Struct({
  trials: withDefault(Schema.Array(Trial), () => []),
  pagination: Schema.optional(Schema.NullOr(Pagination.Pagination))
})

/**
 * A page of trials with its rows still raw, decoded one by one later (`watch.ts`: a row equal to the one the
 * previous poll decoded is not decoded again).
 * @internal
 */
export const TrialsPageRaw = Schema.Struct({
  trials: withDefault(Schema.Array(Schema.Unknown), () => []),
  pagination: Schema.optional(Schema.NullOr(Pagination.Pagination))
})
