/**
 * Checkpoint snapshots and their wire schemas, plus the `MetricsRecord` shared with trials.
 *
 * Decoding follows protobuf's JSON rules, as the master's messages are protobuf messages: a plain scalar that
 * is absent decodes to its proto default (`0`, `""`, `false`, `[]`), while timestamps, messages, structs and
 * proto3 `optional` fields decode to `null` when absent or `null`; only the identity (`id`, `uuid`) must be
 * there. int64 values (`resources` sizes) arrive as decimal strings and decode to `number`. A malformed value
 * (a timestamp that is not RFC 3339, an int64 that is not an integer) is a decode failure naming the field.
 *
 * @internal
 */
import * as Schema from "effect/Schema"
import * as Pagination from "../../../services/Pagination.js"
import * as Wire from "../wire.js"

/** Absent or `null` → `null`. @internal */
export const nullable = <A, I, R>(schema: Schema.Schema<A, I, R>) =>
  Schema.optionalWith(Schema.NullOr(schema), { default: () => null })

/** Absent → the given proto default; `null` is treated like absent. @internal */
export const withDefault = <A, I, R>(schema: Schema.Schema<A, I, R>, value: () => NoInfer<A>) =>
  Schema.optionalWith(schema, { default: value, nullable: true })

/**
 * States of a checkpoint (`STATE_*` on the wire). The master stores reported checkpoints as `COMPLETED`;
 * garbage collection moves them to `DELETED` or `PARTIALLY_DELETED`.
 *
 * @since 0.1.0
 * @category models
 */
export type CheckpointState = Wire.Open<
  "UNSPECIFIED" | "ACTIVE" | "COMPLETED" | "ERROR" | "DELETED" | "PARTIALLY_DELETED"
>

/** @internal */
export const CheckpointStateSchema = Wire.Enum("STATE_", [
  "UNSPECIFIED",
  "ACTIVE",
  "COMPLETED",
  "ERROR",
  "DELETED",
  "PARTIALLY_DELETED"
])

/**
 * Attributes the master sorts checkpoints by (`SORT_BY_*` on the wire, query parameter `sortByAttr`).
 *
 * @since 0.1.0
 * @category models
 */
export type CheckpointSortBy = "UUID" | "TRIAL_ID" | "BATCH_NUMBER" | "END_TIME" | "STATE" | "SEARCHER_METRIC"

/**
 * The values of {@link CheckpointSortBy}, as upstream's `CheckpointSortBy` enum: `CheckpointSortBy.BATCH_NUMBER`.
 *
 * @since 0.1.0
 * @category models
 */
export const CheckpointSortBy = {
  UUID: "UUID",
  TRIAL_ID: "TRIAL_ID",
  BATCH_NUMBER: "BATCH_NUMBER",
  END_TIME: "END_TIME",
  STATE: "STATE",
  SEARCHER_METRIC: "SEARCHER_METRIC"
} as const satisfies Record<CheckpointSortBy, CheckpointSortBy>

/** @internal */
export const checkpointSortByValues: ReadonlyArray<CheckpointSortBy> = Object.values(CheckpointSortBy)

/** @internal */
export const isCheckpointSortBy = (u: unknown): u is CheckpointSortBy =>
  typeof u === "string" && (checkpointSortByValues as ReadonlyArray<string>).includes(u)

/**
 * A metrics record (`common.v1.Metrics`): the averaged metrics of a report and, for training reports, the
 * per-batch metrics. Keys of the metric dicts are the user's metric names.
 *
 * @since 0.1.0
 * @category models
 */
export class MetricsRecord extends Schema.Class<MetricsRecord>("effect-determined/MetricsRecord")({
  /** `null` when there was no report at that step. */
  avgMetrics: nullable(Wire.JsonObjectSchema),
  batchMetrics: withDefault(Schema.Array(Wire.JsonObjectSchema), () => [])
}) {}

/**
 * The training side of a checkpoint (`checkpoint.v1.CheckpointTrainingMetadata`): where it came from and the
 * metrics reported at its step. Computed by the master when the checkpoint is read.
 *
 * @since 0.1.0
 * @category models
 */
export class CheckpointTraining extends Schema.Class<CheckpointTraining>("effect-determined/CheckpointTraining")({
  trialId: nullable(Schema.Number),
  experimentId: nullable(Schema.Number),
  /** The experiment's current config. */
  experimentConfig: nullable(Wire.JsonObjectSchema),
  /** The trial's sampled hyperparameters. */
  hparams: nullable(Wire.JsonObjectSchema),
  /** The training report at exactly the checkpoint's step. */
  trainingMetrics: nullable(MetricsRecord),
  /** The validation report at exactly the checkpoint's step. */
  validationMetrics: nullable(MetricsRecord),
  /** The searcher metric of that validation; `null` when there was none. */
  searcherMetric: nullable(Wire.Double)
}) {}

/**
 * An immutable snapshot of a checkpoint (`checkpoint.v1.Checkpoint`).
 *
 * @since 0.1.0
 * @category models
 */
export class Checkpoint extends Schema.Class<Checkpoint>("effect-determined/Checkpoint")({
  uuid: Schema.String,
  /** The task (trial run) that reported it. */
  taskId: withDefault(Schema.String, () => ""),
  /** The allocation that reported it; `null` on masters that do not send it. */
  allocationId: nullable(Schema.String),
  reportTime: nullable(Wire.Timestamp),
  /** Relative path → size in bytes. Directories end with `/` and have size 0. */
  resources: withDefault(Schema.Record({ key: Schema.String, value: Wire.Int64 }), () => ({})),
  /** User metadata, always with `steps_completed`. */
  metadata: withDefault(Wire.JsonObjectSchema, () => ({})),
  state: withDefault(CheckpointStateSchema, () => "UNSPECIFIED"),
  /** `null` for checkpoints that do not come from a trial. */
  training: nullable(CheckpointTraining),
  /** Id of the checkpoint storage backend row. */
  storageId: nullable(Schema.Number)
}) {
  /**
   * The trial id of the training metadata, as upstream's `training` attribute which is `None` without one.
   *
   * @since 0.1.0
   */
  get trialId(): number | null {
    return this.training?.trialId ?? null
  }
  /**
   * The total size of `resources` in bytes.
   *
   * @since 0.1.0
   */
  get size(): number {
    let total = 0
    for (const key in this.resources) total += this.resources[key] ?? 0
    return total
  }
}

/** @internal */
export const CheckpointResponse = Schema.Struct({ checkpoint: Checkpoint })

/** @internal */
export const CheckpointsResponse = Schema.Struct({
  checkpoints: withDefault(Schema.Array(Checkpoint), () => []),
  pagination: Schema.optional(Schema.NullOr(Pagination.Pagination))
})
